/**
 * The file systems isomorphic-git is given: git's index is replaced whole (written beside
 * it and renamed over it, as git does), never rewritten in place where a killed process
 * would leave it half-written; and a peer's repository is read only through regular files,
 * the first refusal kept for the caller to report.
 */
import { execFileSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { fs, isogit, peerFs } from '../../../src/git/isogit.js';
import { NotRegularFileError } from '../../../src/git/regular-file.js';
import { gitRepos } from '../../helpers/git-repo.js';

const newRepo = gitRepos();

describe('fs', () => {
  it('replaces every file it writes by a rename, so a kill mid-write tears none', async () => {
    const r = newRepo();
    r.commit('one', { 'a.txt': 'a\n' });
    for (const file of [join(r.gitdir, 'index'), join(r.root, 'a.txt')]) {
      const before = statSync(file).ino;
      await fs.promises.writeFile(file, await fs.promises.readFile(file));
      expect(statSync(file).ino, file).not.toBe(before);
    }
    r.git(['status', '--porcelain']); // git still reads the index
    // A loose object and a ref written by isomorphic-git: whole, and nothing left beside them.
    const git = await isogit();
    const oid = await git.writeBlob({ fs, gitdir: r.gitdir, blob: Buffer.from('b\n') });
    await git.writeRef({
      fs,
      gitdir: r.gitdir,
      ref: 'refs/heads/b',
      value: r.git(['rev-parse', 'HEAD']),
    });
    expect(r.git(['cat-file', '-p', oid])).toBe('b');
    expect(r.git(['branch', '--format=%(refname:short)']).split('\n').sort()).toEqual([
      'b',
      'main',
    ]);
    const shard = readdirSync(join(r.gitdir, 'objects', oid.slice(0, 2)));
    expect(shard).toContain(oid.slice(2));
    expect(shard.filter((name) => !/^[0-9a-f]{38}$/.test(name))).toEqual([]);
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
