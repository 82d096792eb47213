/**
 * Reading a peer on this machine without a git binary (test/e2e/fetch.test.ts drives the
 * whole fetchPeer): where its git directory is for each layout git makes, which objects
 * readLocalPeer brings (what `git rev-list --objects` says we lack), and that a delta whose
 * base we already hold comes whole, so the pack it goes into stands on its own.
 */
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  localGitdir,
  readLocalPeer,
  resolvePeerRef,
  TransportError,
} from '../../../src/git/fetch-local.js';
import { movePackIn, writePack } from '../../../src/git/pack-writer.js';
import { gitRepos, verifyPack, type GitRepo } from '../../helpers/git-repo.js';

const newRepo = gitRepos();
const never = new AbortController().signal;

describe('localGitdir', () => {
  it('finds the git directory of a working tree, a bare repository and a linked .git file', () => {
    const work = newRepo();
    expect(localGitdir(work.root)).toBe(work.gitdir);
    const bare = newRepo({ bare: true });
    expect(localGitdir(bare.root)).toBe(bare.root);
    const linked = newRepo();
    const elsewhere = join(linked.dir, 'elsewhere');
    execFileSync('git', [
      'init',
      '-q',
      `--separate-git-dir=${join(linked.dir, 'moved.git')}`,
      elsewhere,
    ]);
    expect(localGitdir(elsewhere)).toBe(join(linked.dir, 'moved.git'));
  });

  it('says a path is missing, a file, or no repository, with a TransportError', () => {
    const r = newRepo();
    const file = r.write('plain.txt', 'x');
    expect(() => localGitdir(join(r.dir, 'nothing'))).toThrow(/does not exist/);
    expect(() => localGitdir(file)).toThrow(/is not a folder/);
    expect(() => localGitdir(r.dir)).toThrow(TransportError);
    expect(() => localGitdir(r.dir)).toThrow(/is not a git repository/);
  });
});

describe('resolvePeerRef', () => {
  it('gives the object the ref names, and says when the peer has no such ref', async () => {
    const r = newRepo();
    const head = r.commit('one');
    expect(await resolvePeerRef(r.gitdir, 'refs/heads/main')).toBe(head);
    await expect(resolvePeerRef(r.gitdir, 'refs/heads/nope')).rejects.toMatchObject({
      kind: 'ref-missing',
    });
  });
});

/** A peer whose big file changes a line per commit, packed so later versions are deltas. */
function peerWithDeltas(): { peer: GitRepo; commits: string[] } {
  const peer = newRepo();
  const lines = Array.from({ length: 2000 }, (_, i) => `${i} ${randomBytes(16).toString('hex')}`);
  const commits: string[] = [];
  for (let i = 0; i < 3; i++) {
    lines[i * 7] = `edit ${i}`;
    commits.push(peer.commit(`v${i}`, { 'big.txt': lines.join('\n'), [`f${i}.txt`]: `${i}\n` }));
  }
  peer.git(['gc', '-q', '--aggressive', '--prune=now']);
  return { peer, commits };
}

describe('readLocalPeer', () => {
  it('brings what git rev-list --objects THEIRS --not OURS lists; deltas on bases we hold come whole', async () => {
    const { peer, commits } = peerWithDeltas();
    const ours = newRepo();
    peer.git(['branch', 'first', commits[0] as string]);
    ours.git(['fetch', '-q', peer.root, 'first:refs/heads/first']);
    const fetched = await readLocalPeer(ours.gitdir, peer.root, 'refs/heads/main', never);
    expect(fetched.oid).toBe(commits[2]);
    const expected = peer
      .git(['rev-list', '--objects', commits[2] as string, '--not', commits[0] as string])
      .split('\n')
      .map((l) => l.slice(0, 40))
      .sort();
    expect(fetched.objects.map((o) => o.oid).sort()).toEqual(expected);
    // The later big.txt versions are deltas in the peer's pack on the first one, which we
    // hold: they must come as whole objects, or our pack would not stand on its own.
    const first = peer.git(['rev-parse', `${commits[0]}:big.txt`]);
    const later = [1, 2].map((i) => peer.git(['rev-parse', `${commits[i]}:big.txt`]));
    const packDir = join(peer.gitdir, 'objects', 'pack');
    const idx = readdirSync(packDir).find((n) => n.endsWith('.idx')) as string;
    const bases = verifyPack(peer, join(packDir, idx));
    for (const oid of later) {
      expect(bases.find((o) => o.oid === oid)?.base, 'git stored it as a delta').toBe(first);
      expect(fetched.objects.find((o) => o.oid === oid)?.content, oid).toBeDefined();
    }
    const staged = await writePack(ours.dir, fetched.objects, never);
    if (!staged) throw new Error('nothing to write');
    await movePackIn(ours.gitdir, staged.name, staged.pack, staged.idx);
    ours.git(['update-ref', 'refs/heads/main', fetched.oid]);
    ours.git(['fsck', '--strict', '--no-dangling', '--no-progress']);
    expect(ours.git(['cat-file', '-p', 'HEAD:big.txt'])).toBe(
      peer.git(['cat-file', '-p', 'HEAD:big.txt']),
    );
  });

  it('brings nothing when we already have everything', async () => {
    const { peer } = peerWithDeltas();
    const ours = newRepo({ from: peer });
    const fetched = await readLocalPeer(ours.gitdir, peer.root, 'refs/heads/main', never);
    expect(fetched.objects).toEqual([]);
  });

  it('stops when its signal is aborted', async () => {
    const { peer } = peerWithDeltas();
    const controller = new AbortController();
    controller.abort();
    await expect(
      readLocalPeer(newRepo().gitdir, peer.root, 'refs/heads/main', controller.signal),
    ).rejects.toThrow();
  });
});
