/**
 * Writes are atomic under a lock: two writers at once, a writer killed at a random moment,
 * a lock left by a dead process and a lock held by a live one never cost a memory or leave
 * a half-written file behind.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BIN, Sandbox, memoryFiles } from '../helpers/cli.js';

interface Finding {
  rule: string;
  code: string;
  file: string | null;
  message: string;
}

interface Report {
  ok: boolean;
  violations: Finding[];
}

const sandboxes: Sandbox[] = [];
afterAll(() => {
  for (const s of sandboxes) s.cleanup();
});

let template: Sandbox;
beforeAll(async () => {
  template = new Sandbox();
  sandboxes.push(template);
  await template.initSigned();
});
function fresh(): Sandbox {
  const s = template.fork();
  sandboxes.push(s);
  return s;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function lockFile(s: Sandbox): string {
  return join(s.repo, '.git', 'remembrancer.lock');
}

function indexLock(s: Sandbox): string {
  return join(s.repo, '.git', 'index.lock');
}

interface Started {
  child: ChildProcess;
  /** Resolves with the exit code, or the signal that ended it. */
  exited: Promise<number | NodeJS.Signals>;
  done(): boolean;
}

/** Starts the CLI without waiting for it. */
function start(s: Sandbox, args: string[]): Started {
  const child = spawn(process.execPath, [BIN, ...args], {
    cwd: s.repo,
    env: s.env,
    stdio: 'ignore',
  });
  let done = false;
  const exited = new Promise<number | NodeJS.Signals>((resolve) =>
    child.on('exit', (code, signal) => {
      done = true;
      resolve(code ?? (signal as NodeJS.Signals));
    }),
  );
  return { child, exited, done: () => done };
}

async function covenant(s: Sandbox): Promise<Report> {
  const result = await s.run(['covenant', '--json']);
  return JSON.parse(result.stdout) as Report;
}

async function subjects(s: Sandbox): Promise<string[]> {
  return (await s.git(['log', '--format=%s'])).split('\n').filter(Boolean);
}

/** The pid of a process that has exited: a lock naming it is stale. */
async function deadPid(): Promise<number> {
  const child = spawn(process.execPath, ['-e', ''], { stdio: 'ignore' });
  await new Promise((resolve) => child.on('exit', resolve));
  return child.pid as number;
}

describe('concurrent writers', () => {
  it('two records at once both succeed and both memories are committed', async () => {
    const s = fresh();
    const [a, b] = await Promise.all([
      s.run(['record', 'decision', 'Writer A was here', '--json']),
      s.run(['record', 'decision', 'Writer B was here', '--json']),
    ]);
    expect(a.code, a.stderr).toBe(0);
    expect(b.code, b.stderr).toBe(0);
    const paths = [a, b].map((r) => (JSON.parse(r.stdout) as { path: string }).path);
    expect(await subjects(s)).toEqual(
      expect.arrayContaining([
        'remembrancer: decision Writer A was here',
        'remembrancer: decision Writer B was here',
      ]),
    );
    const tracked = (await s.git(['ls-tree', '-r', '--name-only', 'HEAD'])).split('\n');
    expect(tracked).toEqual(expect.arrayContaining(paths));
    expect(await s.git(['status', '--porcelain'])).toBe('');
    expect(existsSync(lockFile(s))).toBe(false);
    expect(await covenant(s)).toMatchObject({ ok: true, violations: [] });
  });

  it('four writers at once: four commits in a line, nothing lost', async () => {
    const s = fresh();
    const before = (await subjects(s)).length;
    const results = await Promise.all(
      [1, 2, 3, 4].map((n) => s.run(['record', 'decision', `Parallel decision ${n}`])),
    );
    for (const r of results) expect(r.code, r.stderr).toBe(0);
    expect(await subjects(s)).toHaveLength(before + 4);
    expect(await memoryFiles(s)).toHaveLength(4);
    expect(await s.git(['status', '--porcelain'])).toBe('');
    expect(await covenant(s)).toMatchObject({ ok: true });
  });
});

/** Polls (without blocking the event loop) until `ready()` or the writer has exited. */
async function until(ready: () => boolean, run: Started, timeoutMs = 10_000): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (!ready()) {
    if (run.done() || Date.now() > deadline) return ready();
    await sleep(1);
  }
  return true;
}

/** Whether the writer `pid` holds the repository lock. */
function holdsLock(s: Sandbox, pid: number | undefined): boolean {
  try {
    return (JSON.parse(readFileSync(lockFile(s), 'utf8')) as { pid: number }).pid === pid;
  } catch {
    return false;
  }
}

