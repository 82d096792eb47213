/**
 * writePack and movePackIn against git: the pack and index we write are what
 * `git index-pack` makes of the same pack, `git verify-pack` and `git fsck --strict`
 * accept them, deltas copied from a peer's pack stay deltas, and a copied object that is
 * not what its name says is refused.
 */
import { randomBytes } from 'node:crypto';
import { copyFileSync, existsSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ObjectStore } from '../../../src/git/object-store.js';
import { movePackIn, removePack, writePack, type PackEntry } from '../../../src/git/pack-writer.js';
import { allObjects, gitRepos, verifyPack, type GitRepo } from '../../helpers/git-repo.js';

const newRepo = gitRepos();

let source: GitRepo | undefined;
/** A history with a big file changed line by line, packed by git with deltas (made once). */
function sourceRepo(): GitRepo {
  if (source) return source;
  const r = newRepo();
  const lines = Array.from({ length: 3000 }, (_, i) => `${i} ${randomBytes(16).toString('hex')}`);
  for (let i = 0; i < 4; i++) {
    lines[i * 50] = `edit ${i}`;
    r.commit(`c${i}`, {
      'big.txt': lines.join('\n'),
      'note.txt': `note ${i}\n`,
      'zeros.bin': Buffer.alloc(2 * 1024 * 1024 + i),
    });
  }
  r.git(['gc', '-q', '--aggressive', '--prune=now']);
  r.commit('loose on top', { 'loose.txt': 'not packed yet\n' });
  return (source = r);
}

function scratchOf(r: GitRepo): string {
  return mkdtempSync(join(r.dir, 'scratch-'));
}

/** Every object of the repository, as a whole object with its content. */
function wholeObjects(r: GitRepo): PackEntry[] {
  const store = new ObjectStore(r.gitdir);
  return allObjects(r).map((oid) => {
    const object = store.read(oid);
    if (!object) throw new Error(`${oid} is missing`);
    return { oid, type: object.type, content: object.content };
  });
}

/** Every object of the repository as its store holds it: packed data, deltas, loose files. */
function storedObjects(r: GitRepo): PackEntry[] {
  const store = new ObjectStore(r.gitdir);
  return allObjects(r).map((oid) => {
    const stored = store.stored(oid);
    if (!stored) throw new Error(`${oid} is missing`);
    return { oid, type: stored.type, stored };
  });
}

/** Installs the objects in a new empty repository and checks it the way git does. */
async function installAndFsck(objects: PackEntry[]): Promise<GitRepo> {
  const target = newRepo();
  const staged = await writePack(scratchOf(target), objects);
  if (!staged) throw new Error('no pack written');
  expect(await movePackIn(target.gitdir, staged.name, staged.pack, staged.idx)).toBe(true);
  target.git(['update-ref', 'refs/heads/main', sourceRepo().git(['rev-parse', 'HEAD'])]);
  target.git(['fsck', '--strict', '--no-dangling', '--no-progress']);
  return target;
}

