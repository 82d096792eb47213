/**
 * Running the real, built CLI in real git repositories in temporary folders. Each test
 * gets its own HOME and XDG config folder so that no user setting leaks in or out.
 */
import { execFile, spawn } from 'node:child_process';
import {
  cpSync,
  mkdtempSync,
  realpathSync,
  rmSync,
  writeFileSync,
  mkdirSync,
  readFileSync,
  existsSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll } from 'vitest';

export const BIN = fileURLToPath(new URL('../../bin/remembrancer.js', import.meta.url));
/**
 * The steering repository's shared/ folder (test vectors): beside this repository, as CI
 * lays it out, or wherever REMEMBRANCER_SHARED says (a worktree kept elsewhere).
 */
export const SHARED = process.env['REMEMBRANCER_SHARED']
  ? join(resolve(process.env['REMEMBRANCER_SHARED']), '/')
  : fileURLToPath(new URL('../../../shared', import.meta.url));

const exec = promisify(execFile);

export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

export class Sandbox {
  readonly dir: string;
  readonly home: string;
  readonly repo: string;
  env: NodeJS.ProcessEnv;

  constructor() {
    this.dir = realpathSync(mkdtempSync(join(tmpdir(), 'rem-')));
    this.home = join(this.dir, 'home');
    this.repo = join(this.dir, 'repo');
    mkdirSync(this.home, { recursive: true });
    mkdirSync(this.repo, { recursive: true });
    this.env = {
      PATH: process.env['PATH'],
      HOME: this.home,
      XDG_CONFIG_HOME: join(this.home, '.config'),
      GIT_CONFIG_NOSYSTEM: '1',
      GIT_AUTHOR_NAME: 'Test Author',
      GIT_AUTHOR_EMAIL: 'author@example.com',
      GIT_COMMITTER_NAME: 'Test Author',
      GIT_COMMITTER_EMAIL: 'author@example.com',
      NO_COLOR: '1',
      LANG: 'C.UTF-8',
    };
  }

  /** Runs the CLI; never throws on a non-zero exit. */
  run(
    args: string[],
    options: { cwd?: string; env?: NodeJS.ProcessEnv; input?: string } = {},
  ): Promise<RunResult> {
    return new Promise((resolve, reject) => {
      const child = spawn(process.execPath, [BIN, ...args], {
        cwd: options.cwd ?? this.repo,
        env: { ...this.env, ...options.env },
        stdio: ['pipe', 'pipe', 'pipe'],
      });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
      child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
      child.on('error', reject);
      child.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr }));
      child.stdin.end(options.input ?? '');
    });
  }

  /** Runs the CLI and fails the test unless it exits 0. */
  async ok(
    args: string[],
    options: { cwd?: string; env?: NodeJS.ProcessEnv } = {},
  ): Promise<RunResult> {
    const result = await this.run(args, options);
    if (result.code !== 0) {
      throw new Error(
        `remembrancer ${args.join(' ')} exited ${result.code}\n${result.stdout}\n${result.stderr}`,
      );
    }
    return result;
  }

  async json<T = unknown>(
    args: string[],
    options: { cwd?: string; env?: NodeJS.ProcessEnv } = {},
  ): Promise<T> {
    const result = await this.run([...args, '--json'], options);
    try {
      return JSON.parse(result.stdout) as T;
    } catch {
      throw new Error(
        `remembrancer ${args.join(' ')} --json printed no JSON (exit ${result.code})\n${result.stdout}\n${result.stderr}`,
      );
    }
  }

  async git(args: string[], cwd = this.repo): Promise<string> {
    const { stdout } = await exec('git', args, { cwd, env: this.env, maxBuffer: 64 * 1024 * 1024 });
    return stdout;
  }

  async gitInit(cwd = this.repo): Promise<void> {
    await this.git(['init', '-q', '-b', 'main'], cwd);
  }

  /** A repository initialised with a trusted key that is the default signer. */
  async initSigned(
    policy: 'strict' | 'permissive' = 'strict',
    node = 'test-node',
  ): Promise<string> {
    await this.gitInit();
    await this.ok(['init', '--policy', policy, '--name', node]);
    const key = await this.json<{ fingerprint: string }>([
      'key',
      'generate',
      '--name',
      'Test Signer',
      '--email',
      'signer@example.com',
      '--trust',
    ]);
    return key.fingerprint;
  }

  write(path: string, content: string | Buffer): string {
    const full = join(this.repo, path);
    mkdirSync(join(full, '..'), { recursive: true });
    writeFileSync(full, content);
    return full;
  }

  read(path: string): string {
    return readFileSync(join(this.repo, path), 'utf8');
  }

  exists(path: string): boolean {
    return existsSync(join(this.repo, path));
  }

  /** Everything a user could notice about the repository's state: HEAD, index, files. */
  async state(): Promise<string> {
    const head = await this.git(['rev-parse', '--verify', '-q', 'HEAD']).catch(() => 'no HEAD');
    const status = await this.git(['status', '--porcelain=v1', '--untracked-files=all']);
    const index = await this.git(['ls-files', '-s']);
    return `${head}\n${status}\n${index}`;
  }

  /**
   * A copy of this sandbox (repository, HOME, keys) in a new temporary folder: a cheap
   * fresh start from a prepared state, such as one made by `initSigned()`.
   */
  fork(): Sandbox {
    const copy = new Sandbox();
    cpSync(this.home, copy.home, { recursive: true });
    cpSync(this.repo, copy.repo, { recursive: true });
    // The user config names the default key file by its absolute path.
    const userConfig = join(copy.home, '.config', 'remembrancer', 'config.json');
    if (existsSync(userConfig)) {
      writeFileSync(userConfig, readFileSync(userConfig, 'utf8').split(this.dir).join(copy.dir));
    }
    for (const [name, value] of Object.entries(this.env)) {
      if (name !== 'HOME' && name !== 'XDG_CONFIG_HOME' && value !== undefined) {
        copy.env[name] = value.split(this.dir).join(copy.dir);
      }
    }
    return copy;
  }

  cleanup(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }
}

export async function memoryFiles(sandbox: Sandbox): Promise<string[]> {
  const out = await sandbox.git([
    'ls-files',
    '-co',
    '--exclude-standard',
    '.remembrancer/memories',
  ]);
  return out.split('\n').filter(Boolean);
}

/** The commit HEAD points at. */
export async function head(s: Sandbox): Promise<string> {
  return (await s.git(['rev-parse', 'HEAD'])).trim();
}

/** The first line of a commit's message. */
export async function subject(s: Sandbox, rev = 'HEAD'): Promise<string> {
  return (await s.git(['log', '-1', '--format=%s', rev])).trim();
}

/** The files a commit changed. */
export async function filesIn(s: Sandbox, rev = 'HEAD'): Promise<string[]> {
  return (await s.git(['show', '--name-only', '--format=', rev])).split('\n').filter(Boolean);
}

/**
 * Returns `track`: sandboxes given to it are removed after the test file's tests. Call it
 * at the top level of a test file.
 */
export function sandboxTracker(): (sandbox: Sandbox) => Sandbox {
  const sandboxes: Sandbox[] = [];
  afterAll(() => {
    for (const s of sandboxes) s.cleanup();
  });
  return (sandbox) => {
    sandboxes.push(sandbox);
    return sandbox;
  };
}