/**
 * git's own lock files that a SIGKILLed writer leaves behind, as a SIGKILLed git does too;
 * the error that names them says to delete them, and this is the user doing so.
 */
function deleteStaleGitLocks(s: Sandbox): void {
  rmSync(indexLock(s), { force: true });
  rmSync(join(s.repo, '.git', 'refs', 'heads', 'main.lock'), { force: true });
}

async function committedMemories(s: Sandbox): Promise<string[]> {
  return (await s.git(['ls-tree', '-r', '--name-only', 'HEAD', '.remembrancer/memories']))
    .split('\n')
    .filter(Boolean);
}

describe('a writer killed at a random moment', () => {
  it('never leaves a half-written memory, and the next record puts things right', async () => {
    const s = fresh();
    for (let i = 0; i < 8; i++) {
      const run = start(s, ['record', 'decision', `Interrupted decision ${i}`]);
      if (i % 2 === 0) {
        await sleep(30 + Math.floor(Math.random() * 220));
      } else {
        // A record spends its first ~250 ms starting up and signing; to land kills among
        // its writes too, every other one is timed from the moment it takes the lock.
        await until(() => holdsLock(s, run.child.pid), run);
        await sleep(Math.floor(Math.random() * 120));
      }
      run.child.kill('SIGKILL');
      await run.exited;

      const report = await covenant(s);
      const codes = report.violations.map((v) => v.code);
      expect(codes).not.toContain('MALFORMED_JSON');
      expect(codes).not.toContain('NOT_CANONICAL_JSON');
      expect(codes).not.toContain('ID_MISMATCH');
      expect(codes).not.toContain('SCHEMA_VIOLATION');
      // At most a temporary file that an interrupted write left beside its target.
      for (const v of report.violations) {
        expect(v, JSON.stringify(report.violations)).toMatchObject({
          rule: 'integrity',
          code: 'UNEXPECTED_FILE',
          message: expect.stringContaining('temporary file'),
        });
      }
      // Whatever was committed is on disk: a kill never costs a memory.
      for (const file of await committedMemories(s)) expect(s.exists(file), file).toBe(true);
      deleteStaleGitLocks(s);
    }

    const clean = await s.run(['record', 'decision', 'After the storm']);
    expect(clean.code, clean.stderr).toBe(0);
    expect(await s.git(['log', '-1', '--format=%s'])).toBe(
      'remembrancer: decision After the storm\n',
    );
    const report = await covenant(s);
    expect(report.violations).toEqual([]);
    expect(report.ok).toBe(true);
  });

  it('a temporary file left by an interrupted write is cleaned up by the next record', async () => {
    const s = fresh();
    // What a writer killed between writing its temporary file and renaming it leaves behind,
    // in two shards (the next memory lands in its own shard, almost surely another one).
    const temps = ['00', 'ff'].map(
      (shard) =>
        `.remembrancer/memories/${shard}/.${shard}${'0'.repeat(62)}.json.tmp-99999-0badf00d`,
    );
    for (const t of temps) s.write(t, '{"signed": {"type": "deci');
    const stale = await covenant(s);
    expect(stale.violations.map((v) => v.file).sort()).toEqual(temps);

    await s.ok(['record', 'decision', 'Tidy up after a crash']);
    for (const t of temps) expect(s.exists(t), `${t} is still there`).toBe(false);
    expect(await covenant(s)).toMatchObject({ ok: true, violations: [] });
  });

  it("a writer killed right after its commit leaves the memory in git's index", async () => {
    const s = fresh();
    const branch = join(s.repo, '.git', 'refs', 'heads', 'main');
    const before = readFileSync(branch, 'utf8');
    const run = start(s, ['record', 'decision', 'Committed, then killed']);
    const moved = () => existsSync(branch) && readFileSync(branch, 'utf8') !== before;
    expect(await until(moved, run), 'the writer never moved the branch').toBe(true);
    run.child.kill('SIGKILL');
    await run.exited;
    deleteStaleGitLocks(s);

    const [file] = await committedMemories(s);
    expect(file).toBeDefined();
    expect(s.exists(file as string)).toBe(true);
    // The index must not stage the committed memory's deletion: the user's next
    // `git commit` would remove it from the branch.
    expect(await s.git(['diff', '--cached', '--name-status', 'HEAD'])).toBe('');
    const staged = await s.run(['covenant', '--staged']);
    expect(staged.code, staged.stdout).toBe(0);
  });

  it('Ctrl-C while git is being updated does not block the next record', async () => {
    const s = fresh();
    const run = start(s, ['record', 'decision', 'Interrupted while committing']);
    // Wait until the writer holds git's index lock, then interrupt it as Ctrl-C would.
    const locked = await until(() => holdsLock(s, run.child.pid) && existsSync(indexLock(s)), run);
    expect(locked, 'the writer never took the index lock').toBe(true);
    run.child.kill('SIGINT');
    await run.exited;

    // git removes its lock files when interrupted; so must we, or every later write fails.
    const next = await s.run(['record', 'decision', 'The next one']);
    expect(next.code, next.stderr).toBe(0);
    expect(existsSync(indexLock(s))).toBe(false);
    expect(await s.git(['log', '-1', '--format=%s'])).toBe('remembrancer: decision The next one\n');
  });
});

