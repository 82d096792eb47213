/**
 * kill -9 at every step of `record` and `federation sync`. The real CLI is killed with
 * SIGKILL at each of its crash points (REMEMBRANCER_CRASH_AT), which the test first asks
 * the same command to list, so a new step is covered without editing this file. After each
 * kill, the next command must leave the repository in the old state or the new one, say so
 * when it finished or undid the interrupted write, and leave no lock behind: plain
 * `git commit` works and the covenant holds.
 *
 * A leftover lock that is git's own (not one of our processes) is never removed.
 */
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { Sandbox, sandboxTracker, type RunResult } from '../helpers/cli.js';
import { noCrash } from '../helpers/hostile.js';
import {
  covenantHolds,
  decide,
  forkNode,
  makeNode,
  peer,
  type Node,
  type SyncJson,
} from '../helpers/nodes.js';

const track = sandboxTracker();
let base: Sandbox;

beforeAll(async () => {
  base = track(new Sandbox());
  await base.initSigned();
});

const crashAt = (point: string) => ({ env: { REMEMBRANCER_CRASH_AT: point } });

/** The crash points a command passes, in order, from a run that lists them. */
function pointsOf(r: RunResult): string[] {
  const points = [...r.stderr.matchAll(/^crash point: (.+)$/gm)].map((m) => m[1] as string);
  return [...new Set(points)];
}

/** What a dead process may leave in the git directory that would block git or us. */
function leftovers(s: Sandbox): string[] {
  const gitdir = join(s.repo, '.git');
  const found = readdirSync(gitdir).filter(
    (n) => n.endsWith('.lock') || n === 'remembrancer.journal' || n.endsWith('.new'),
  );
  const refs = readdirSync(join(gitdir, 'refs'), { recursive: true, encoding: 'utf8' });
  for (const n of refs) if (n.endsWith('.lock')) found.push(`refs/${n}`);
  return found.sort();
}

async function commitsOn(s: Sandbox): Promise<number> {
  return Number((await s.git(['rev-list', '--count', 'HEAD'])).trim());
}

/** After recovery: nothing pending, git itself can commit, our covenant holds. */
async function whole(s: Sandbox, point: string): Promise<void> {
  expect(leftovers(s), point).toEqual([]);
  expect(await s.git(['status', '--porcelain=v1', '--untracked-files=all'])).toBe('');
  await s.git(['commit', '-q', '--allow-empty', '-m', 'git still commits']);
  const covenant = await s.run(['covenant']);
  expect(covenant.code, covenant.stdout + covenant.stderr).toBe(0);
}

