/**
 * missingObjects, the walk that finds what a fetch must copy, against
 * `git rev-list --objects THEIRS --not OURS`: the same set, submodule links left out,
 * blobs never read whole; a store that lacks an object, or holds one of the wrong type,
 * fails naming it.
 */
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ObjectStore } from '../../../src/git/object-store.js';
import { MissingObjectError, missingObjects } from '../../../src/git/object-walk.js';
import type { ObjectType } from '../../../src/git/pack-writer.js';
import { gitRepos, type GitRepo } from '../../helpers/git-repo.js';

const newRepo = gitRepos();

/** The walk from `start` in `theirs`, skipping what `ours` has; and what blobs it read. */
async function walk(theirs: GitRepo, ours: GitRepo, start: string, type: ObjectType = 'commit') {
  const source = new ObjectStore(theirs.gitdir);
  const have = new ObjectStore(ours.gitdir);
  const readBlobs: string[] = [];
  const found = await missingObjects(
    start,
    type,
    (o) => have.has(o),
    (o) => {
      const object = source.read(o);
      if (!object) throw new Error(`${o} is not here`);
      if (object.type === 'blob') readBlobs.push(o);
      return object;
    },
    (o) => source.header(o)?.type,
  );
  return { oids: found.map((f) => f.oid).sort(), found, readBlobs };
}

function revList(r: GitRepo, start: string, not: string[] = []): string[] {
  const args = ['rev-list', '--objects', start, ...(not.length ? ['--not', ...not] : [])];
  return r
    .git(args)
    .split('\n')
    .filter(Boolean)
    .map((l) => l.slice(0, 40))
    .sort();
}

describe('missingObjects', () => {
  it('finds every object git rev-list --objects lists, into an empty store', async () => {
    const theirs = newRepo();
    theirs.commit('one', { 'a.txt': 'a\n', 'dir/b.txt': 'b\n' });
    theirs.commit('two', { 'a.txt': 'a2\n', 'dir/sub/c.txt': 'c\n' });
    const head = theirs.git(['rev-parse', 'HEAD']);
    const { oids, found, readBlobs } = await walk(theirs, newRepo(), head);
    expect(oids).toEqual(revList(theirs, head));
    expect(readBlobs).toEqual([]);
    const types = Object.fromEntries(found.map((f) => [f.oid, f.type]));
    for (const oid of oids) expect(types[oid]).toBe(theirs.git(['cat-file', '-t', oid]));
  });

  it('stops at what we already have: only what rev-list THEIRS --not OURS lists', async () => {
    const ours = newRepo();
    ours.commit('shared', { 'a.txt': 'a\n', 'dir/b.txt': 'b\n' });
    const theirs = newRepo({ from: ours });
    const shared = ours.git(['rev-parse', 'HEAD']);
    theirs.commit('theirs', { 'dir/b.txt': 'b changed\n', 'new.txt': 'new\n' });
    theirs.git(['checkout', '-q', '-b', 'side', shared]);
    theirs.commit('side', { 'side.txt': 'side\n' });
    theirs.git(['checkout', '-q', 'main']);
    theirs.git(['merge', '-q', '--no-edit', 'side']);
    const head = theirs.git(['rev-parse', 'HEAD']);
    const { oids } = await walk(theirs, ours, head);
    expect(oids).toEqual(revList(theirs, head, [shared]));
    expect(oids).not.toContain(shared);
  });

  it('leaves out the commit a submodule entry names, as git does', async () => {
    const theirs = newRepo();
    const blob = theirs.git(['hash-object', '-w', '--stdin'], 'x\n');
    const elsewhere = 'c'.repeat(40); // a commit of another repository
    const tree = theirs.git(
      ['mktree', '--missing'],
      `100644 blob ${blob}\tx.txt\n160000 commit ${elsewhere}\tvendor\n`,
    );
    const commit = theirs.git(['commit-tree', tree, '-m', 'with a submodule']);
    const { oids } = await walk(theirs, newRepo(), commit);
    expect(oids).toEqual(revList(theirs, commit));
    expect(oids).not.toContain(elsewhere);
  });

  it('starts at an annotated tag, bringing the tag and what it points to', async () => {
    const theirs = newRepo();
    theirs.commit('one', { 'a.txt': 'a\n' });
    theirs.git(['tag', '-a', 'v1', '-m', 'release']);
    const tag = theirs.git(['rev-parse', 'v1']);
    const { oids } = await walk(theirs, newRepo(), tag);
    expect(oids).toEqual(revList(theirs, tag));
    expect(oids).toContain(tag);
  });

  it('fails naming an object the store lacks', async () => {
    const theirs = newRepo();
    theirs.commit('one', { 'a.txt': 'a\n' });
    const blob = theirs.git(['rev-parse', 'HEAD:a.txt']);
    rmSync(join(theirs.gitdir, 'objects', blob.slice(0, 2), blob.slice(2)));
    const head = theirs.git(['rev-parse', 'HEAD']);
    const failure = walk(theirs, newRepo(), head);
    await expect(failure).rejects.toBeInstanceOf(MissingObjectError);
    await expect(failure).rejects.toThrow(`blob ${blob} is missing`);
  });

  it('fails on a tree entry whose object is of another type than its mode says', async () => {
    const theirs = newRepo();
    const inner = theirs.git(['mktree'], '');
    // A tree saying "file" for a tree object: only plumbing with --literally writes it.
    const raw = Buffer.concat([Buffer.from('100644 lies.txt\0'), Buffer.from(inner, 'hex')]);
    const tree = theirs.git(['hash-object', '-t', 'tree', '-w', '--literally', '--stdin'], raw);
    const commit = theirs.git(['commit-tree', tree, '-m', 'lying tree']);
    await expect(walk(theirs, newRepo(), commit)).rejects.toThrow(`blob ${inner} is missing`);
  });
});
