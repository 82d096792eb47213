/**
 * Concurrent writers on one repository: real processes started together, never timed, the
 * test waiting only for them to end (or, where one must act while another is inside its
 * work, for what that one has visibly done). Two `record`s, eight, `record` during a
 * `federation sync`, `adr create` during `record`, the user's own `git commit` during ours.
 *
 * Whatever the interleaving: each command succeeds or fails with the one-line LOCKED error
 * naming the lock and the fix (never anything else); every memory a command reported is
 * committed exactly once and is in HEAD; `git fsck` finds nothing; `git status` is clean;
 * the covenant holds; the branch's reflog and HEAD's each have one entry per commit, as
 * git's own commits leave them; a sync's receipt recomputes (`federation verify-merge`).
 */
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { Sandbox, sandboxTracker, type RunResult } from '../helpers/cli.js';
import { noCrash } from '../helpers/hostile.js';
import { covenantHolds, decide, forkNode, makeNode, peer, type Node } from '../helpers/nodes.js';

const track = sandboxTracker();

let alpha: Node;
let beta: Node;
/** beta's memories, for a sync with something to take. */
let betaIds: string[] = [];

/** The one line a writer that lost the race may end with: ours, or git's index lock. */
function lockedLine(node: Node): RegExp {
  const gitdir = join(node.s.repo, '.git').replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  return new RegExp(
    `^error: (${gitdir}/remembrancer\\.lock: ${node.s.repo.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} memory is locked by pid \\d+ on \\S+ since \\S+ \\(fix: wait for the other command to finish; if no such process runs, delete the lock file\\)` +
      `|${gitdir}/index\\.lock: git is busy in this repository \\(fix: wait for the running git command to finish; if none runs, delete the lock file\\))\n$`,
  );
}

/** A command's end: exit 0 with its JSON, or the LOCKED line; returns the JSON or undefined. */
function settled<T>(node: Node, r: RunResult, what: string): T | undefined {
  noCrash(r, what);
  if (r.code === 0) return JSON.parse(r.stdout) as T;
  expect({ code: r.code, stdout: r.stdout }, `${what}: ${r.stderr}`).toEqual({
    code: 1,
    stdout: '',
  });
  expect(r.stderr, what).toMatch(lockedLine(node));
  return undefined;
}

async function lines(node: Node, args: string[]): Promise<string[]> {
  return (await node.s.git(args)).split('\n').filter(Boolean);
}

/**
 * Everything a concurrent writer could have broken: each memory in `ids` was added by
 * exactly one commit and is in HEAD, the store is sound, nothing is left uncommitted, the
 * covenant holds, and each commit has its one reflog entry on the branch and on HEAD.
 */
async function whole(node: Node, ids: string[]): Promise<void> {
  for (const id of ids) {
    const path = `.remembrancer/memories/${id.slice(0, 2)}/${id}.json`;
    expect(
      await lines(node, ['log', '--format=%H', '--diff-filter=A', '--', path]),
      id,
    ).toHaveLength(1);
    expect(await lines(node, ['ls-tree', '--name-only', 'HEAD', path]), id).toEqual([path]);
  }
  await node.s.git(['fsck', '--strict', '--no-dangling']);
  expect(await node.s.git(['status', '--porcelain', '--untracked-files=all'])).toBe('');
  await covenantHolds(node);
  const commits = await lines(node, ['rev-list', 'HEAD']);
  for (const log of ['refs/heads/main', 'HEAD']) {
    expect(await lines(node, ['reflog', 'show', '--format=%H', log]), log).toEqual(commits);
  }
}

function record(node: Node, text: string): Promise<RunResult> {
  return node.s.run(['record', 'decision', text, '--json']);
}

beforeAll(async () => {
  [alpha, beta] = await Promise.all([makeNode('alpha'), makeNode('beta')]);
  // Enough for the sync to spend a while judging signatures before it writes.
  for (let i = 0; i < 15; i++) betaIds.push(await decide(beta, `Beta decision number ${i}`));
  betaIds = betaIds.sort();
});

