/**
 * Which objects a repository already holds, answered without inflating anything: a loose
 * object is a file, a packed one is a name in a pack index (binary search in the sorted
 * table). Fetching asks this for every object it meets, so it must be cheap.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { isAbsolute, join, resolve } from 'node:path';

const IDX_V2_MAGIC = 0xff744f63;

interface PackIndex {
  /** The sorted table of 20-byte object names. */
  names: Buffer;
  /** Where the table starts in `names`, and the byte stride between entries. */
  start: number;
  stride: number;
  fanout: (firstByte: number) => [number, number];
}

function readIndex(file: string): PackIndex | undefined {
  let buf: Buffer;
  try {
    buf = readFileSync(file);
  } catch {
    return undefined; // removed by a concurrent `git gc`: its objects are in another pack
  }
  const v2 = buf.length >= 8 && buf.readUInt32BE(0) === IDX_V2_MAGIC;
  const fanoutAt = v2 ? 8 : 0;
  const count = (i: number) => (i < 0 ? 0 : buf.readUInt32BE(fanoutAt + 4 * i));
  return {
    names: buf,
    start: v2 ? 8 + 256 * 4 : 256 * 4 + 4,
    stride: v2 ? 20 : 24,
    fanout: (b) => [count(b - 1), count(b)],
  };
}

function objectDirs(objects: string, depth = 0): string[] {
  const dirs = [objects];
  if (depth > 4) return dirs;
  let text: string;
  try {
    text = readFileSync(join(objects, 'info', 'alternates'), 'utf8');
  } catch {
    return dirs;
  }
  for (const line of text.split('\n')) {
    const path = line.trim();
    if (!path || path.startsWith('#')) continue;
    dirs.push(...objectDirs(isAbsolute(path) ? path : resolve(objects, path), depth + 1));
  }
  return dirs;
}

export class ObjectPresence {
  private readonly dirs: string[];
  private readonly indexes: PackIndex[] = [];

  /** A view of `gitdir`'s objects as they are now (packs added later are not seen). */
  constructor(gitdir: string) {
    this.dirs = objectDirs(join(gitdir, 'objects'));
    for (const dir of this.dirs) {
      let names: string[];
      try {
        names = readdirSync(join(dir, 'pack'));
      } catch {
        continue;
      }
      for (const name of names) {
        if (!name.endsWith('.idx')) continue;
        // An index whose pack is gone (or not yet renamed in) answers for nothing.
        if (!existsSync(join(dir, 'pack', name.slice(0, -4) + '.pack'))) continue;
        const index = readIndex(join(dir, 'pack', name));
        if (index) this.indexes.push(index);
      }
    }
  }

  has(oid: string): boolean {
    const want = Buffer.from(oid, 'hex');
    for (const index of this.indexes) if (inIndex(index, want)) return true;
    for (const dir of this.dirs) {
      if (existsSync(join(dir, oid.slice(0, 2), oid.slice(2)))) return true;
    }
    return false;
  }
}

function inIndex(index: PackIndex, want: Buffer): boolean {
  let [lo, hi] = index.fanout(want[0] as number);
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    const at = index.start + mid * index.stride;
    const cmp = want.compare(index.names, at, at + 20);
    if (cmp === 0) return true;
    if (cmp < 0) hi = mid;
    else lo = mid + 1;
  }
  return false;
}
