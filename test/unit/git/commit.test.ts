/**
 * commitFiles, stageFiles and git's lock files, checked with git itself: a commit holds
 * exactly the files given, as `git commit --only` would (what the user staged stays staged
 * and out of it), the index then shows them clean, `git reflog` shows the commit, and a
 * lock file held by a running git stops us, where one our killed process left is cleared.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, rmSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  clearDeadGitLock,
  commitFiles,
  stageFiles,
  takeGitLock,
  writeRefLocked,
  type FileChange,
} from '../../../src/git/commit.js';
import { RemembrancerError } from '../../../src/ground/errors.js';
import { gitRepos, type GitRepo } from '../../helpers/git-repo.js';

const newRepo = gitRepos();
const who = {
  author: { name: 'Ada Author', email: 'ada@example.com' },
  committer: { name: 'Cy Committer', email: 'cy@example.com' },
};

/** Writes (or removes) the files in the working tree, as a command does before it commits. */
function changes(r: GitRepo, files: Record<string, string | null>): FileChange[] {
  return Object.entries(files).map(([path, text]) => {
    if (text !== null) r.write(path, text);
    else rmSync(join(r.root, path));
    return { path, content: text === null ? null : Buffer.from(text) };
  });
}

function deadPid(): number {
  const child = spawnSync(process.execPath, ['-e', '']);
  return child.pid as number;
}

const lines = (text: string) => text.split('\n').filter(Boolean);

describe('commitFiles', () => {
  it('commits exactly its files; what the user staged stays staged and out of the commit', async () => {
    const r = newRepo();
    r.commit('start', { 'README.md': 'hello\n', '.remembrancer/old.json': '{}\n' });
    r.write('user.txt', 'the user is working on this\n');
    r.git(['add', 'user.txt']);
    const files = changes(r, {
      '.remembrancer/memories/ab/one.json': '{"one":1}\n',
      '.remembrancer/old.json': null,
    });
    const commit = await commitFiles(r.repo, files, 'remembrancer: record one', who);
    expect(r.git(['rev-parse', 'HEAD'])).toBe(commit);
    expect(lines(r.git(['show', '--name-status', '--format=', commit])).sort()).toEqual([
      'A\t.remembrancer/memories/ab/one.json',
      'D\t.remembrancer/old.json',
    ]);
    expect(lines(r.git(['diff', '--cached', '--name-only']))).toEqual(['user.txt']);
    // The files committed are clean in the index: git status names only the user's work.
    expect(lines(r.git(['status', '--porcelain=v1', '--untracked-files=no']))).toEqual([
      'A  user.txt',
    ]);
    expect(r.git(['log', '-1', '--format=%an <%ae>|%cn <%ce>|%s'])).toBe(
      'Ada Author <ada@example.com>|Cy Committer <cy@example.com>|remembrancer: record one',
    );
    expect(r.git(['reflog', '-1', '--format=%gs'])).toBe('commit: remembrancer: record one');
    r.git(['fsck', '--strict', '--no-dangling', '--no-progress']);
  });

  it('makes the first commit of a repository with no commits yet', async () => {
    const r = newRepo();
    const commit = await commitFiles(r.repo, changes(r, { 'a/b/c.txt': 'c\n' }), 'first', who);
    expect(r.git(['rev-list', '--count', 'HEAD'])).toBe('1');
    expect(r.git(['ls-tree', '-r', '--name-only', commit])).toBe('a/b/c.txt');
    expect(r.git(['reflog', '-1', '--format=%gs'])).toBe('commit (initial): first');
    expect(r.git(['status', '--porcelain'])).toBe('');
  });

  it('calls beforeRef with the new commit while the branch still points at the old one', async () => {
    const r = newRepo();
    const before = r.commit('start', { 'a.txt': 'a\n' });
    let seen: { commit: string; head: string } | undefined;
    const commit = await commitFiles(r.repo, changes(r, { 'b.txt': 'b\n' }), 'two', who, (c) => {
      seen = { commit: c, head: r.git(['rev-parse', 'HEAD']) };
      return Promise.resolve();
    });
    expect(seen).toEqual({ commit, head: before });
  });

  it('waits for nobody: a running git’s index.lock stops it with LOCKED, and nothing moves', async () => {
    const r = newRepo();
    const before = r.commit('start', { 'a.txt': 'a\n' });
    const lock = join(r.gitdir, 'index.lock');
    writeFileSync(lock, ''); // what git holds while it writes the index
    const failure = commitFiles(r.repo, changes(r, { 'b.txt': 'b\n' }), 'two', who);
    await expect(failure).rejects.toBeInstanceOf(RemembrancerError);
    await expect(failure).rejects.toMatchObject({ code: 'LOCKED', file: lock });
    expect(r.git(['rev-parse', 'HEAD'])).toBe(before);
    expect(existsSync(lock)).toBe(true);
  });

  it('clears an index.lock our killed process left, and commits', async () => {
    const r = newRepo();
    r.commit('start', { 'a.txt': 'a\n' });
    const lock = join(r.gitdir, 'index.lock');
    const owner = { by: 'remembrancer', pid: deadPid(), host: hostname(), since: 'then' };
    writeFileSync(lock, JSON.stringify(owner) + '\n');
    await commitFiles(r.repo, changes(r, { 'b.txt': 'b\n' }), 'two', who);
    expect(r.git(['log', '-1', '--format=%s'])).toBe('two');
    expect(existsSync(lock)).toBe(false);
  });
});

