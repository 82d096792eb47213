/**
 * The file systems isomorphic-git is given: git's index is replaced whole (written beside
 * it and renamed over it, as git does), never rewritten in place where a killed process
 * would leave it half-written; and a peer's repository is read only through regular files,
 * the first refusal kept for the caller to report.
 */
import { execFileSync } from 'node:child_process';
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { fs, isogit, peerFs } from '../../../src/git/isogit.js';
import { NotRegularFileError } from '../../../src/git/regular-file.js';
import { gitRepos } from '../../helpers/git-repo.js';

const newRepo = gitRepos();

describe('fs', () => {
  it('replaces git’s index by a rename, and writes any other file in place', async () => {
    const r = newRepo();
    r.commit('one', { 'a.txt': 'a\n' });
    const index = join(r.gitdir, 'index');
    const before = statSync(index).ino;
    await fs.promises.writeFile(index, await fs.promises.readFile(index));
    expect(statSync(index).ino).not.toBe(before);
    r.git(['status', '--porcelain']); // git still reads it
    const other = join(r.root, 'a.txt');
    const inode = statSync(other).ino;
    await fs.promises.writeFile(other, 'b\n');
    expect(statSync(other).ino).toBe(inode);
  });

  it('isomorphic-git staging through it leaves an index git reads', async () => {
    const r = newRepo();
    r.commit('one', { 'a.txt': 'a\n' });
    r.write('b.txt', 'b\n');
    const git = await isogit();
    await git.add({ fs, dir: r.root, gitdir: r.gitdir, filepath: 'b.txt' });
    expect(r.git(['diff', '--cached', '--name-only'])).toBe('b.txt');
  });
});

describe('peerFs', () => {
  it('refuses a ref file that is a FIFO and keeps the refusal, where a plain read would hang', async () => {
    const r = newRepo();
    const commit = r.commit('one');
    const ref = join(r.gitdir, 'refs', 'heads', 'trap');
    execFileSync('mkfifo', [ref]);
    const peer = peerFs();
    const git = await isogit();
    await expect(
      git.resolveRef({ fs: peer.fs, gitdir: r.gitdir, ref: 'refs/heads/trap' }),
    ).rejects.toThrow();
    expect(peer.refused()).toBeInstanceOf(NotRegularFileError);
    expect(await git.resolveRef({ fs: peer.fs, gitdir: r.gitdir, ref: 'refs/heads/main' })).toBe(
      commit,
    );
  });
});
