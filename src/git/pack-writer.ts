/**
 * Writing objects into a repository as one pack and its index, the way `git index-pack`
 * leaves them: written beside the store, flushed, then renamed in (pack first, index
 * last), so that git never sees a pack without its index or a half-written one.
 */
import { createHash, type Hash } from 'node:crypto';
import {
  closeSync,
  createReadStream,
  existsSync,
  fsyncSync,
  openSync,
  readSync,
  writeSync,
} from 'node:fs';
import { mkdir, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { crc32, createDeflate, createInflate, deflateSync, inflateSync } from 'node:zlib';

export type ObjectType = 'commit' | 'tree' | 'blob' | 'tag';

/** How a source store holds an object, to be copied from it without reading it whole. */
export type StoredForm =
  | {
      kind: 'packed';
      type: ObjectType;
      /** The entry's deflated data: `length` bytes at `start` in the pack `file`. */
      file: string;
      start: number;
      length: number;
      /** What the data inflates to: the object, or the delta when `base` is set. */
      size: number;
      base?: string;
    }
  | {
      /** A loose object's file: zlib of "type size\0" and the content, `size` bytes. */
      kind: 'loose';
      type: ObjectType;
      file: string;
      size: number;
    };

/** One object to write: copied as a source store holds it, or deflated from its content. */
export interface PackEntry {
  oid: string;
  type: ObjectType;
  stored?: StoredForm;
  /** The content, for an object with no stored form, or whose delta base does not come. */
  content?: Uint8Array;
}

const TYPE_CODE: Record<ObjectType, number> = { commit: 1, tree: 2, blob: 3, tag: 4 };

const OFS_DELTA = 6;
const COPY_CHUNK = 1024 * 1024;
/** Output chunk of a streamed inflate: zlib's 16 KiB default costs a call per 16 KiB. */
const INFLATE_CHUNK = 256 * 1024;

function entryHeader(code: number, size: number): Buffer {
  const bytes: number[] = [];
  let byte = (code << 4) | (size & 0x0f);
  let rest = Math.floor(size / 16);
  while (rest > 0) {
    bytes.push(byte | 0x80);
    byte = rest & 0x7f;
    rest = Math.floor(rest / 128);
  }
  bytes.push(byte);
  return Buffer.from(bytes);
}

/** git's encoding of how far back an OFS_DELTA's base starts. */
function backOffset(distance: number): Buffer {
  const bytes = [distance & 0x7f];
  let rest = Math.floor(distance / 128);
  while (rest > 0) {
    rest -= 1;
    bytes.unshift(0x80 | (rest & 0x7f));
    rest = Math.floor(rest / 128);
  }
  return Buffer.from(bytes);
}

interface IndexEntry {
  oid: string;
  crc: number;
  offset: number;
}

/** Reads exactly `length` bytes at `at`; a file that ends sooner is cut short. */
function readChunk(fd: number, at: number, length: number, file: string): Buffer {
  const chunk = Buffer.allocUnsafe(length);
  for (let done = 0; done < length;) {
    const n = readSync(fd, chunk, done, length - done, at + done);
    if (n === 0) throw new Error(`${file} ends before its entry at ${at} does`);
    done += n;
  }
  return chunk;
}

function corrupt(what: string, err: unknown): Error {
  return new Error(`${what} is corrupt (${(err as Error).message})`, { cause: err });
}

/** Inflates at most `size` bytes (one more shows a lying header); never a bomb's worth. */
function inflateChecked(input: Buffer, size: number, what: string): Buffer {
  try {
    return inflateSync(input, { maxOutputLength: size + 1, chunkSize: Math.max(64, size + 16) });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE') {
      throw new Error(`${what} inflates to more than the ${size} bytes its header states`, {
        cause: err,
      });
    }
    throw corrupt(what, err);
  }
}

/**
 * What an object copied from another store inflates to, checked as it comes: no more than
 * the size its header states, exactly that in the end, and (for a whole object, given its
 * type and name) the SHA-1 git names it by.
 */
class ContentCheck {
  private seen = 0;
  private readonly hash: Hash | undefined;

  constructor(
    private readonly what: string,
    private readonly size: number,
    type?: ObjectType,
    private readonly oid?: string,
  ) {
    this.hash = type && oid ? createHash('sha1').update(`${type} ${size}\0`) : undefined;
  }