describe('kill -9 during record', () => {
  const text = 'Use Postgres 16';
  let points: string[];

  beforeAll(async () => {
    const s = track(base.fork());
    const listed = await s.run(['record', 'decision', text], crashAt('list'));
    expect(listed.code, listed.stderr).toBe(0);
    points = pointsOf(listed);
  });

  it('lists its steps, from taking the lock to the commit', () => {
    expect(points).toEqual([
      'locked',
      'journal',
      'renamed',
      'index-locked',
      'index-written',
      'ref-locked:refs/heads/main',
      'ref-moved:refs/heads/main',
      'committed',
    ]);
  });

  it('at every step, the next command finishes or undoes it and says so', async () => {
    expect(points.length).toBeGreaterThan(5);
    for (const point of points) {
      const s = track(base.fork());
      const before = await s.state();
      const commits = await commitsOn(s);

      const killed = await s.run(['record', 'decision', text], crashAt(point));
      expect(killed.code, `${point}: ${killed.stderr}`).toBe(-1); // SIGKILL, no exit code

      const next = await s.run(['list', '--json']);
      noCrash(next, point);
      expect(next.code, `${point}: ${next.stderr}`).toBe(0);
      const listed = JSON.parse(next.stdout) as unknown[];

      if (point === 'locked' || point === 'journal') {
        // Nothing had been renamed in: the old state, and the journal (if any) said so.
        expect(await s.state(), point).toBe(before);
        expect(listed, point).toEqual([]);
        if (point === 'journal') {
          expect(next.stderr, point).toMatch(
            /^remembrancer: undid the interrupted "decision Use Postgres 16" \(pid \d+, started [^)]+\): put back 0 files; nothing had been committed$/m,
          );
        } else {
          expect(next.stderr.trim(), point).toMatch(
            /^remembrancer: removed .+remembrancer\.lock, left by remembrancer \(pid \d+\) which was killed holding it$/,
          );
        }
      } else {
        // Every file was in place: the new state, one commit with the memory.
        expect(await commitsOn(s), point).toBe(commits + 1);
        expect(listed.length, point).toBe(1);
        expect(await s.git(['log', '-1', '--format=%s']), point).toMatch(/Use Postgres 16/);
        expect(next.stderr, point).toMatch(
          /^remembrancer: finished the interrupted "decision Use Postgres 16" \(pid \d+, started [^)]+\): (committed [0-9a-f]{7} with 1 file|its commit [0-9a-f]{7} was made; git's index now matches it)$/m,
        );
      }
      if (point.startsWith('index-') || point.startsWith('ref-')) {
        expect(next.stderr, point).toMatch(
          /^remembrancer: removed .+\.lock, left by remembrancer \(pid \d+\) which was killed holding it$/m,
        );
      }
      await whole(s, point);
    }
  });

  it('doctor names the journal and the lock of the dead process, and changes nothing', async () => {
    const s = track(base.fork());
    const killed = await s.run(['record', 'decision', text], crashAt('index-written'));
    expect(killed.code).toBe(-1);
    const before = await s.state();
    const doctor = await s.json<{
      checks: { name: string; state: string; detail: string; fix?: string }[];
    }>(['doctor']);
    const locks = doctor.checks.find((c) => c.name === 'locks');
    expect(locks?.state).toBe('warn');
    expect(locks?.detail).toMatch(
      /remembrancer\.lock: \d+s old, pid \d+ \(not running\); .+index\.lock: \d+s old, pid \d+ \(not running\); .+remembrancer\.journal: \d+s old, pid \d+ \(not running\), an interrupted write "decision Use Postgres 16" to finish$/,
    );
    expect(locks?.fix).toMatch(/run any remembrancer command/);
    expect(await s.state()).toBe(before);
    expect(leftovers(s)).toEqual(['index.lock', 'remembrancer.journal', 'remembrancer.lock']);
  });
});

describe('kill -9 during federation sync', () => {
  let alpha: Node;
  let beta: Node;
  let theirs: string[];
  let points: string[];

  beforeAll(async () => {
    [alpha, beta] = await Promise.all([makeNode('alpha'), makeNode('beta')]);
    theirs = [];
    for (const text of ['Beta uses Kafka', 'Beta retires the VM fleet', 'Beta keeps EU data in EU'])
      theirs.push(await decide(beta, text));
    await peer(alpha, beta);
    const a = forkNode(alpha);
    const listed = await a.s.run(['federation', 'sync', 'beta'], crashAt('list'));
    expect(listed.code, listed.stderr).toBe(0);
    points = pointsOf(listed);
  });

  /** The federation receipts HEAD holds, with how many memories each says it took. */
  async function receipts(n: Node): Promise<number[]> {
    const files = (
      await n.s.git(['ls-tree', '-r', '--name-only', 'HEAD', '.remembrancer/memories'])
    )
      .split('\n')
      .filter(Boolean);
    const counts: number[] = [];
    for (const f of files) {
      const env = JSON.parse(readFileSync(join(n.s.repo, f), 'utf8')) as {
        signed: { type: string; body: { acceptedCount?: number } };
      };
      if (env.signed.type === 'federation') counts.push(env.signed.body.acceptedCount ?? -1);
    }
    return counts;
  }

  it('lists its steps: the fetch, then the write of what it took', () => {
    expect(points).toEqual([
      'ref-locked:refs/remembrancer/peers/beta/heads/main',
      'ref-moved:refs/remembrancer/peers/beta/heads/main',
      'locked',
      'journal',
      'renamed-some',
      'renamed',
      'index-locked',
      'index-written',
      'ref-locked:refs/heads/main',
      'ref-moved:refs/heads/main',
      'committed',
    ]);
  });

  it('at every step, the next sync takes every memory once, commits it and counts it in one receipt', async () => {
    expect(points.length).toBeGreaterThan(5);
    for (const point of points) {
      const a = forkNode(alpha);
      const killed = await a.s.run(['federation', 'sync', 'beta'], crashAt(point));
      expect(killed.code, `${point}: ${killed.stderr}`).toBe(-1);

      const next = await a.s.run(['federation', 'sync', 'beta', '--json']);
      noCrash(next, point);
      expect(next.code, `${point}: ${next.stderr}`).toBe(0);
      const out = (JSON.parse(next.stdout) as SyncJson).peers[0];
      if (!out || 'error' in out) throw new Error(`${point}: ${next.stdout}`);

      const finished = [
        'renamed',
        'index-locked',
        'index-written',
        'ref-locked:refs/heads/main',
        'ref-moved:refs/heads/main',
        'committed',
      ];
      if (finished.includes(point)) {
        expect(next.stderr, point).toMatch(
          /^remembrancer: finished the interrupted "sync from beta \(3 accepted, 0 rejected\)"/m,
        );
        expect(out.status, point).toBe('up-to-date');
      } else {
        if (point === 'journal' || point === 'renamed-some') {
          expect(next.stderr, point).toMatch(
            /^remembrancer: undid the interrupted "sync from beta \(3 accepted, 0 rejected\)" \(pid \d+, started [^)]+\): put back \d+ files?; nothing had been committed$/m,
          );
        }
        expect(out.status, point).toBe('merged');
        expect([...out.accepted].sort(), point).toEqual([...theirs].sort());
      }
      if (point.startsWith('ref-')) {
        expect(next.stderr, point).toMatch(
          /^remembrancer: removed .+\.lock, left by remembrancer \(pid \d+\) which was killed holding it$/m,
        );
      }
      const committed = await a.s.git([
        'ls-tree',
        '-r',
        '--name-only',
        'HEAD',
        '.remembrancer/memories',
      ]);
      for (const id of theirs) expect(committed, `${point}: ${id}`).toContain(id.slice(-20));
      expect(await receipts(a), point).toEqual([3]);
      await whole(a.s, point);
      await covenantHolds(a);
    }
  });
});

