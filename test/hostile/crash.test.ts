/**
 * Lock files left behind by a crash. A process killed (kill -9, power loss) while git's
 * index.lock or our own lock exists leaves the file behind. `record` then refuses with a
 * one-line error naming the file and the fix and changes nothing; `doctor` names every
 * lock it finds with its age, and for ours the owner's pid and whether it still runs.
 *
 * Still to come (issue 14 item 7): a journal that lets the next command finish or undo an
 * interrupted `record` / `federation sync`, and crash injection through the real CLI.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { Sandbox, sandboxTracker } from '../helpers/cli.js';

const track = sandboxTracker();
let base: Sandbox;

beforeAll(async () => {
  base = track(new Sandbox());
  await base.initSigned();
});

describe('a leftover git index.lock', () => {
  it('record refuses with the file and the fix, doctor names it with its age', async () => {
    const s = track(base.fork());
    const lock = join(s.repo, '.git', 'index.lock');
    writeFileSync(lock, '');
    const before = await s.state();

    const record = await s.run(['record', 'decision', 'Use Postgres 16']);
    expect(record.code).toBe(1);
    expect(record.stderr.trim()).toBe(
      `error: ${lock}: git is busy in this repository (fix: wait for the running git command to finish; if none runs, delete the lock file)`,
    );
    expect(await s.state()).toBe(before);

    const doctor = await s.json<{ checks: { name: string; state: string; detail: string }[] }>([
      'doctor',
    ]);
    const locks = doctor.checks.find((c) => c.name === 'locks');
    expect(locks?.state).toBe('warn');
    expect(locks?.detail).toMatch(
      new RegExp(`^${lock.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: \\d+s old$`),
    );
    expect(await s.state()).toBe(before);
  });
});

describe('our own lock left by a dead process', () => {
  it('doctor names it with the pid and says it is not running', async () => {
    const s = track(base.fork());
    const lock = join(s.repo, '.git', 'remembrancer.lock');
    // A pid far above any default pid_max: no such process runs.
    writeFileSync(
      lock,
      JSON.stringify({
        pid: 99999999,
        host: (await import('node:os')).hostname(),
        since: new Date().toISOString(),
      }),
    );
    const doctor = await s.json<{ checks: { name: string; state: string; detail: string }[] }>([
      'doctor',
    ]);
    const locks = doctor.checks.find((c) => c.name === 'locks');
    expect(locks?.state).toBe('warn');
    expect(locks?.detail).toMatch(/remembrancer\.lock: \d+s old, pid 99999999 \(not running\)$/);
  });
});
