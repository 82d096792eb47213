/**
 * A read-only view of a repository's objects, read straight from its files: loose objects
 * are inflated, packed ones found by binary search in the pack index and their deltas
 * resolved with a cache of recent bases. isomorphic-git re-inflates a whole delta chain
 * for every object it reads, which made copying 10,000 commits take a minute.
 *
 * Nothing is inflated before its size is known, and nothing beyond it: a loose object's
 * header is inflated alone, a packed object's size is in its entry header and a delta's
 * result size in the delta's own first bytes. Every read has a byte limit, checked against
 * that size first and held while inflating, so an object whose header lies stops at the
 * size it states. Packs are read at the offsets needed, never whole.
 */
import { closeSync, fstatSync, readdirSync, readSync, statSync } from 'node:fs';
import { isAbsolute, join, resolve } from 'node:path';
import { constants, inflateSync } from 'node:zlib';
import { MAX_DELTA_CHAIN, MAX_OBJECT_BYTES } from './limits.js';
import type { ObjectType, StoredForm } from './pack-writer.js';
import { openRegular, readRegular } from './regular-file.js';

const IDX_V2_MAGIC = 0xff744f63;
const TYPES: (ObjectType | undefined)[] = [undefined, 'commit', 'tree', 'blob', 'tag'];
const OFS_DELTA = 6;
const REF_DELTA = 7;
const CACHE_BYTES = 64 * 1024 * 1024;
/** Bytes read at an entry's offset first: its header and, for most objects, all its data. */
const WINDOW = 4096;
/** The most zlib input read to find an object's or a delta's header. */
const START_INPUT = 4096;

export interface StoredObject {
  type: ObjectType;
  content: Buffer;
}

/** An object's type and size, as its header states them. */
export interface ObjectHeader {
  type: ObjectType;
  size: number;
}

/** An object whose header states more bytes than the reader allows; nothing was inflated. */
export class ObjectTooLargeError extends Error {
  constructor(
    readonly oid: string,
    readonly type: ObjectType,
    readonly size: number,
    readonly limit: number,
  ) {
    super(`${type} ${oid} is ${size} bytes, over the ${limit}-byte limit`);
  }
}

/**
 * How many bytes of zlib data can hold `n` bytes: more than any encoder writes (zlib's
 * own bound is n/4096 over). A stream longer than this for its stated size is corrupt.
 */
function deflatedBound(n: number): number {
  return n + Math.ceil(n / 256) + 64;
}

/** Inflates exactly `size` bytes from `input`, never more; throws when it holds other than that. */
function inflateExact(input: Buffer, size: number, what: () => string, headerBytes = 0): Buffer {
  // What the object's header states, for the messages: a loose object's own header aside.
  const stated = size - headerBytes;
  let out: Buffer;
  try {
    // An output chunk the size of the object: the default 16 KiB chunk per call doubles the
    // cost of inflating tens of thousands of small objects.
    out = inflateSync(input, {
      maxOutputLength: Math.max(1, size),
      chunkSize: Math.max(64, size + 16),
    });
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ERR_BUFFER_TOO_LARGE') {
      throw new Error(`${what()} inflates to more than the ${stated} bytes its header states`, {
        cause: err,
      });
    }
    throw new Error(`${what()} is corrupt (${(err as Error).message})`, { cause: err });
  }
  if (out.length !== size) {
    throw new Error(
      `${what()} inflates to ${out.length - headerBytes} bytes, not the ${stated} its header states`,
    );
  }
  return out;
}

/**
 * The first bytes a zlib stream inflates to, from as little of it as holds them (a
 * truncated stream is fine here): at least `want` bytes, or all there are. At most 4 KiB
 * of input is tried, and deflate turns a byte into at most 1032, so a bomb yields a few
 * megabytes here at worst; git's own headers are in the first few hundred bytes.
 */
function inflateStart(read: (length: number) => Buffer, want: number): Buffer {
  for (let length = 64; ; length *= 8) {
    const input = read(length);
    let out: Buffer;
    try {
      out = inflateSync(input, { finishFlush: constants.Z_SYNC_FLUSH });
    } catch (err) {
      throw new Error(`corrupt zlib data (${(err as Error).message})`, { cause: err });
    }
    if (out.length >= want || input.length < length || length >= START_INPUT) return out;
  }
}

/** Reads `length` bytes at `at` (fewer at the end of the file). */
function readAt(fd: number, at: number, length: number): Buffer {
  const buf = Buffer.allocUnsafe(Math.max(0, length));
  let done = 0;
  while (done < buf.length) {
    const n = readSync(fd, buf, done, buf.length - done, at + done);
    if (n === 0) break;
    done += n;
  }
  return buf.subarray(0, done);
}

