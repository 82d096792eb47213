/**
 * Writing objects into a repository as one pack and its index, the way `git index-pack`
 * leaves them: written beside the store, flushed, then renamed in (pack first, index
 * last), so that git never sees a pack without its index or a half-written one.
 */
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, open, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { crc32, deflateSync } from 'node:zlib';

export type ObjectType = 'commit' | 'tree' | 'blob' | 'tag';

export interface RawObject {
  oid: string;
  type: ObjectType;
  /** The object's content, without git's "type size\0" header. */
  content: Uint8Array;
  /** The content deflated, when the source had it so: copied instead of compressed again. */
  deflated?: Uint8Array;
  /** How the source stored it: as this delta against `base`, reused when base comes too. */
  delta?: { base: string; data: Uint8Array; deflated?: Uint8Array };
}

const TYPE_CODE: Record<ObjectType, number> = { commit: 1, tree: 2, blob: 3, tag: 4 };

const OFS_DELTA = 6;

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

interface Built {
  pack: Uint8Array[];
  checksum: Buffer;
  index: Buffer;
}

function build(objects: RawObject[]): Built {
  const header = Buffer.alloc(12);
  header.write('PACK', 0, 'latin1');
  header.writeUInt32BE(2, 4);
  header.writeUInt32BE(objects.length, 8);
  const pack: Uint8Array[] = [header];
  const hash = createHash('sha1').update(header);
  const entries: IndexEntry[] = [];
  let offset = header.length;
  const offsets = new Map<string, number>();
  const add = (object: RawObject, base: number | undefined) => {
    const head =
      base === undefined
        ? entryHeader(TYPE_CODE[object.type], object.content.length)
        : Buffer.concat([
            entryHeader(OFS_DELTA, (object.delta as { data: Uint8Array }).data.length),
            backOffset(offset - base),
          ]);
    const whole = base === undefined;
    const delta = object.delta as NonNullable<RawObject['delta']>;
    // Level 1: small text objects and deltas; git's default level buys little here.
    const body =
      (whole ? object.deflated : delta.deflated) ??
      deflateSync(whole ? object.content : delta.data, { level: 1 });
    entries.push({ oid: object.oid, crc: crc32(body, crc32(head)), offset });
    offsets.set(object.oid, offset);
    pack.push(head, body);
    hash.update(head).update(body);
    offset += head.length + body.length;
  };
  // Whole objects first; then deltas whose base is already written, as the source stored
  // them (git's own delta choices, so the pack stays as small as the peer's).
  const coming = new Set(objects.map((o) => o.oid));
  let deltas: RawObject[] = [];
  for (const object of objects) {
    if (object.delta && coming.has(object.delta.base)) deltas.push(object);
    else add(object, undefined);
  }
  while (deltas.length > 0) {
    const waiting: RawObject[] = [];
    for (const object of deltas) {
      const base = offsets.get((object.delta as { base: string }).base);
      if (base === undefined) waiting.push(object);
      else add(object, base);
    }
    if (waiting.length === deltas.length) {
      for (const object of waiting) add(object, undefined); // a cycle cannot be: be safe
      break;
    }
    deltas = waiting;
  }
  const checksum = hash.digest();
  pack.push(checksum);
  return { pack, checksum, index: buildIndex(entries, checksum) };
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

async function writeSynced(path: string, chunks: Uint8Array[]): Promise<void> {
  const handle = await open(path, 'wx');
  try {
    await handle.writev(chunks);
    await handle.sync();
  } finally {
    await handle.close();
  }
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

/**
 * Writes the objects as one pack into `gitdir`, staging the files in `scratch` (a folder
 * on the same file system). Returns the new pack's name, or undefined when nothing new
 * was written.
 */
export async function installPack(
  gitdir: string,
  scratch: string,
  objects: RawObject[],
): Promise<string | undefined> {
  if (objects.length === 0) return undefined;
  const { pack, checksum, index } = build(objects);
  const name = `pack-${checksum.toString('hex')}`;
  const tmpPack = join(scratch, `${name}.pack`);
  const tmpIdx = join(scratch, `${name}.idx`);
  await writeSynced(tmpPack, pack);
  await writeSynced(tmpIdx, [index]);
  return (await movePackIn(gitdir, name, tmpPack, tmpIdx)) ? name : undefined;
}

/** Removes a pack installed by installPack (index first, so it is never half-visible). */
export async function removePack(gitdir: string, name: string): Promise<void> {
  await rm(join(gitdir, 'objects', 'pack', `${name}.idx`), { force: true });
  await rm(join(gitdir, 'objects', 'pack', `${name}.pack`), { force: true });
}
