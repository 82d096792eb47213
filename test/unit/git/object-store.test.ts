/**
 * ObjectStore, our reader of a repository's objects, against git's own: every object read
 * from loose files, from packs with delta chains (git gc --aggressive) and through
 * alternates is byte for byte what `git cat-file` gives; corrupt stores raise errors.
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, readdirSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { deflateSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { ObjectStore, ObjectTooLargeError } from '../../../src/git/object-store.js';
import { allObjects, catFile, gitRepos, verifyPack, type GitRepo } from '../../helpers/git-repo.js';

const newRepo = gitRepos();

/** Text of `lines` lines that deflate poorly, so packed entries span many reads. */
function bigText(lines: number, seed: string): string {
  const rows: string[] = [];
  for (let i = 0; i < lines; i++) rows.push(`${seed} ${i} ${randomBytes(24).toString('hex')}`);
  return rows.join('\n') + '\n';
}

/** A repository whose big file changes by one line per commit, so git stores deltas. */
function historyWithDeltas(): GitRepo {
  const r = newRepo();
  const lines = bigText(4000, 'row').split('\n');
  for (let i = 0; i < 6; i++) {
    lines[i * 100] = `changed in commit ${i}`;
    r.commit(`commit ${i}`, {
      'big.txt': lines.join('\n'),
      'small.txt': `small ${i}\n`,
      'dir/nested/deep.txt': `deep ${i % 2}\n`,
      'same.bin': Buffer.alloc(3 * 1024 * 1024, 'x'),
    });
  }
  r.git(['tag', '-a', 'v1', '-m', 'an annotated tag']);
  return r;
}

/** Made once: the loose history, and a copy of it packed by git gc --aggressive. */
let loose: GitRepo | undefined;
let packed: GitRepo | undefined;
const looseHistory = () => (loose ??= historyWithDeltas());
function packedHistory(): GitRepo {
  if (!packed) {
    packed = newRepo({ from: looseHistory() });
    packed.git(['gc', '-q', '--aggressive', '--prune=now']);
  }
  return packed;
}

function packIndex(r: GitRepo): string {
  const dir = join(r.gitdir, 'objects', 'pack');
  const idx = readdirSync(dir).filter((n) => n.endsWith('.idx'));
  expect(idx).toHaveLength(1);
  return join(dir, idx[0] as string);
}

function expectSameAsGit(r: GitRepo, store: ObjectStore): number {
  const oids = allObjects(r);
  const git = catFile(r, oids);
  for (const oid of oids) {
    const ours = store.read(oid);
    const theirs = git.get(oid);
    expect(ours?.type, oid).toBe(theirs?.type);
    expect(ours?.content.equals(theirs?.content as Buffer), oid).toBe(true);
    expect(store.header(oid)).toEqual({ type: theirs?.type, size: theirs?.content.length });
    expect(store.has(oid)).toBe(true);
  }
  return oids.length;
}

