/**
 * A lock file in the git directory, taken with O_EXCL like git's own index.lock, so that
 * two writers (two terminals, a hook and a CI job) never interleave their writes.
 * A lock left by a process that died on this host is recognised and taken over.
 */
import { hostname } from 'node:os';
import { randomBytes } from 'node:crypto';
import { link, open, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { RemembrancerError } from './errors.js';
import { millisecondsFrom } from './settings.js';

export interface LockOwner {
  /** "remembrancer": marks git's lock files (index.lock) that we created. */
  by?: string;
  pid: number;
  host: string;
  since: string;
}

/** Who this process is, as written into every lock file it creates. */
export function thisProcess(): LockOwner {
  return {
    by: 'remembrancer',
    pid: process.pid,
    host: hostname(),
    since: new Date().toISOString(),
  };
}

/**
 * Creates `path` holding `content`, failing with EEXIST if it exists. The content is
 * written to a file of its own first and then linked in, so that no reader ever finds the
 * lock empty and has to guess from its age whose it is. Where hard links are refused,
 * falls back to an exclusive create followed by the write.
 */
export async function createExclusive(path: string, content: string): Promise<void> {
  // A dot name: git skips it when it lists refs, should a crash leave it under refs/.
  const temp = join(
    dirname(path),
    `.${basename(path)}.${process.pid}-${randomBytes(4).toString('hex')}.new`,
  );
  await writeFile(temp, content, { flag: 'wx', mode: 0o644 });
  try {
    await link(temp, path);
    return;
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code !== 'EPERM' && code !== 'ENOTSUP' && code !== 'EOPNOTSUPP' && code !== 'ENOSYS') {
      throw err;
    }
  } finally {
    await rm(temp, { force: true });
  }
  const handle = await open(path, 'wx', 0o644);
  try {
    await handle.writeFile(content);
  } finally {
    await handle.close();
  }
}

export interface Lock {
  path: string;
  release(): Promise<void>;
}

/** Whether a process of this machine is still running (EPERM: it runs, as someone else). */
export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export async function readOwner(path: string): Promise<LockOwner | undefined> {
  try {
    const owner = JSON.parse(await readFile(path, 'utf8')) as LockOwner;
    return typeof owner.pid === 'number' ? owner : undefined;
  } catch {
    return undefined;
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** A lock file nobody reads as owned: written by a dead process here, or empty for long. */
const UNREADABLE_STALE_MS = 30_000;

async function isStale(path: string, owner: LockOwner | undefined, host: string): Promise<boolean> {
  if (owner) return owner.host === host && !alive(owner.pid);
  // A writer that died between creating the file and writing its pid leaves it empty.
  const stats = await stat(path).catch(() => undefined);
  return stats !== undefined && Date.now() - stats.mtimeMs > UNREADABLE_STALE_MS;
}

/**
 * Removes a stale lock without racing another process doing the same: only the holder of
 * the O_EXCL breaker file may remove it, and only after seeing that it is still stale
 * (another breaker may already have replaced it with a live lock of its own).
 */
export async function breakStaleLock(
  path: string,
  stillStale: () => Promise<boolean>,
): Promise<void> {
  const breaker = `${path}.break`;
  let handle;
  try {
    handle = await open(breaker, 'wx');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    // Someone else is breaking it. A breaker left by a crash expires by age.
    const stats = await stat(breaker).catch(() => undefined);
    if (stats && Date.now() - stats.mtimeMs > 5_000) await rm(breaker, { force: true });
    await sleep(5);
    return;
  }
  try {
    await handle.close();
    if (await stillStale()) await rm(path, { force: true });
  } finally {
    await rm(breaker, { force: true });
  }
}

export async function acquireLock(
  path: string,
  options: { timeoutMs?: number; what?: string } = {},
): Promise<Lock> {
  const timeoutMs =
    options.timeoutMs ??
    millisecondsFrom(process.env, 'REMEMBRANCER_LOCK_TIMEOUT_MS', 10_000, { zero: true });
  const deadline = Date.now() + timeoutMs;
  const me = thisProcess();
  let delay = 10;
  for (;;) {
    try {
      await createExclusive(path, JSON.stringify(me) + '\n');
      let released = false;
      return {
        path,
        release: async () => {
          if (released) return;
          released = true;
          await rm(path, { force: true });
        },
      };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    const owner = await readOwner(path);
    if (await isStale(path, owner, me.host)) {
      // The writer died without releasing; its files were written atomically, so the lock
      // protects nothing any more. Take it over, one breaker at a time.
      await breakStaleLock(path, async () => isStale(path, await readOwner(path), me.host));
      continue;
    }
    if (Date.now() >= deadline) {
      const who = owner
        ? `pid ${owner.pid} on ${owner.host} since ${owner.since}`
        : 'another process';
      throw new RemembrancerError(
        'LOCKED',
        `${options.what ?? 'the repository'} is locked by ${who}`,
        {
          file: path,
          exitCode: 1,
          fix: 'wait for the other command to finish; if no such process runs, delete the lock file',
        },
      );
    }
    await sleep(delay);
    delay = Math.min(delay * 2, 200);
  }
}
