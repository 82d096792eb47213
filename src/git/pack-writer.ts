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
}

const TYPE_CODE: Record<ObjectType, number> = { commit: 1, tree: 2, blob: 3, tag: 4 };

function entryHeader(type: ObjectType, size: number): Buffer {
  const bytes: number[] = [];
  let byte = (TYPE_CODE[type] << 4) | (size & 0x0f);
  let rest = Math.floor(size / 16);
  while (rest > 0) {
    bytes.push(byte | 0x80);
    byte = rest & 0x7f;
    rest = Math.floor(rest / 128);
  }
  bytes.push(byte);
  return Buffer.from(bytes);
}

interface Built {
  pack: Buffer[];
  checksum: Buffer;
  index: Buffer;
}

function build(objects: RawObject[]): Built {
  const header = Buffer.alloc(12);
  header.write('PACK', 0, 'latin1');
  header.writeUInt32BE(2, 4);
  header.writeUInt32BE(objects.length, 8);
  const pack: Buffer[] = [header];
  const hash = createHash('sha1').update(header);
  const entries: { name: Buffer; crc: number; offset: number }[] = [];
  let offset = header.length;
  for (const object of objects) {
    const head = entryHeader(object.type, object.content.length);
    // Level 1: these are small text objects; git's default level buys little here.
    const body = deflateSync(object.content, { level: 1 });
    entries.push({ name: Buffer.from(object.oid, 'hex'), crc: crc32(body, crc32(head)), offset });
    pack.push(head, body);
    hash.update(head).update(body);
    offset += head.length + body.length;
  }
  const checksum = hash.digest();
  pack.push(checksum);
  return { pack, checksum, index: buildIndex(entries, checksum) };
}

/** A version 2 pack index: fan-out, sorted names, CRCs, offsets, checksums. */
function buildIndex(
  entries: { name: Buffer; crc: number; offset: number }[],
  packChecksum: Buffer,
): Buffer {
  entries.sort((a, b) => a.name.compare(b.name));
  const n = entries.length;
  const large = entries.filter((e) => e.offset >= 0x80000000);
  const out = Buffer.alloc(8 + 1024 + n * 28 + large.length * 8 + 40);
  out.writeUInt32BE(0xff744f63, 0);
  out.writeUInt32BE(2, 4);
  const counts = new Array<number>(256).fill(0);
  for (const e of entries) counts[e.name[0] as number]! += 1;
  let total = 0;
  for (let i = 0; i < 256; i++) {
    total += counts[i] as number;
    out.writeUInt32BE(total, 8 + 4 * i);
  }
  let at = 8 + 1024;
  for (const e of entries) at += e.name.copy(out, at);
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

async function writeSynced(path: string, chunks: Buffer[]): Promise<void> {
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