/**
 * Open pack files, shared by every store of the process and closed least recently used
 * first: a store is never closed, and a pack's name is its checksum, so an open file stays
 * right for its path (an inode check catches a file replaced all the same).
 */
const openPacks = new Map<string, { fd: number; ino: number }>();
const MAX_OPEN_PACKS = 32;

function packFd(path: string, ino: number): number {
  const open = openPacks.get(path);
  if (open) {
    openPacks.delete(path);
    if (open.ino === ino) {
      openPacks.set(path, open);
      return open.fd;
    }
    closeSync(open.fd);
  }
  const fd = openRegular(path);
  openPacks.set(path, { fd, ino: fstatSync(fd).ino });
  if (openPacks.size > MAX_OPEN_PACKS) {
    const [oldest, { fd: old }] = openPacks.entries().next().value as [string, { fd: number }];
    openPacks.delete(oldest);
    closeSync(old);
  }
  return fd;
}

/** A pack entry's header: what it is, how big its data inflates, where that data starts. */
interface Entry {
  offset: number;
  kind: number;
  size: number;
  dataAt: number;
  /** The bytes read from `dataAt` on (some of the data, perhaps all of it). */
  window: Buffer;
  baseOffset?: number;
  baseOid?: string;
}

class Pack {
  private byOffset: Map<number, number> | undefined;
  private sortedOffsets: Float64Array | undefined;
  readonly count: number;
  private readonly v2: boolean;
  private readonly namesAt: number;
  private readonly stride: number;
  private readonly ino: number;
  readonly size: number;

  constructor(
    readonly file: string,
    private readonly idx: Buffer,
  ) {
    const stats = statSync(file);
    this.ino = stats.ino;
    this.size = stats.size;
    this.v2 = idx.length >= 8 && idx.readUInt32BE(0) === IDX_V2_MAGIC;
    const fanoutAt = this.v2 ? 8 : 0;
    this.count = idx.readUInt32BE(fanoutAt + 255 * 4);
    this.namesAt = this.v2 ? 8 + 1024 : 1024 + 4;
    this.stride = this.v2 ? 20 : 24;
  }

  private fanout(byte: number): [number, number] {
    const at = this.v2 ? 8 : 0;
    return [
      byte === 0 ? 0 : this.idx.readUInt32BE(at + 4 * (byte - 1)),
      this.idx.readUInt32BE(at + 4 * byte),
    ];
  }

  /** Position of the object in the index, or -1. */
  find(name: Buffer): number {
    let [lo, hi] = this.fanout(name[0] as number);
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      const at = this.namesAt + mid * this.stride;
      const cmp = name.compare(this.idx, at, at + 20);
      if (cmp === 0) return mid;
      if (cmp < 0) hi = mid;
      else lo = mid + 1;
    }
    return -1;
  }

  nameAt(i: number): string {
    const at = this.namesAt + i * this.stride;
    return this.idx.toString('hex', at, at + 20);
  }

  offsetAt(i: number): number {
    if (!this.v2) return this.idx.readUInt32BE(1024 + i * 24);
    const small = this.idx.readUInt32BE(8 + 1024 + this.count * 24 + i * 4);
    if ((small & 0x80000000) === 0) return small;
    const large = 8 + 1024 + this.count * 28 + (small & 0x7fffffff) * 8;
    return Number(this.idx.readBigUInt64BE(large));
  }

  nameAtOffset(offset: number): string | undefined {
    if (!this.byOffset) {
      this.byOffset = new Map();
      for (let i = 0; i < this.count; i++) this.byOffset.set(this.offsetAt(i), i);
    }
    const i = this.byOffset.get(offset);
    return i === undefined ? undefined : this.nameAt(i);
  }

  /** Where the entry at `offset` ends: at the next entry, or at the pack's checksum. */
  entryEnd(offset: number): number {
    if (!this.sortedOffsets) {
      this.sortedOffsets = new Float64Array(this.count);
      for (let i = 0; i < this.count; i++) this.sortedOffsets[i] = this.offsetAt(i);
      this.sortedOffsets.sort();
    }
    const sorted = this.sortedOffsets;
    let lo = 0;
    let hi = sorted.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if ((sorted[mid] as number) <= offset) lo = mid + 1;
      else hi = mid;
    }
    return lo < sorted.length ? (sorted[lo] as number) : this.size - 20;
  }

  read(at: number, length: number): Buffer {
    return readAt(packFd(this.file, this.ino), at, Math.min(length, this.size - at));
  }

  entry(offset: number): Entry {
    const head = this.read(offset, WINDOW);
    let p = 0;
    const byte = () => {
      if (p >= head.length) throw new Error(`pack entry at ${offset} of ${this.file} is cut short`);
      return head[p++] as number;
    };
    let c = byte();
    const kind = (c >> 4) & 7;
    let size = c & 0x0f;
    for (let shift = 4; c & 0x80; shift += 7) {
      c = byte();
      size += (c & 0x7f) * 2 ** shift;
    }
    const entry: Entry = { offset, kind, size, dataAt: 0, window: head };
    if (kind === OFS_DELTA) {
      c = byte();
      let back = c & 0x7f;
      while (c & 0x80) {
        c = byte();
        back = (back + 1) * 128 + (c & 0x7f);
      }
      entry.baseOffset = offset - back;
    } else if (kind === REF_DELTA) {
      if (p + 20 > head.length) throw new Error(`pack entry at ${offset} is cut short`);
      entry.baseOid = head.toString('hex', p, p + 20);
      p += 20;
    }
    entry.dataAt = offset + p;
    entry.window = head.subarray(p);
    return entry;
  }

  /** The entry's data inflated: exactly its stated size, checked by the caller first. */
  inflate(entry: Entry): Buffer {
    let need = deflatedBound(entry.size);
    // A large object may be stored in a few bytes: read no further than its entry.
    if (need > 1024 * 1024) need = Math.min(need, this.entryEnd(entry.offset) - entry.dataAt);
    const input = entry.window.length >= need ? entry.window : this.read(entry.dataAt, need);
    return inflateExact(input, entry.size, () => `pack entry at ${entry.offset} of ${this.file}`);
  }

  /** The first bytes of the entry's data inflated, without inflating the rest. */
  inflateStart(entry: Entry, want: number): Buffer {
    return inflateStart(
      (length) =>
        entry.window.length >= length
          ? entry.window.subarray(0, length)
          : this.read(entry.dataAt, length),
      want,
    );
  }
}

