/**
 * resolveCommit against `git rev-parse --verify REV^{commit}`, for the forms it resolves
 * in-process (full ids, plain ref names) and those it leaves to git, including names that
 * are also files of the git directory. test/hostile/revisions.test.ts drives the same
 * resolver through the CLI; here are the cases only the module's contract shows.
 */
import { describe, expect, it } from 'vitest';
import { resolveCommit } from '../../../src/git/revision.js';
import { gitRepos, type GitRepo } from '../../helpers/git-repo.js';

const newRepo = gitRepos();

let made: GitRepo | undefined;
function repo(): GitRepo {
  if (made) return made;
  const r = newRepo();
  r.commit('one', { 'a.txt': 'a\n' });
  r.commit('two', { 'a.txt': 'b\n' });
  r.git(['tag', '-a', 'v1', '-m', 'annotated', 'HEAD~1']);
  r.git(['tag', '-a', 'v1-again', '-m', 'a tag of a tag', 'v1']);
  // Branches named like files and folders of the git directory.
  for (const name of ['config', 'hooks', 'description', 'FETCH_HEAD'])
    r.git(['branch', name, 'HEAD~1']);
  r.git(['tag', 'tree-tag', 'HEAD^{tree}']);
  return (made = r);
}

const resolve = (r: GitRepo, rev: string) => resolveCommit(r.repo, rev, { option: '--base' });

describe('resolveCommit', () => {
  const revs = [
    'HEAD',
    'main',
    'refs/heads/main',
    'v1',
    'v1-again',
    'config',
    'hooks',
    'description',
    'FETCH_HEAD',
    'HEAD~1',
    'main^',
  ];

  it.each(revs)('%s names the commit git rev-parse names', async (rev) => {
    const r = repo();
    expect(await resolve(r, rev)).toBe(r.git(['rev-parse', '--verify', `${rev}^{commit}`]));
  });

  it('takes a full id and a short one', async () => {
    const r = repo();
    const head = r.git(['rev-parse', 'HEAD']);
    expect(await resolve(r, head)).toBe(head);
    expect(await resolve(r, head.slice(0, 7))).toBe(head);
  });

  it('refuses what is no commit, saying what it is instead', async () => {
    const r = repo();
    const tree = r.git(['rev-parse', 'HEAD^{tree}']);
    const blob = r.git(['rev-parse', 'HEAD:a.txt']);
    for (const [rev, what] of [
      [tree, 'tree'],
      [blob, 'blob'],
      ['tree-tag', 'tree'],
    ] as const) {
      await expect(resolve(r, rev)).rejects.toMatchObject({
        code: 'UNKNOWN_REVISION',
        message: expect.stringContaining(`names a ${what}, not a commit`),
      });
    }
  });

  it('refuses a value git would read as an option before git sees it', async () => {
    const r = repo();
    for (const rev of ['-h', '--all', '--output=/tmp/x', '']) {
      await expect(resolve(r, rev)).rejects.toMatchObject({ code: 'USAGE' });
    }
  });
});