describe('writePack', () => {
  it('writes the index git index-pack makes of the same pack, byte for byte', async () => {
    const r = sourceRepo();
    const scratch = scratchOf(r);
    const staged = await writePack(scratch, wholeObjects(r));
    if (!staged) throw new Error('no pack written');
    expect(staged.name).toMatch(/^pack-[0-9a-f]{40}$/);
    const copy = join(scratch, 'copy.pack');
    copyFileSync(staged.pack, copy);
    r.git(['index-pack', '-o', join(scratch, 'git.idx'), copy]);
    expect(readFileSync(staged.idx).equals(readFileSync(join(scratch, 'git.idx')))).toBe(true);
    expect(verifyPack(r, staged.idx)).toHaveLength(allObjects(r).length);
  });

  it('whole objects from their content: git fsck --strict accepts the store and the history', async () => {
    const r = sourceRepo();
    const target = await installAndFsck(wholeObjects(r));
    expect(target.git(['log', '--format=%H %s'])).toBe(r.git(['log', '--format=%H %s']));
    expect(target.git(['cat-file', '-p', 'HEAD:big.txt'])).toBe(
      r.git(['cat-file', '-p', 'HEAD:big.txt']),
    );
  });

  it('objects copied as stored: deltas stay deltas on the bases git chose', async () => {
    const r = sourceRepo();
    const objects = storedObjects(r);
    expect(objects.some((o) => o.stored?.kind === 'loose')).toBe(true);
    const target = await installAndFsck(objects);
    const [idx] = readdirSync(join(target.gitdir, 'objects', 'pack')).filter((n) =>
      n.endsWith('.idx'),
    );
    const ours = verifyPack(target, join(target.gitdir, 'objects', 'pack', idx as string));
    const [theirIdx] = readdirSync(join(r.gitdir, 'objects', 'pack')).filter((n) =>
      n.endsWith('.idx'),
    );
    const theirs = verifyPack(r, join(r.gitdir, 'objects', 'pack', theirIdx as string));
    const bases = (list: typeof ours) =>
      Object.fromEntries(list.filter((o) => o.base).map((o) => [o.oid, o.base]));
    expect(Object.keys(bases(theirs)).length).toBeGreaterThan(0);
    expect(bases(ours)).toEqual(bases(theirs));
  });

  it('writes nothing for no objects', async () => {
    const r = newRepo();
    expect(await writePack(scratchOf(r), [])).toBeUndefined();
  });

  it('refuses a copied object that does not hash to its name', async () => {
    const r = sourceRepo();
    const store = new ObjectStore(r.gitdir);
    const note = r.git(['rev-parse', 'HEAD~1:note.txt']);
    const other = r.git(['rev-parse', 'HEAD~2:note.txt']);
    const stored = store.stored(other);
    expect(stored?.kind).toBe('packed');
    const lie: PackEntry = { oid: note, type: 'blob', ...(stored ? { stored } : {}) };
    await expect(writePack(scratchOf(r), [lie])).rejects.toThrow(/does not hash to its name/);
  });

  it('refuses a copied object that holds more than its header states', async () => {
    const r = sourceRepo();
    const store = new ObjectStore(r.gitdir);
    for (const path of ['HEAD~1:note.txt', 'HEAD:zeros.bin', 'HEAD:loose.txt']) {
      const oid = r.git(['rev-parse', path]);
      const stored = store.stored(oid);
      if (!stored) throw new Error(`${path} is missing`);
      const short: PackEntry = { oid, type: 'blob', stored: { ...stored, size: stored.size - 1 } };
      await expect(writePack(scratchOf(r), [short]), path).rejects.toThrow(
        /inflates to more than the \d+ bytes its header states/,
      );
    }
  });

  it('refuses an object with neither content nor a stored form', async () => {
    const r = newRepo();
    await expect(writePack(scratchOf(r), [{ oid: 'a'.repeat(40), type: 'blob' }])).rejects.toThrow(
      /has neither its content nor its delta base/,
    );
  });

  it('stops when its signal is aborted', async () => {
    const r = sourceRepo();
    const controller = new AbortController();
    controller.abort();
    await expect(writePack(scratchOf(r), wholeObjects(r), controller.signal)).rejects.toThrow();
  });
});

describe('movePackIn and removePack', () => {
  it('says when the very same pack was there already, and removePack takes it out again', async () => {
    const r = sourceRepo();
    const target = newRepo();
    const objects = wholeObjects(r);
    const first = await writePack(scratchOf(target), objects);
    const again = await writePack(scratchOf(target), objects);
    if (!first || !again) throw new Error('no pack written');
    expect(again.name).toBe(first.name);
    expect(await movePackIn(target.gitdir, first.name, first.pack, first.idx)).toBe(true);
    expect(await movePackIn(target.gitdir, again.name, again.pack, again.idx)).toBe(false);
    expect(existsSync(again.pack) || existsSync(again.idx)).toBe(false);
    const head = r.git(['rev-parse', 'HEAD']);
    expect(target.git(['cat-file', '-t', head])).toBe('commit');
    await removePack(target.gitdir, first.name);
    expect(readdirSync(join(target.gitdir, 'objects', 'pack'))).toEqual([]);
    expect(() => target.git(['cat-file', '-t', head])).toThrow();
  });
});
