/**
 * The repository lock: two writers never interleave, a dead writer's lock is recovered,
 * a live writer's lock is never stolen.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { RemembrancerError } from '../../src/ground/errors.js';
import { acquireLock, type Lock } from '../../src/ground/lock.js';

let dir: string;
let lockPath: string;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'rem-lock-'));
  lockPath = join(dir, 'remembrancer.lock');
});

afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** A pid that existed a moment ago and has exited: what a crashed writer leaves behind. */
function deadPid(): number {
  const child = spawnSync(process.execPath, ['-e', '']);
  expect(child.status).toBe(0);
  expect(() => process.kill(child.pid as number, 0)).toThrow();
  return child.pid as number;
}

function writeOwner(pid: number, host = hostname()): void {
  writeFileSync(lockPath, JSON.stringify({ pid, host, since: '2026-01-01T00:00:00.000Z' }) + '\n');
}

async function lockedError(promise: Promise<Lock>): Promise<RemembrancerError> {
  try {
    await promise;
  } catch (err) {
    expect(err).toBeInstanceOf(RemembrancerError);
    return err as RemembrancerError;
  }
  throw new Error('the lock was acquired, but it should not have been');
}

describe('acquireLock', () => {
  it('creates the lock file naming this process, and release removes it', async () => {
    const lock = await acquireLock(lockPath);
    expect(lock.path).toBe(lockPath);
    const owner = JSON.parse(readFileSync(lockPath, 'utf8')) as { pid: number; host: string };
    expect(owner.pid).toBe(process.pid);
    expect(owner.host).toBe(hostname());
    await lock.release();
    expect(existsSync(lockPath)).toBe(false);
    await lock.release(); // a second release is harmless
    expect(existsSync(lockPath)).toBe(false);
  });

  it('makes a second acquirer wait until the first releases', async () => {
    const first = await acquireLock(lockPath);
    let secondHolds = false;
    const second = acquireLock(lockPath, { timeoutMs: 5_000 }).then((lock) => {
      secondHolds = true;
      return lock;
    });
    await sleep(150);
    expect(secondHolds).toBe(false);
    expect(existsSync(lockPath)).toBe(true);

    await first.release();
    const lock = await second;
    expect(secondHolds).toBe(true);
    expect(existsSync(lockPath)).toBe(true);
    await lock.release();
    expect(existsSync(lockPath)).toBe(false);
  });

  it('lets only one of many concurrent acquirers hold it at a time', async () => {
    let holders = 0;
    let most = 0;
    let served = 0;
    await Promise.all(
      Array.from({ length: 6 }, async () => {
        const lock = await acquireLock(lockPath, { timeoutMs: 10_000 });
        holders++;
        most = Math.max(most, holders);
        await sleep(5);
        holders--;
        served++;
        await lock.release();
      }),
    );
    expect(served).toBe(6);
    expect(most).toBe(1);
  });

  it('times out with LOCKED, naming the lock file, while a live process holds it', async () => {
    const held = await acquireLock(lockPath);
    const started = Date.now();
    const err = await lockedError(acquireLock(lockPath, { timeoutMs: 100, what: 'the store' }));
    expect(Date.now() - started).toBeGreaterThanOrEqual(90);
    expect(err.code).toBe('LOCKED');
    expect(err.file).toBe(lockPath);
    expect(err.exitCode).toBe(1);
    expect(err.message).toContain('the store');
    expect(err.message).toContain(`pid ${process.pid}`);
    expect(err.fix).toMatch(/lock file/);
    // The holder's lock is untouched.
    expect(JSON.parse(readFileSync(lockPath, 'utf8'))).toMatchObject({ pid: process.pid });
    await held.release();
  });

  it('does not take over a lock held by another live process', async () => {
    // pid 1 always runs; kill(1, 0) either succeeds or fails with EPERM: alive either way.
    writeOwner(1);
    const err = await lockedError(acquireLock(lockPath, { timeoutMs: 100 }));
    expect(err.code).toBe('LOCKED');
    expect(err.message).toContain('pid 1');
    expect(JSON.parse(readFileSync(lockPath, 'utf8'))).toMatchObject({ pid: 1 });
  });

  it('takes over a lock left by a process that died on this host', async () => {
    const pid = deadPid();
    writeOwner(pid);
    const lock = await acquireLock(lockPath, { timeoutMs: 1_000 });
    expect(JSON.parse(readFileSync(lockPath, 'utf8'))).toMatchObject({
      pid: process.pid,
      host: hostname(),
    });
    await lock.release();
    expect(existsSync(lockPath)).toBe(false);
  });

  it('does not take over a lock from another host, where it cannot tell if the pid lives', async () => {
    writeOwner(deadPid(), `not-${hostname()}`);
    const err = await lockedError(acquireLock(lockPath, { timeoutMs: 100 }));
    expect(err.code).toBe('LOCKED');
    expect(err.message).toContain(`not-${hostname()}`);
  });

  it('lets only one of several acquirers take over a dead process lock', async () => {
    // Each round: a crashed writer's lock, and 8 commands racing to recover it. Every one
    // that returns a lock believes it may write; more than one at once breaks the lock.
    const pid = deadPid();
    let mostHolders = 0;
    for (let round = 0; round < 200 && mostHolders <= 1; round++) {
      writeOwner(pid);
      const results = await Promise.allSettled(
        Array.from({ length: 8 }, () => acquireLock(lockPath, { timeoutMs: 0 })),
      );
      const held = results.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []));
      for (const r of results) {
        if (r.status === 'rejected') expect((r.reason as RemembrancerError).code).toBe('LOCKED');
      }
      mostHolders = Math.max(mostHolders, held.length);
      for (const lock of held) await lock.release();
      rmSync(lockPath, { force: true });
    }
    expect(mostHolders).toBeLessThanOrEqual(1);
  });
});