describe('stageFiles', () => {
  it('stages as git add would, committing nothing', async () => {
    const r = newRepo();
    const before = r.commit('start', { 'a.txt': 'a\n' });
    await stageFiles(r.repo, changes(r, { 'a.txt': null, 'n/new.txt': 'new\n' }));
    expect(r.git(['rev-parse', 'HEAD'])).toBe(before);
    expect(lines(r.git(['status', '--porcelain=v1']))).toEqual(['D  a.txt', 'A  n/new.txt']);
  });
});

describe('git lock files', () => {
  it('takeGitLock holds the lock file with our pid, LOCKED while held, free once released', async () => {
    const r = newRepo();
    const path = join(r.gitdir, 'index.lock');
    const release = await takeGitLock(path);
    await expect(takeGitLock(path)).rejects.toMatchObject({ code: 'LOCKED' });
    expect(await clearDeadGitLock(path)).toBe(false); // ours, and alive
    await release();
    expect(existsSync(path)).toBe(false);
  });

  it('clearDeadGitLock leaves git’s own lock files and other hosts’ alone', async () => {
    const r = newRepo();
    const path = join(r.gitdir, 'index.lock');
    writeFileSync(path, 'DIRC binary index data');
    expect(await clearDeadGitLock(path)).toBe(false);
    writeFileSync(path, JSON.stringify({ by: 'remembrancer', pid: deadPid(), host: 'elsewhere' }));
    expect(await clearDeadGitLock(path)).toBe(false);
    expect(existsSync(path)).toBe(true);
  });

  it('writeRefLocked refuses a ref that moved since it was read, and leaves it', async () => {
    const r = newRepo();
    const one = r.commit('one');
    const two = r.commit('two');
    const ref = 'refs/remembrancer/peers/beta/heads/main';
    await writeRefLocked(r.repo, ref, undefined, one);
    expect(r.git(['rev-parse', ref])).toBe(one);
    await expect(writeRefLocked(r.repo, ref, undefined, two)).rejects.toMatchObject({
      code: 'GIT_FAILED',
      message: `${ref} moved while we were updating it`,
    });
    expect(r.git(['rev-parse', ref])).toBe(one);
    await writeRefLocked(r.repo, ref, one, two);
    expect(r.git(['rev-parse', ref])).toBe(two);
    expect(r.git(['for-each-ref', '--format=%(refname)', 'refs/remembrancer'])).toBe(ref);
  });
});