/** A delta's header: the size of the base it applies to and of what it rebuilds. */
function deltaSizes(delta: Buffer): { base: number; result: number; at: number } {
  let p = 0;
  const varint = () => {
    let value = 0;
    let shift = 0;
    let c;
    do {
      if (p >= delta.length) throw new Error('delta header is cut short');
      c = delta[p++] as number;
      value += (c & 0x7f) * 2 ** shift;
      shift += 7;
    } while (c & 0x80);
    return value;
  };
  const base = varint();
  const result = varint();
  return { base, result, at: p };
}

function applyDelta(base: Buffer, delta: Buffer): Buffer {
  const sizes = deltaSizes(delta);
  if (sizes.base !== base.length) throw new Error('delta does not fit its base');
  let p = sizes.at;
  const out = Buffer.allocUnsafe(sizes.result);
  let o = 0;
  while (p < delta.length) {
    const op = delta[p++] as number;
    if (op & 0x80) {
      let offset = 0;
      let size = 0;
      for (let bit = 0; bit < 4; bit++) {
        if (op & (1 << bit)) offset += (delta[p++] as number) * 2 ** (8 * bit);
      }
      for (let bit = 0; bit < 3; bit++) {
        if (op & (0x10 << bit)) size += (delta[p++] as number) * 2 ** (8 * bit);
      }
      if (size === 0) size = 0x10000;
      if (offset + size > base.length || o + size > out.length) throw new Error('bad delta copy');
      o += base.copy(out, o, offset, offset + size);
    } else if (op > 0) {
      if (o + op > out.length || p + op > delta.length) throw new Error('bad delta insert');
      o += delta.copy(out, o, p, p + op);
      p += op;
    } else {
      throw new Error('bad delta opcode');
    }
  }
  if (o !== out.length) throw new Error('delta result has the wrong size');
  return out;
}

