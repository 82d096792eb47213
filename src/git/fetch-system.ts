/**
 * Fetching through the system's git for every other kind of URL (ssh://, user@host:path,
 * git://…), so that the user's ssh config and agent, credential helpers and insteadOf
 * rules apply. git never prompts (GIT_TERMINAL_PROMPT=0), runs in its own process group so
 * that a time-out stops it together with the ssh it started, may use only the transports a
 * peer may, and takes the URL and refspec after --end-of-options.
 */
import { readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { TRANSPORT_FIX, TransportError } from './fetch-local.js';
import { runGit } from './git-command.js';
import type { RunResult } from '../ground/subprocess.js';

async function packDirListing(gitdir: string): Promise<Set<string>> {
  return new Set(await readdir(join(gitdir, 'objects', 'pack')).catch(() => [] as string[]));
}

/**
 * The line of git's complaint worth showing: the cause, not the advice after it, nor a
 * warning before it (a server that hangs up after its first answer leaves "warning: no
 * common commits" above git's "the remote end hung up").
 */
function causeOf(stderr: string): string {
  const lines = stderr
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '' && !/^(warning|hint):/i.test(l));
  const hungUp = /^fatal: (Could not read from remote repository|the remote end hung up)/i;
  const line = lines.find((l) => !hungUp.test(l));
  if (line !== undefined) return line.replace(/^(fatal|error): /, '');
  return lines.length > 0 ? 'the server hung up unexpectedly' : 'git fetch failed';
}

/** Why git failed to read the peer, as the TransportError a fetch or a probe throws. */
function gitFailure(outcome: RunResult, ref: string, signal: AbortSignal): TransportError {
  if (outcome.startError) {
    const missing = outcome.startError.code === 'ENOENT';
    return new TransportError(
      missing
        ? 'this URL needs the git command, which is not installed'
        : outcome.startError.message,
    );
  }
  // Whatever git printed before it was stopped, the cause is the time-out.
  if (signal.aborted) return new TransportError('timed out');
  if (/couldn't find remote ref/i.test(outcome.stderr)) {
    return new TransportError(`it has no ref ${ref}`, 'ref-missing');
  }
  const cause = causeOf(outcome.stderr);
  const notGit =
    /protocol error|not a git repository|does not appear to be a git repository|not found|not exported/i.test(
      cause,
    );
  return new TransportError(
    cause,
    'unreachable',
    notGit ? TRANSPORT_FIX.notGit : TRANSPORT_FIX.unreachable,
  );
}

export async function fetchWithGit(
  gitdir: string,
  cwd: string,
  url: string,
  ref: string,
  trackingRef: string,
  signal: AbortSignal,
): Promise<void> {
  const packsBefore = await packDirListing(gitdir);
  const outcome = await runGit(
    [
      `--git-dir=${gitdir}`,
      'fetch',
      '--no-tags',
      '--no-write-fetch-head',
      '--no-recurse-submodules',
      '--quiet',
    ],
    [url, `+${ref}:${trackingRef}`],
    { cwd, signal, peer: true, group: true, stdout: false },
  );
  if (outcome.code === 0) return;
  // A git stopped mid-way can leave its temporary pack behind; nothing of it may remain.
  for (const name of await packDirListing(gitdir)) {
    if (!packsBefore.has(name) && name.startsWith('tmp_')) {
      await rm(join(gitdir, 'objects', 'pack', name), { force: true });
    }
  }
  throw gitFailure(outcome, ref, signal);
}

/** What the peer says `ref` points to, from `git ls-remote` (doctor); fetches nothing. */
export async function lsRemoteWithGit(
  cwd: string,
  url: string,
  ref: string,
  signal: AbortSignal,
): Promise<string> {
  const outcome = await runGit(['ls-remote'], [url, ref], {
    cwd,
    signal,
    peer: true,
    group: true,
    maxStdout: 1024 * 1024,
  });
  if (outcome.code !== 0) throw gitFailure(outcome, ref, signal);
  // git matches the pattern against the end of each name: keep only the ref itself.
  for (const line of outcome.stdout.toString('utf8').split('\n')) {
    const [oid, name] = line.split('\t');
    if (name === ref && oid && /^[0-9a-f]{40,64}$/.test(oid)) return oid;
  }
  throw new TransportError(`it has no ref ${ref}`, 'ref-missing');
}