describe('a journal planted in the git directory', () => {
  it('cannot make recovery touch a file outside the working tree or in .git', async () => {
    const s = track(base.fork());
    const outside = join(s.dir, 'outside.txt');
    writeFileSync(outside, 'keep me\n');
    const before = await s.state();
    const config = readFileSync(join(s.repo, '.git', 'config'), 'utf8');
    writeFileSync(
      join(s.repo, '.git', 'remembrancer.journal'),
      JSON.stringify({
        op: 'begin',
        version: 1,
        command: 'planted',
        pid: 99999999,
        host: hostname(),
        started: new Date().toISOString(),
        mode: 'stage',
        files: [
          ['../outside.txt', null, 'e69de29bb2d1d6434b8b29ae775ad8c2e48c5391'],
          ['.git/config', null, 'e69de29bb2d1d6434b8b29ae775ad8c2e48c5391'],
          [join(s.dir, 'outside.txt'), null, 'e69de29bb2d1d6434b8b29ae775ad8c2e48c5391'],
        ],
      }) + '\n',
    );
    const next = await s.run(['list', '--json']);
    expect(next.code, next.stderr).toBe(0);
    expect(next.stderr).toMatch(
      /^remembrancer: undid the interrupted "planted" .+: put back 0 files; nothing had been committed$/m,
    );
    expect(readFileSync(outside, 'utf8')).toBe('keep me\n');
    expect(readFileSync(join(s.repo, '.git', 'config'), 'utf8')).toBe(config);
    expect(await s.state()).toBe(before);
    expect(leftovers(s)).toEqual([]);
  });
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
    // Git's own lock (no pid of ours in it) stays: only its owner may remove it.
    expect(leftovers(s)).toEqual(['index.lock']);
  });
});

describe('our own lock left by a dead process', () => {
  it('doctor names it with the pid and says it is not running', async () => {
    const s = track(base.fork());
    const lock = join(s.repo, '.git', 'remembrancer.lock');
    // A pid far above any default pid_max: no such process runs.
    writeFileSync(
      lock,
      JSON.stringify({ pid: 99999999, host: hostname(), since: new Date().toISOString() }),
    );
    const doctor = await s.json<{ checks: { name: string; state: string; detail: string }[] }>([
      'doctor',
    ]);
    const locks = doctor.checks.find((c) => c.name === 'locks');
    expect(locks?.state).toBe('warn');
    expect(locks?.detail).toMatch(/remembrancer\.lock: \d+s old, pid 99999999 \(not running\)$/);
  });
});