function objectDirs(objects: string, depth = 0): string[] {
  const dirs = [objects];
  if (depth > 4) return dirs;
  let text: string;
  try {
    text = readRegular(join(objects, 'info', 'alternates')).toString('utf8');
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

/** The header of a loose object ("blob 12\0"), from the first bytes of its file. */
function looseHeader(oid: string, fd: number): ObjectHeader & { length: number } {
  const start = inflateStart((length) => readAt(fd, 0, length), 32);
  const space = start.indexOf(0x20);
  const nul = space === -1 ? -1 : start.indexOf(0, space);
  const type = start.toString('latin1', 0, Math.max(0, space)) as ObjectType;
  const size = nul === -1 ? NaN : Number(start.toString('latin1', space + 1, nul));
  if (!TYPES.includes(type) || !Number.isSafeInteger(size) || size < 0) {
    throw new Error(`loose object ${oid} is corrupt`);
  }
  return { type, size, length: nul + 1 };
}

/** A chain of deltas to apply, from the object asked for down to a base already known. */
interface Link {
  oid: string;
  pack: Pack;
  entry: Entry;
}

export class ObjectStore {
  private readonly dirs: string[];
  private readonly packs: Pack[] = [];
  private readonly cache = new Map<string, StoredObject>();
  private cached = 0;

  /** The objects of `gitdir` as they are now: packs added later are not seen. */
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
        const packFile = join(dir, 'pack', name.slice(0, -4) + '.pack');
        try {
          this.packs.push(new Pack(packFile, readRegular(join(dir, 'pack', name))));
        } catch {
          // An index whose pack is gone (or not yet renamed in), or removed by a concurrent
          // `git gc`: it answers for nothing, its objects are in another pack.
        }
      }
    }
  }

  private readonly loose = new Map<string, Set<string>>();

  /** Names of the loose objects in one fan-out folder, listed once. */
  private looseIn(dir: string, prefix: string): Set<string> {
    const key = join(dir, prefix);
    let names = this.loose.get(key);
    if (!names) {
      try {
        names = new Set(readdirSync(key));
      } catch {
        names = new Set();
      }
      this.loose.set(key, names);
    }
    return names;
  }

  private looseFile(oid: string): string | undefined {
    const prefix = oid.slice(0, 2);
    const rest = oid.slice(2);
    const dir = this.dirs.find((d) => this.looseIn(d, prefix).has(rest));
    return dir === undefined ? undefined : join(dir, prefix, rest);
  }

  private packed(oid: string): { pack: Pack; offset: number } | undefined {
    const name = Buffer.from(oid, 'hex');
    for (const pack of this.packs) {
      const i = pack.find(name);
      if (i !== -1) return { pack, offset: pack.offsetAt(i) };
    }
    return undefined;
  }

  has(oid: string): boolean {
    return this.packed(oid) !== undefined || this.looseFile(oid) !== undefined;
  }

  /**
   * The object, or undefined when the store does not have it. Throws ObjectTooLargeError,
   * having inflated nothing, when it (or a delta base it is rebuilt from) is over `limit`
   * bytes; throws on corruption.
   */
  read(oid: string, limit = MAX_OBJECT_BYTES): StoredObject | undefined {
    const hit = this.cache.get(oid);
    if (hit) {
      if (hit.content.length > limit) {
        throw new ObjectTooLargeError(oid, hit.type, hit.content.length, limit);
      }
      return hit;
    }
    const at = this.packed(oid);
    if (at) return this.readPacked({ oid, pack: at.pack, entry: at.pack.entry(at.offset) }, limit);
    const file = this.looseFile(oid);
    return file === undefined ? undefined : this.readLoose(oid, file, limit);
  }

  /** The object's type and size from its header alone, or undefined when it is not here. */
  header(oid: string): ObjectHeader | undefined {
    const hit = this.cache.get(oid);
    if (hit) return { type: hit.type, size: hit.content.length };
    const at = this.packed(oid);
    if (at) {
      const entry = at.pack.entry(at.offset);
      return { type: this.packedType(oid, at.pack, entry), size: this.resultSize(at.pack, entry) };
    }
    const file = this.looseFile(oid);
    if (file === undefined) return undefined;
    const fd = openRegular(file);
    try {
      const { type, size } = looseHeader(oid, fd);
      return { type, size };
    } finally {
      closeSync(fd);
    }
  }

  /** How the object is stored, to be copied as it is; undefined when it is not here. */
  stored(oid: string): StoredForm | undefined {
    const at = this.packed(oid);
    if (at) {
      const { pack } = at;
      const entry = pack.entry(at.offset);
      const form: StoredForm = {
        kind: 'packed',
        type: this.packedType(oid, pack, entry),
        file: pack.file,
        start: entry.dataAt,
        length: pack.entryEnd(entry.offset) - entry.dataAt,
        size: entry.size,
      };
      const base = this.baseOf(oid, pack, entry);
      return base === undefined ? form : { ...form, base };
    }
    const file = this.looseFile(oid);
    if (file === undefined) return undefined;
    const header = this.header(oid) as ObjectHeader;
    return { kind: 'loose', type: header.type, size: header.size, file };
  }

  private baseOf(oid: string, pack: Pack, entry: Entry): string | undefined {
    if (entry.baseOid !== undefined) return entry.baseOid;
    if (entry.baseOffset === undefined) return undefined;
    const base = pack.nameAtOffset(entry.baseOffset);
    if (base === undefined) throw new Error(`pack entry of ${oid} has no base`);
    return base;
  }

  /** What the entry stands for: its own size, or what its delta rebuilds. */
  private resultSize(pack: Pack, entry: Entry): number {
    if (entry.kind !== OFS_DELTA && entry.kind !== REF_DELTA) return entry.size;
    return deltaSizes(pack.inflateStart(entry, 20)).result;
  }

  /** The type of a packed object: a delta's is its chain's last base's, read by headers. */
  private packedType(oid: string, pack: Pack, entry: Entry): ObjectType {
    let at = { oid, pack, entry };
    for (let depth = 0; depth <= MAX_DELTA_CHAIN; depth++) {
      const type = TYPES[at.entry.kind];
      if (type) return type;
      const base = this.baseOf(at.oid, at.pack, at.entry) as string;
      const hit = this.cache.get(base);
      if (hit) return hit.type;
      const next = this.packed(base);
      if (!next) {
        const header = this.header(base);
        if (!header) throw new Error(`delta base ${base} is missing`);
        return header.type;
      }
      at = { oid: base, pack: next.pack, entry: next.pack.entry(next.offset) };
    }
    throw new Error(`${oid} is rebuilt from a chain of over ${MAX_DELTA_CHAIN} deltas`);
  }

  private remember(oid: string, object: StoredObject): StoredObject {
    this.cache.set(oid, object);
    this.cached += object.content.length;
    while (this.cached > CACHE_BYTES) {
      const [key, value] = this.cache.entries().next().value as [string, StoredObject];
      this.cache.delete(key);
      this.cached -= value.content.length;
    }
    return object;
  }

  /**
   * A packed object, its delta chain followed down (by headers) to a whole object or one
   * already read, then rebuilt upwards; every size is checked before anything is inflated.
   */
  private readPacked(first: Link, limit: number): StoredObject {
    const chain: Link[] = [];
    let link = first;
    let base: StoredObject | undefined;
    for (;;) {
      const { oid, pack, entry } = link;
      const type = TYPES[entry.kind];
      if (type) {
        if (entry.size > limit) throw new ObjectTooLargeError(oid, type, entry.size, limit);
        base = this.remember(oid, { type, content: pack.inflate(entry) });
        break;
      }
      if (entry.kind !== OFS_DELTA && entry.kind !== REF_DELTA) {
        throw new Error(
          `pack entry at ${entry.offset} of ${pack.file} has unknown type ${entry.kind}`,
        );
      }
      const result = this.resultSize(pack, entry);
      if (result > limit) {
        throw new ObjectTooLargeError(oid, this.packedType(oid, pack, entry), result, limit);
      }
      // git writes a delta only when it is smaller than what it rebuilds.
      if (entry.size > limit) {
        throw new Error(`the delta of ${oid} is ${entry.size} bytes, over the ${limit}-byte limit`);
      }
      chain.push(link);
      if (chain.length > MAX_DELTA_CHAIN) {
        throw new Error(`${first.oid} is rebuilt from a chain of over ${MAX_DELTA_CHAIN} deltas`);
      }
      const baseOid = this.baseOf(oid, pack, entry) as string;
      const hit = this.cache.get(baseOid);
      if (hit) {
        if (hit.content.length > limit) {
          throw new ObjectTooLargeError(baseOid, hit.type, hit.content.length, limit);
        }
        base = hit;
        break;
      }
      const next = this.packed(baseOid);
      if (!next) {
        const file = this.looseFile(baseOid);
        if (file === undefined) throw new Error(`delta base ${baseOid} is missing`);
        base = this.readLoose(baseOid, file, limit);
        break;
      }
      link = { oid: baseOid, pack: next.pack, entry: next.pack.entry(next.offset) };
    }
    for (let i = chain.length - 1; i >= 0; i--) {
      const { oid, pack, entry } = chain[i] as Link;
      base = this.remember(oid, {
        type: base.type,
        content: applyDelta(base.content, pack.inflate(entry)),
      });
    }
    return base;
  }

  private readLoose(oid: string, file: string, limit: number): StoredObject {
    const fd = openRegular(file);
    try {
      const header = looseHeader(oid, fd);
      if (header.size > limit) throw new ObjectTooLargeError(oid, header.type, header.size, limit);
      const total = header.length + header.size;
      const raw = inflateExact(
        readAt(fd, 0, deflatedBound(total)),
        total,
        () => `loose ${header.type} ${oid}`,
        header.length,
      );
      return { type: header.type, content: raw.subarray(header.length) };
    } finally {
      closeSync(fd);
    }
  }
}