describe('concurrent writers: each succeeds or says LOCKED, and nothing is lost or doubled', () => {
  it('two records at once', async () => {
    const a = forkNode(alpha);
    const runs = await Promise.all([record(a, 'First of two'), record(a, 'Second of two')]);
    const ids = runs
      .map((r, i) => settled<{ id: string }>(a, r, `record ${i}`)?.id)
      .filter((id): id is string => id !== undefined);
    expect(ids.length).toBeGreaterThan(0);
    await whole(a, ids);
  });

  it('eight records at once', async () => {
    const a = forkNode(alpha);
    const runs = await Promise.all(
      Array.from({ length: 8 }, (_, i) => record(a, `One of eight, number ${i}`)),
    );
    const ids = runs
      .map((r, i) => settled<{ id: string }>(a, r, `record ${i}`)?.id)
      .filter((id): id is string => id !== undefined);
    expect(ids.length).toBeGreaterThan(0);
    expect(new Set(ids).size).toBe(ids.length);
    await whole(a, ids);
  });

  it('adr create while record runs', async () => {
    const a = forkNode(alpha);
    const [adr, rec] = await Promise.all([
      a.s.run([
        'adr',
        'create',
        'Use one lock for every writer',
        '--decision',
        'Every write takes the repository lock',
        '--json',
      ]),
      record(a, 'Recorded while an ADR is written'),
    ]);
    const ids = [
      settled<{ id: string; handle: string }>(a, adr, 'adr create'),
      settled<{ id: string }>(a, rec, 'record'),
    ];
    const written = ids.filter((x) => x !== undefined).map((x) => x.id);
    expect(written.length).toBeGreaterThan(0);
    await whole(a, written);
  });

  it('record while federation sync runs', async () => {
    const a = forkNode(alpha);
    await peer(a, beta);
    const [sync, rec] = await Promise.all([
      a.s.run(['federation', 'sync', 'beta', '--json']),
      record(a, 'Recorded during a sync'),
    ]);
    const out = settled<{ peers: { accepted: string[]; receipt?: string }[] }>(a, sync, 'sync');
    const mine = settled<{ id: string }>(a, rec, 'record');
    const ids = [...(out?.peers[0]?.accepted ?? []), ...(mine ? [mine.id] : [])];
    if (out) expect(out.peers[0]?.accepted).toEqual(betaIds);
    await whole(a, ids);
    const receipt = out?.peers[0]?.receipt;
    if (receipt) {
      const verdict = await a.s.run(['federation', 'verify-merge', receipt]);
      expect(verdict.code, verdict.stdout + verdict.stderr).toBe(0);
    }
  });

  it('a memory committed while the sync waits to write: its receipt still recomputes', async () => {
    // Someone else holds the repository lock (as a running command would) while the sync
    // judges; meanwhile the user fast-forwards to a teammate's new memory with plain git.
    const a = forkNode(alpha);
    await peer(a, beta);
    const mate = track(new Sandbox());
    await a.s.git(['clone', '-q', a.s.repo, mate.repo], a.s.dir);
    const teammate: Node = { ...a, s: mate };
    mate.env = { ...a.s.env };
    const theirs = await decide(teammate, 'A teammate decided this');
    const lock = join(a.s.repo, '.git', 'remembrancer.lock');
    writeFileSync(
      lock,
      JSON.stringify({ pid: process.pid, host: hostname(), since: new Date().toISOString() }) +
        '\n',
    );
    const tracking = join(
      a.s.repo,
      '.git',
      'refs',
      'remembrancer',
      'peers',
      'beta',
      'heads',
      'main',
    );
    const syncing = a.s.run(['federation', 'sync', 'beta', '--json']);
    // The tracking ref moves once the fetch is done: the sync has read our HEAD and judges.
    await waitFor(() => readable(tracking));
    await a.s.git(['pull', '-q', '--ff-only', mate.repo, 'main']);
    rmSync(lock);
    const sync = await syncing;
    const out = settled<{ peers: { accepted: string[]; receipt?: string }[] }>(a, sync, 'sync');
    expect(out?.peers[0]?.accepted).toEqual(betaIds);
    await whole(a, [...betaIds, theirs]);
    const verdict = await a.s.run(['federation', 'verify-merge', out?.peers[0]?.receipt as string]);
    expect(verdict.code, verdict.stdout + verdict.stderr).toBe(0);
  });

  // src/git/commit.ts once appended our commits to the branch's reflog only, never to HEAD's
  // (.git/logs/HEAD), which git's own commits also write: `git reflog` listed none of ours.
  it("HEAD's reflog, which `git reflog` shows, has one entry per commit", async () => {
    const a = forkNode(alpha);
    const runs = await Promise.all([record(a, 'First for the reflog'), record(a, 'Second for it')]);
    runs.forEach((r, i) => settled(a, r, `record ${i}`));
    await a.s.git(['commit', '-q', '--allow-empty', '-m', 'the user commits']);
    const commits = await lines(a, ['rev-list', 'HEAD']);
    expect(await lines(a, ['reflog', 'show', '--format=%H', 'HEAD'])).toEqual(commits);
  });

  it("the user's own git commit while ours commits", async () => {
    const a = forkNode(alpha);
    mkdirSync(join(a.s.repo, 'src'), { recursive: true });
    a.s.write('src/app.txt', 'the user works here\n');
    await a.s.git(['add', 'src/app.txt']);
    const [rec, user] = await Promise.all([
      record(a, 'Recorded while the user commits'),
      a.s.git(['commit', '-q', '-m', 'the user commits']).then(
        () => ({ code: 0, stderr: '' }),
        (err: { code?: number; stderr?: string }) => ({
          code: err.code ?? -1,
          stderr: err.stderr ?? '',
        }),
      ),
    ]);
    const mine = settled<{ id: string }>(a, rec, 'record');
    if (user.code !== 0) {
      // git refused because our index.lock was there: its own one line, and a retry works.
      expect(user.stderr).toMatch(/Unable to create '.*\/\.git\/index\.lock': File exists/);
      await a.s.git(['commit', '-q', '-m', 'the user commits']);
    }
    // The user's file is in the user's commit, never in ours.
    const subjects = await lines(a, ['log', '--format=%s', '--', 'src/app.txt']);
    expect(subjects).toEqual(['the user commits']);
    await whole(a, mine ? [mine.id] : []);
  });
});

function readable(path: string): boolean {
  try {
    readFileSync(path);
    return true;
  } catch {
    return false;
  }
}

/** Waits until `ready()`: it looks again every few milliseconds, for as long as it takes. */
async function waitFor(ready: () => boolean): Promise<void> {
  while (!ready()) await new Promise((resolve) => setTimeout(resolve, 5));
}