describe('ObjectStore reads what git reads', () => {
  it('loose objects: every commit, tree, blob and tag as git cat-file gives it', () => {
    const r = looseHistory();
    expect(readdirSync(join(r.gitdir, 'objects', 'pack'))).toEqual([]);
    expect(expectSameAsGit(r, new ObjectStore(r.gitdir))).toBeGreaterThan(20);
  });

  it('packed objects with delta chains after git gc --aggressive', () => {
    const r = packedHistory();
    const listed = verifyPack(r, packIndex(r));
    const deltas = listed.filter((o) => o.base !== undefined);
    // The big file's versions are stored as deltas of one another: the chains are real.
    expect(deltas.length).toBeGreaterThan(3);
    const store = new ObjectStore(r.gitdir);
    expect(expectSameAsGit(r, store)).toBe(listed.length);
    // A delta is copied as stored: its base is the one git chose.
    for (const d of deltas) {
      const stored = store.stored(d.oid);
      expect(stored).toMatchObject({ kind: 'packed', type: d.type, base: d.base });
    }
  });

  it('a fresh store reads a delta whose base was never read, from its header alone', () => {
    const r = packedHistory();
    const delta = verifyPack(r, packIndex(r)).find(
      (o) => o.base !== undefined && o.type === 'blob',
    );
    const oid = delta?.oid as string;
    const size = Number(r.git(['cat-file', '-s', oid]));
    expect(new ObjectStore(r.gitdir).header(oid)).toEqual({ type: 'blob', size });
    expect(new ObjectStore(r.gitdir).read(oid)?.content.length).toBe(size);
  });

  it('objects of an alternate store (git clone --shared) are found through it', () => {
    const source = packedHistory();
    const shared = newRepo();
    shared.git(['remote', 'add', 'origin', source.root]);
    writeFileSync(
      join(shared.gitdir, 'objects', 'info', 'alternates'),
      join(source.gitdir, 'objects') + '\n',
    );
    const head = source.git(['rev-parse', 'HEAD']);
    const store = new ObjectStore(shared.gitdir);
    expect(store.read(head)?.type).toBe('commit');
    expect(store.read(head)?.content.equals(source.gitBytes(['cat-file', 'commit', head]))).toBe(
      true,
    );
  });

  it('an object the store does not hold is absent, not an error', () => {
    const store = new ObjectStore(looseHistory().gitdir);
    const missing = 'f'.repeat(40);
    expect(store.has(missing)).toBe(false);
    expect(store.read(missing)).toBeUndefined();
    expect(store.header(missing)).toBeUndefined();
    expect(store.stored(missing)).toBeUndefined();
  });

  it('refuses an object over the limit from its header, loose or rebuilt from a delta', () => {
    const r = looseHistory();
    const big = r.git(['rev-parse', 'HEAD:big.txt']);
    const size = Number(r.git(['cat-file', '-s', big]));
    const read = () => new ObjectStore(r.gitdir).read(big, 1000);
    expect(read).toThrow(ObjectTooLargeError);
    expect(read).toThrow(`blob ${big} is ${size} bytes, over the 1000-byte limit`);
    const p = packedHistory();
    const delta = verifyPack(p, packIndex(p)).find(
      (o) => o.base !== undefined && Number(p.git(['cat-file', '-s', o.oid])) > 1000,
    );
    // The delta itself is small; what it rebuilds is not.
    expect(delta?.size).toBeLessThan(1000);
    expect(() => new ObjectStore(p.gitdir).read(delta?.oid as string, 1000)).toThrow(
      ObjectTooLargeError,
    );
  });
});

/** Puts a loose object file with these raw (inflated) bytes under `oid`. */
function plantLoose(r: GitRepo, oid: string, deflated: Buffer): void {
  const dir = join(r.gitdir, 'objects', oid.slice(0, 2));
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, oid.slice(2)), deflated);
}

describe('ObjectStore on a corrupt store', () => {
  const oid = 'ab'.padEnd(40, '1');

  it('a loose object that is no zlib data', () => {
    const r = newRepo();
    plantLoose(r, oid, Buffer.from('this is not deflated at all'));
    expect(() => new ObjectStore(r.gitdir).read(oid)).toThrow(/corrupt/);
  });

  it('a loose object of a type git does not have', () => {
    const r = newRepo();
    plantLoose(r, oid, deflateSync(Buffer.from('blub 3\0abc')));
    expect(() => new ObjectStore(r.gitdir).read(oid)).toThrow(`loose object ${oid} is corrupt`);
  });

  it('a loose object holding more, or less, than its header states', () => {
    const r = newRepo();
    plantLoose(r, oid, deflateSync(Buffer.from('blob 2\0abcdef')));
    expect(() => new ObjectStore(r.gitdir).read(oid)).toThrow(
      /inflates to more than the 2 bytes its header states/,
    );
    plantLoose(r, oid, deflateSync(Buffer.from('blob 20\0abcdef')));
    expect(() => new ObjectStore(r.gitdir).read(oid)).toThrow(
      /inflates to 6 bytes, not the 20 its header states/,
    );
  });

  it('a pack cut short: objects past the cut raise, none reads as something else', () => {
    const r = newRepo({ from: packedHistory() });
    const idx = packIndex(r);
    const listed = verifyPack(r, idx).sort((a, b) => a.offset - b.offset);
    const pack = idx.replace(/\.idx$/, '.pack');
    // Cut in the middle of an entry's data, halfway through the pack.
    const straddling = listed.filter((o) => o.packed > 16 && o.offset > statSync(pack).size / 2)[0];
    const cut = (straddling?.offset as number) + Math.floor((straddling?.packed as number) / 2);
    truncateSync(pack, cut);
    const store = new ObjectStore(r.gitdir);
    expect(() => store.read(straddling?.oid as string)).toThrow(/corrupt/);
    const past = listed.filter((o) => o.offset >= cut);
    expect(past.length).toBeGreaterThan(0);
    for (const o of past) expect(() => store.read(o.oid), o.oid).toThrow(/cut short|corrupt/);
  });
});