  add(chunk: Buffer): void {
    this.seen += chunk.length;
    if (this.seen > this.size) {
      throw new Error(
        `${this.what} inflates to more than the ${this.size} bytes its header states`,
      );
    }
    this.hash?.update(chunk);
  }

  end(): void {
    if (this.seen !== this.size) {
      throw new Error(
        `${this.what} inflates to ${this.seen} bytes, not the ${this.size} its header states`,
      );
    }
    if (this.hash && this.hash.digest('hex') !== this.oid) {
      throw new Error(`${this.what} does not hash to its name`);
    }
  }
}

/**
 * A pack being written to a file: buffered, hashed as it goes, and each entry's CRC kept
 * for the index. Stored data is copied through a small buffer and a loose object is
 * inflated and deflated again as a stream, so an object of any size costs no more memory
 * than a small one.
 */
class PackFile {
  private readonly hash: Hash = createHash('sha1');
  private pending: Buffer[] = [];
  private pendingBytes = 0;
  private crc = 0;
  offset = 0;

  constructor(private readonly fd: number) {}

  write(bytes: Uint8Array): void {
    this.hash.update(bytes);
    this.crc = crc32(bytes, this.crc);
    this.pending.push(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
    this.pendingBytes += bytes.byteLength;
    this.offset += bytes.byteLength;
    if (this.pendingBytes >= COPY_CHUNK) this.flush();
  }

  /**
   * Copies a packed entry's deflated data as it is, inflating it alongside (nothing of it
   * kept) to check it: a copied object must hold what its header states, and a whole one
   * must hash to its name, as git's index-pack checks what it receives.
   */
  async copy(
    data: Extract<StoredForm, { kind: 'packed' }>,
    oid: string,
    signal?: AbortSignal,
  ): Promise<void> {
    const what = `${data.type} ${oid} in ${data.file}`;
    const check =
      data.base === undefined
        ? new ContentCheck(what, data.size, data.type, oid)
        : new ContentCheck(`the delta of ${what}`, data.size);
    const source = openSync(data.file, 'r');
    try {
      if (data.length <= COPY_CHUNK && data.size <= COPY_CHUNK) {
        const whole = readChunk(source, data.start, data.length, data.file);
        check.add(inflateChecked(whole, data.size, what));
        check.end();
        this.write(whole);
        return;
      }
      // Larger: inflated as a stream beside the copy, so that memory stays small.
      const inflate = createInflate({ chunkSize: INFLATE_CHUNK });
      let failure: Error | undefined;
      const ended = new Promise<void>((resolve, reject) => {
        inflate.on('data', (chunk: Buffer) => {
          try {
            check.add(chunk);
          } catch (err) {
            failure = err as Error;
            inflate.destroy();
            reject(failure);
          }
        });
        inflate.on('end', resolve);
        inflate.on('error', (err) => reject((failure ??= corrupt(what, err))));
      });
      ended.catch(() => undefined); // awaited below; an early failure must not go unhandled
      const abort = () => inflate.destroy(new Error('timed out'));
      signal?.addEventListener('abort', abort, { once: true });
      for (let done = 0; done < data.length && !failure;) {
        signal?.throwIfAborted();
        const length = Math.min(COPY_CHUNK, data.length - done);
        const chunk = readChunk(source, data.start + done, length, data.file);
        this.write(chunk);
        if (!inflate.write(chunk)) {
          await Promise.race([new Promise((r) => inflate.once('drain', r)), ended]);
        }
        done += chunk.length;
      }
      if (!failure) inflate.end();
      await ended.finally(() => signal?.removeEventListener('abort', abort));
      check.end();
    } finally {
      closeSync(source);
    }
  }

  /**
   * A loose object's content deflated again without its header, as a stream; throws when
   * it holds other than the `size` bytes its header states (stopping as soon as it is
   * over), or does not hash to its name.
   */
  async copyLoose(
    data: Extract<StoredForm, { kind: 'loose' }>,
    oid: string,
    signal?: AbortSignal,
  ): Promise<void> {
    const what = `loose ${data.type} ${oid}`;
    const check = new ContentCheck(what, data.size, data.type, oid);
    const inflate = createInflate({ chunkSize: INFLATE_CHUNK });
    // Stored, not compressed again: only objects too large to read whole come this way,
    // and compressing hundreds of megabytes would take minutes of a sync for a blob that
    // is there only to keep the store whole (`git repack -a -d -F` compresses it again).
    const deflate = createDeflate({ level: 0 });
    const source = createReadStream(data.file, { highWaterMark: COPY_CHUNK });
    const stop = (err: Error) => {
      source.destroy();
      inflate.destroy();
      deflate.destroy(err);
    };
    const abort = () => stop(new Error('timed out'));
    signal?.addEventListener('abort', abort, { once: true });
    let header = true;
    source.on('error', stop);
    inflate.on('error', (err) => stop(corrupt(what, err)));
    source.pipe(inflate);
    inflate.on('data', (chunk: Buffer) => {
      let body = chunk;
      if (header) {
        const nul = chunk.indexOf(0);
        if (nul === -1) return stop(new Error(`${what} is corrupt`));
        header = false;
        body = chunk.subarray(nul + 1);
      }
      try {
        check.add(body);
      } catch (err) {
        return stop(err as Error);
      }
      if (!deflate.write(body)) {
        inflate.pause();
        deflate.once('drain', () => inflate.resume());
      }
    });
    inflate.on('end', () => deflate.end());
    try {
      for await (const out of deflate) this.write(out as Buffer);
    } finally {
      signal?.removeEventListener('abort', abort);
    }
    check.end();
  }

  /** Starts an entry: its CRC is of the bytes written from here on. */
  startEntry(): void {
    this.crc = 0;
  }

  get entryCrc(): number {
    return this.crc;
  }

  flush(): void {
    const all = Buffer.concat(this.pending, this.pendingBytes);
    for (let done = 0; done < all.length;) done += writeSync(this.fd, all, done);
    this.pending = [];
    this.pendingBytes = 0;
  }

  finish(): Buffer {
    this.flush();
    const checksum = this.hash.digest();
    for (let done = 0; done < checksum.length;) done += writeSync(this.fd, checksum, done);
    fsyncSync(this.fd);
    return checksum;
  }
}

/** Writes the pack to `path`; returns its checksum and index. */
async function build(
  path: string,
  objects: PackEntry[],
  signal?: AbortSignal,
): Promise<{ checksum: Buffer; index: Buffer }> {
  const fd = openSync(path, 'wx');
  try {
    const pack = new PackFile(fd);
    const header = Buffer.alloc(12);
    header.write('PACK', 0, 'latin1');
    header.writeUInt32BE(2, 4);
    header.writeUInt32BE(objects.length, 8);
    pack.write(header);
    const entries: IndexEntry[] = [];
    const offsets = new Map<string, number>();
    const add = async (object: PackEntry, base: number | undefined) => {
      signal?.throwIfAborted();
      const offset = pack.offset;
      pack.startEntry();
      const stored = object.stored;
      if (base !== undefined && stored?.kind === 'packed') {
        pack.write(Buffer.concat([entryHeader(OFS_DELTA, stored.size), backOffset(offset - base)]));
        await pack.copy(stored, object.oid, signal);
      } else if (stored?.kind === 'packed' && stored.base === undefined) {
        pack.write(entryHeader(TYPE_CODE[object.type], stored.size));
        await pack.copy(stored, object.oid, signal);
      } else if (stored?.kind === 'loose' && object.content === undefined) {
        pack.write(entryHeader(TYPE_CODE[object.type], stored.size));
        await pack.copyLoose(stored, object.oid, signal);
      } else {
        const content = object.content;
        if (!content) throw new Error(`${object.oid} has neither its content nor its delta base`);
        pack.write(entryHeader(TYPE_CODE[object.type], content.length));
        // Level 1: small text objects; git's default level buys little here.
        pack.write(deflateSync(content, { level: 1 }));
      }
      entries.push({ oid: object.oid, crc: pack.entryCrc, offset });
      offsets.set(object.oid, offset);
    };
    // Whole objects first; then deltas whose base is already written, as the source stored
    // them (git's own delta choices, so the pack stays as small as the peer's).
    const coming = new Set(objects.map((o) => o.oid));
    const baseOf = (o: PackEntry) => (o.stored?.kind === 'packed' ? o.stored.base : undefined);
    let deltas: PackEntry[] = [];
    for (const object of objects) {
      const base = baseOf(object);
      if (base !== undefined && coming.has(base)) deltas.push(object);
      else await add(object, undefined);
    }
    while (deltas.length > 0) {
      const waiting: PackEntry[] = [];
      for (const object of deltas) {
        const base = offsets.get(baseOf(object) as string);
        if (base === undefined) waiting.push(object);
        else await add(object, base);
      }
      if (waiting.length === deltas.length) {
        throw new Error(`the deltas of ${waiting[0]?.oid} and others form a cycle`);
      }
      deltas = waiting;
    }
    const checksum = pack.finish();
    return { checksum, index: buildIndex(entries, checksum) };
  } finally {
    closeSync(fd);
  }
}

/** A version 2 pack index: fan-out, sorted names, CRCs, offsets, checksums. */
function buildIndex(entries: IndexEntry[], packChecksum: Buffer): Buffer {
  // Hex order is byte order, and comparing strings is much cheaper than Buffers.
  entries.sort((a, b) => (a.oid < b.oid ? -1 : a.oid > b.oid ? 1 : 0));
  const n = entries.length;
  const large = entries.filter((e) => e.offset >= 0x80000000);
  const out = Buffer.alloc(8 + 1024 + n * 28 + large.length * 8 + 40);
  out.writeUInt32BE(0xff744f63, 0);
  out.writeUInt32BE(2, 4);
  const counts = new Array<number>(256).fill(0);
  for (const e of entries) counts[Number.parseInt(e.oid.slice(0, 2), 16)]! += 1;
  let total = 0;
  for (let i = 0; i < 256; i++) {
    total += counts[i] as number;
    out.writeUInt32BE(total, 8 + 4 * i);
  }
  let at = 8 + 1024;
  for (const e of entries) at += out.write(e.oid, at, 'hex');
  for (const e of entries) at = out.writeUInt32BE(e.crc >>> 0, at);
  let largeAt = 0;
  for (const e of entries) {
    at = out.writeUInt32BE(e.offset < 0x80000000 ? e.offset : 0x80000000 | largeAt++, at);
  }
  for (const e of large) at = out.writeBigUInt64BE(BigInt(e.offset), at);
  at += packChecksum.copy(out, at);
  createHash('sha1').update(out.subarray(0, at)).digest().copy(out, at);
  return out;
}

/**
 * Moves a written pack and its index into `gitdir`'s store: the pack first, the index
 * last, since git reads a pack only through its index. Returns false when the very same
 * pack was already there, which must then never be removed as ours.
 */
export async function movePackIn(
  gitdir: string,
  name: string,
  tmpPack: string,
  tmpIdx: string,
): Promise<boolean> {
  const dir = join(gitdir, 'objects', 'pack');
  const finalPack = join(dir, `${name}.pack`);
  const finalIdx = join(dir, `${name}.idx`);
  const existed = existsSync(finalPack);
  await mkdir(dir, { recursive: true });
  try {
    await rename(tmpPack, finalPack);
    await rename(tmpIdx, finalIdx);
    return !existed;
  } catch (err) {
    if (!existed) await rm(finalPack, { force: true });
    throw err;
  } finally {
    await rm(tmpPack, { force: true });
    await rm(tmpIdx, { force: true });
  }
}

/** A pack and its index written in a scratch folder, to be moved in by movePackIn. */
export interface StagedPack {
  name: string;
  pack: string;
  idx: string;
}

/**
 * Writes the objects as one pack and its index in `scratch` (a folder on the same file
 * system as the store), flushed; undefined when there are none. Stops at `signal`.
 */
export async function writePack(
  scratch: string,
  objects: PackEntry[],
  signal?: AbortSignal,
): Promise<StagedPack | undefined> {
  if (objects.length === 0) return undefined;
  const staged = join(scratch, `incoming-${process.pid}.pack`);
  const { checksum, index } = await build(staged, objects, signal);
  const name = `pack-${checksum.toString('hex')}`;
  const pack = join(scratch, `${name}.pack`);
  const idx = join(scratch, `${name}.idx`);
  await rename(staged, pack);
  const fd = openSync(idx, 'wx');
  try {
    for (let done = 0; done < index.length;) done += writeSync(fd, index, done);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  return { name, pack, idx };
}

/** Removes a pack moved in by movePackIn (index first, so it is never half-visible). */
export async function removePack(gitdir: string, name: string): Promise<void> {
  await rm(join(gitdir, 'objects', 'pack', `${name}.idx`), { force: true });
  await rm(join(gitdir, 'objects', 'pack', `${name}.pack`), { force: true });
}