describe('the repository lock', () => {
  it('a stale lock left by a dead process does not block', async () => {
    const s = fresh();
    const pid = await deadPid();
    writeFileSync(
      lockFile(s),
      JSON.stringify({ pid, host: hostname(), since: '2026-01-01T00:00:00.000Z' }) + '\n',
    );
    const started = Date.now();
    const result = await s.run(['record', 'decision', 'Past a stale lock'], {
      env: { REMEMBRANCER_LOCK_TIMEOUT_MS: '5000' },
    });
    expect(result.code, result.stderr).toBe(0);
    expect(Date.now() - started).toBeLessThan(5000);
    expect(existsSync(lockFile(s))).toBe(false);
    expect(await s.git(['log', '-1', '--format=%s'])).toBe(
      'remembrancer: decision Past a stale lock\n',
    );
  });

  it('a lock held by a live process makes a record wait, then fail (exit 1) naming the lock', async () => {
    const s = fresh();
    const owner = JSON.stringify({
      pid: process.pid,
      host: hostname(),
      since: new Date().toISOString(),
    });
    writeFileSync(lockFile(s), owner + '\n');
    const before = await s.state();
    const started = Date.now();
    const result = await s.run(['record', 'decision', 'Blocked'], {
      env: { REMEMBRANCER_LOCK_TIMEOUT_MS: '600' },
    });
    expect(Date.now() - started).toBeGreaterThanOrEqual(600);
    expect(result.code).toBe(1);
    const errors = result.stderr.split('\n').filter((l) => l.startsWith('error:'));
    expect(errors).toHaveLength(1);
    expect(errors[0]).toContain(lockFile(s));
    expect(errors[0]).toContain(`is locked by pid ${process.pid}`);
    expect(errors[0]).toMatch(/\(fix: .*delete the lock file\)$/);
    expect(await s.state()).toBe(before);
    expect(readFileSync(lockFile(s), 'utf8')).toBe(owner + '\n');
  });

  it('a record waiting for a lock goes ahead once it is released', async () => {
    const s = fresh();
    writeFileSync(
      lockFile(s),
      JSON.stringify({ pid: process.pid, host: hostname(), since: new Date().toISOString() }),
    );
    const started = Date.now();
    const pending = s.run(['record', 'decision', 'Patience']);
    await sleep(700);
    rmSync(lockFile(s));
    const result = await pending;
    expect(result.code, result.stderr).toBe(0);
    expect(Date.now() - started).toBeGreaterThanOrEqual(700);
    expect(await s.git(['log', '-1', '--format=%s'])).toBe('remembrancer: decision Patience\n');
  });
});

describe('a failure after the commit was made', () => {
  it('does not delete the committed memory from the working tree', async () => {
    const s = fresh();
    const before = (await s.git(['rev-parse', 'HEAD'])).trim();
    // An index git cannot read: the commit is written and the branch moves, then
    // updating the index fails.
    writeFileSync(join(s.repo, '.git', 'index'), 'DIRC not really an index');
    const result = await s.run(['record', 'decision', 'Committed, then trouble']);
    const after = (await s.git(['rev-parse', 'HEAD'])).trim();
    if (after === before) {
      // Nothing was committed: then nothing may be left behind either.
      expect(result.code).not.toBe(0);
      const memories = join(s.repo, '.remembrancer', 'memories');
      const files = existsSync(memories)
        ? readdirSync(memories, { recursive: true, withFileTypes: true }).filter((d) => d.isFile())
        : [];
      expect(files.map((d) => d.name)).toEqual([]);
      return;
    }
    // The branch moved: the memory is committed and must stay on disk, and the message must
    // not claim that nothing changed.
    const committed = (
      await s.git(['ls-tree', '-r', '--name-only', 'HEAD', '.remembrancer/memories'])
    )
      .split('\n')
      .filter(Boolean);
    expect(committed).toHaveLength(1);
    expect(s.exists(committed[0] as string), 'the committed memory was deleted from disk').toBe(
      true,
    );
    expect(result.stderr).not.toContain('nothing was changed');
  });
});
