/**
 * The one place a child process is started. Every program we run (git, gpg, ssh-keygen,
 * sync, the user's editor) goes through here, so that one set of rules holds for all of
 * them: an argument array and never a shell string, values that came from a repository or
 * a peer placed only after the program's end-of-options marker and refused if they could
 * still read as an option, bounded output, and a time-out that stops the whole process group.
 */
import { spawn, spawnSync } from 'node:child_process';

export interface RunOptions {
  cwd?: string | undefined;
  env?: NodeJS.ProcessEnv | undefined;
  /** Bytes fed to stdin; stdin is closed (empty) when absent. */
  input?: Uint8Array | string | undefined;
  /** Stops the child (and everything it started) after this long. */
  timeoutMs?: number | undefined;
  signal?: AbortSignal | undefined;
  /** Output kept beyond this is dropped; stdout defaults to 64 MiB, stderr to 64 KiB. */
  maxStdout?: number | undefined;
  maxStderr?: number | undefined;
  /** Keep stdout at all (false: discarded, for programs whose output we never read). */
  stdout?: boolean | undefined;
  /**
   * Its own process group, so that stopping it also stops what it started (git's ssh).
   * Not for programs that may need the terminal (gpg's pinentry).
   */
  group?: boolean | undefined;
}

export interface RunResult {
  /** Exit code; null when the program could not start or was killed. */
  code: number | null;
  stdout: Buffer;
  stderr: string;
  /** Why it did not start (ENOENT when it is not installed). */
  startError?: NodeJS.ErrnoException;
  timedOut: boolean;
  aborted: boolean;
}

/**
 * A value that is not ours (a URL, a ref, a path, a name from a repository or a peer),
 * checked before it joins an argument list. It is placed after `--end-of-options` or `--`
 * as well; this refusal is the second lock, for programs or versions that would not honour
 * the marker. The error names what the value was, so the caller's message can say so.
 */
export class UnsafeOperandError extends Error {
  constructor(
    readonly what: string,
    readonly value: string,
    readonly why: string,
  ) {
    super(`${what} ${JSON.stringify(value)} ${why}`);
    this.name = 'UnsafeOperandError';
  }
}

export function operand(value: string, what: string): string {
  if (value.length === 0) throw new UnsafeOperandError(what, value, 'is empty');
  if (value.startsWith('-'))
    throw new UnsafeOperandError(what, value, 'begins with "-" and would be read as an option');
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(value))
    throw new UnsafeOperandError(what, value, 'holds a control character');
  return value;
}

export function run(file: string, args: readonly string[], options: RunOptions = {}) {
  return new Promise<RunResult>((resolve) => {
    const keepStdout = options.stdout !== false;
    const child = spawn(file, [...args], {
      cwd: options.cwd,
      env: options.env ?? process.env,
      stdio: ['pipe', keepStdout ? 'pipe' : 'ignore', 'pipe'],
      detached: options.group === true,
    });
    const out: Buffer[] = [];
    let outBytes = 0;
    let stderr = '';
    const maxOut = options.maxStdout ?? 64 * 1024 * 1024;
    const maxErr = options.maxStderr ?? 64 * 1024;
    let timedOut = false;
    let aborted = false;
    let killer: NodeJS.Timeout | undefined;
    const stop = () => {
      const kill = (s: NodeJS.Signals) => {
        try {
          if (options.group) process.kill(-(child.pid as number), s);
          else child.kill(s);
        } catch {
          // already gone
        }
      };
      kill('SIGTERM');
      killer = setTimeout(() => kill('SIGKILL'), 2000);
      killer.unref();
    };
    const timer =
      options.timeoutMs !== undefined
        ? setTimeout(() => {
            timedOut = true;
            stop();
          }, options.timeoutMs)
        : undefined;
    const onAbort = () => {
      aborted = true;
      stop();
    };
    options.signal?.addEventListener('abort', onAbort, { once: true });
    child.stdout?.on('data', (d: Buffer) => {
      if (outBytes >= maxOut) return;
      out.push(d);
      outBytes += d.length;
    });
    child.stderr?.on('data', (d: Buffer) => {
      if (stderr.length < maxErr) stderr += d.toString('utf8');
    });
    let startError: NodeJS.ErrnoException | undefined;
    child.on('error', (e: NodeJS.ErrnoException) => {
      startError = e;
    });
    child.on('close', (code) => {
      if (timer) clearTimeout(timer);
      if (killer) clearTimeout(killer);
      options.signal?.removeEventListener('abort', onAbort);
      resolve({
        code: startError ? null : code,
        stdout: Buffer.concat(out),
        stderr,
        ...(startError ? { startError } : {}),
        timedOut,
        aborted,
      });
    });
    child.stdin?.on('error', () => undefined);
    child.stdin?.end(options.input ?? Buffer.alloc(0));
  });
}

/** A program that takes over the terminal (the user's editor); its exit code. */
export function runInteractive(
  file: string,
  args: readonly string[],
  env: NodeJS.ProcessEnv,
): number | null {
  const result = spawnSync(file, [...args], { stdio: 'inherit', env });
  return result.error ? null : result.status;
}
