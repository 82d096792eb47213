/**
 * HistoryReader.commitsBetween, the walk that picks which commits of a range are looked at
 * for private keys, against git's own definition (`git rev-list HEAD --not BASE`) on
 * histories with branches and merges made with git's plumbing.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, realpathSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { findRepository } from '../../src/ground/repository.js';
import { HistoryReader } from '../../src/git/history.js';

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

/**
 * A repository whose commits follow `parents` (commit i's parents are indexes below i),
 * committed `skew[i]` seconds off a steady clock. Returns the commit ids.
 */
function history(parents: number[][], skew: number[]): { dir: string; ids: string[] } {
  const dir = realpathSync(mkdtempSync(join(tmpdir(), 'rem-history-')));
  dirs.push(dir);
  const git = (args: string[], env: NodeJS.ProcessEnv = {}) =>
    execFileSync('git', args, { cwd: dir, env: { ...process.env, ...env } })
      .toString()
      .trim();
  git(['init', '-q', '-b', 'main']);
  const tree = git(['mktree'], {});
  const ids: string[] = [];
  parents.forEach((ps, i) => {
    const when = `${1_700_000_000 + i * 60 + (skew[i] ?? 0)} +0000`;
    ids.push(
      git(['commit-tree', tree, ...ps.flatMap((p) => ['-p', ids[p] as string]), '-m', `c${i}`], {
        GIT_AUTHOR_NAME: 'T',
        GIT_AUTHOR_EMAIL: 't@example.com',
        GIT_COMMITTER_NAME: 'T',
        GIT_COMMITTER_EMAIL: 't@example.com',
        GIT_AUTHOR_DATE: when,
        GIT_COMMITTER_DATE: when,
      }),
    );
  });
  return { dir, ids };
}

/** Random histories: each commit has one or two earlier parents (the first has none). */
const histories = fc
  .integer({ min: 2, max: 40 })
  .chain((n) =>
    fc.tuple(
      fc.tuple(
        ...Array.from({ length: n }, (_, i) =>
          i === 0
            ? fc.constant([] as number[])
            : fc
                .uniqueArray(fc.integer({ min: 0, max: i - 1 }), { minLength: 1, maxLength: 2 })
                .map((ps) => ps),
        ),
      ),
      fc.integer({ min: 0, max: n - 1 }),
      fc.integer({ min: 0, max: n - 1 }),
    ),
  );

const revList = (dir: string, head: string, base?: string) =>
  execFileSync('git', ['rev-list', head, ...(base ? ['--not', base] : [])], { cwd: dir })
    .toString()
    .split('\n')
    .filter(Boolean)
    .sort();

describe('commitsBetween', () => {
  it('lists what git rev-list HEAD --not BASE lists, on a steady clock', async () => {
    await fc.assert(
      fc.asyncProperty(histories, async ([parents, h, b]) => {
        const { dir, ids } = history(parents, []);
        const reader = new HistoryReader(findRepository(dir));
        const head = ids[h] as string;
        const base = ids[b] as string;
        expect([...(await reader.commitsBetween(head, base))].sort()).toEqual(
          revList(dir, head, base),
        );
        expect([...(await reader.commitsBetween(head))].sort()).toEqual(revList(dir, head));
      }),
      { seed: 2024, numRuns: 15 },
    );
  });

  it('never leaves out a commit git lists, when clocks are skewed', async () => {
    await fc.assert(
      fc.asyncProperty(
        histories,
        fc.array(fc.integer({ min: -3600, max: 3600 }), { minLength: 30, maxLength: 30 }),
        async ([parents, h, b], skew) => {
          const { dir, ids } = history(parents, skew);
          const reader = new HistoryReader(findRepository(dir));
          const head = ids[h] as string;
          const base = ids[b] as string;
          const ours = new Set(await reader.commitsBetween(head, base));
          for (const c of revList(dir, head, base)) expect(ours.has(c)).toBe(true);
          // and nothing that is not reachable from head
          const reachable = new Set(revList(dir, head));
          for (const c of ours) expect(reachable.has(c)).toBe(true);
        },
      ),
      { seed: 7, numRuns: 12 },
    );
  });
});
