/**
 * Checking a pack a peer's HTTP server sent before isomorphic-git indexes it. isomorphic-git
 * inflates every object of a pack whole, in memory, to name it: a blob of hundreds of
 * megabytes, or a few kilobytes that inflate to gigabytes, would take as much memory. So
 * the upload-pack response is demultiplexed as isomorphic-git does it (pkt-lines, side
 * band 1 is the pack) and every entry is measured by its header first, then inflated
 * with that size as the most it may hold, one at a time; a delta's result size is read
 * from its own first bytes. The pack's checksum is checked too, which isomorphic-git skips.
 */
import { createHash } from 'node:crypto';
import { constants, inflateSync } from 'node:zlib';
import { bytes, MAX_HTTP_PACK_OBJECTS, MAX_OBJECT_BYTES } from './limits.js';

const TYPES = ['', 'commit', 'tree', 'blob', 'tag', '', 'ofs-delta', 'ref-delta'];
const OFS_DELTA = 6;
const REF_DELTA = 7;

/** A pack refused: the one line says why; `tooLarge` when it is sound but over a limit. */
export class PackRefusedError extends Error {
  constructor(
    message: string,
    readonly tooLarge = false,
  ) {
    super(message);
  }
}

/** zlib ran out of input: the entry's data has not all come yet. */
class NeedMore extends Error {}

/**
 * The pack data of an upload-pack response as it arrives: side band 1 of its pkt-lines,
 * read as isomorphic-git reads them (it stops at the first thing that is not a pkt-line,
 * and a side band 3 message is the server's error, which isomorphic-git reports).
 */
export class SideBand {
  private carry = Buffer.alloc(0);
  private stopped = false;
  /** Whether any pack data came. */
  sawPack = false;

  constructor(private readonly onPack: (data: Buffer) => void) {}

  push(chunk: Buffer): void {
    if (this.stopped) return;
    const buf = this.carry.length === 0 ? chunk : Buffer.concat([this.carry, chunk]);
    let at = 0;
    while (at + 4 <= buf.length) {
      const hex = buf.toString('latin1', at, at + 4);
      if (!/^[0-9a-fA-F]{4}$/.test(hex)) {
        this.stopped = true;
        return;
      }
      const length = Number.parseInt(hex, 16);
      if (length < 4) {
        at += 4;
        continue;
      }
      if (at + length > buf.length) break;
      const band = buf[at + 4];
      if (band === 1) {
        this.sawPack = true;
        this.onPack(buf.subarray(at + 5, at + length));
      } else if (band === 3) {
        this.stopped = true;
        return;
      }
      at += length;
    }
    this.carry = Buffer.from(buf.subarray(at));
  }

  /** Whether the response was read as isomorphic-git will read it, to its end. */
  get complete(): boolean {
    return !this.stopped;
  }
}

function varintAt(pack: Buffer, at: number): { value: number; at: number } {
  let c = pack[at++];
  if (c === undefined) throw new PackRefusedError('the pack is cut short');
  let value = c & 0x7f;
  for (let shift = 7; c & 0x80; shift += 7) {
    c = pack[at++];
    if (c === undefined) throw new PackRefusedError('the pack is cut short');
    value += (c & 0x7f) * 2 ** shift;
  }
  return { value, at };
}

/**
 * Inflates one entry's data: at most `size` bytes; returns how many input bytes it took,
 * or throws NeedMore when its data has not all come (unless `final`).
 */
function inflateEntry(
  pack: Buffer,
  at: number,
  size: number,
  what: string,
  final: boolean,
): number {
  try {
    const { buffer, engine } = inflateSync(pack.subarray(at), {
      info: true,
      maxOutputLength: Math.max(1, size),
      chunkSize: Math.max(64, Math.min(size + 16, 16 * 1024 * 1024)),
    }) as unknown as { buffer: Buffer; engine: { bytesWritten: number } };
    if (buffer.length !== size) {
      throw new PackRefusedError(
        `${what} inflates to ${buffer.length} bytes, not the ${size} its header states`,
      );
    }
    return engine.bytesWritten;
  } catch (err) {
    if (err instanceof PackRefusedError) throw err;
    if ((err as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE') {
      throw new PackRefusedError(
        `${what} inflates to more than the ${size} bytes its header states`,
      );
    }
    if ((err as NodeJS.ErrnoException).code === 'Z_BUF_ERROR') {
      // Its data ran out before its deflate stream ended: more must come, or none will.
      if (!final) throw new NeedMore();
      throw new PackRefusedError('the pack is cut short');
    }
    throw new PackRefusedError(`${what} is corrupt (${(err as Error).message})`);
  }
}

/**
 * The size a delta rebuilds, from the first bytes of its data: 4 KiB of input at most,
 * which deflate cannot turn into more than a few megabytes.
 */
function deltaResult(pack: Buffer, at: number, what: string, final: boolean): number {
  let head: Buffer;
  try {
    head = inflateSync(pack.subarray(at, at + 4096), { finishFlush: constants.Z_SYNC_FLUSH });
  } catch (err) {
    throw new PackRefusedError(`${what} is corrupt (${(err as Error).message})`);
  }
  try {
    const base = varintAt(head, 0);
    return varintAt(head, base.at).value;
  } catch (err) {
    // Too few bytes inflated: more must come, unless the pack has all come.
    if (!final && pack.length - at < 4096) throw new NeedMore();
    throw err;
  }
}

const TOO_LARGE_FIX =
  'fetch this peer over ssh or a path on this machine, where git or our own reader copies it without holding it in memory';

/**
 * Checks a pack as it arrives, entry by entry: each one measured by its header before it
 * is inflated (so a refusal comes as soon as an oversized header does, long before the
 * object's data), inflated with that size as the most it may hold, one at a time. Only the
 * bytes of the entry being checked are kept. Throws PackRefusedError when the pack holds
 * an object over `limit` bytes (by its header, or a delta's result), an entry that
 * inflates to other than its header states, more than MAX_HTTP_PACK_OBJECTS objects, or
 * does not end with its checksum.
 */
export class PackScanner {
  private parts: Buffer[] = [];
  private pending = 0;
  /** Do not try again before this many bytes are pending: retries cost linear time in all. */
  private nextTry = 0;
  /** Offset in the pack of the first pending byte. */
  private base = 0;
  private readonly hash = createHash('sha1');
  private left: number | undefined;
  private done = false;

  constructor(private readonly limit = MAX_OBJECT_BYTES) {}

  push(data: Buffer): void {
    if (this.done && data.length > 0)
      throw new PackRefusedError('the server sent more after the pack');
    this.parts.push(data);
    this.pending += data.length;
    if (this.pending >= this.nextTry) this.advance(false);
  }

  /** The pack has all come: throws unless it was whole and sound. */
  end(): void {
    this.advance(true);
    if (!this.done) throw new PackRefusedError('the pack is cut short');
    if (this.pending > 0) throw new PackRefusedError('the server sent more after the pack');
  }

  private advance(final: boolean): void {
    let buf = this.parts.length === 1 ? (this.parts[0] as Buffer) : Buffer.concat(this.parts);
    let at = 0;
    const consume = (to: number) => {
      this.hash.update(buf.subarray(at, to));
      at = to;
    };
    try {
      while (!this.done) {
        if (this.left === undefined) {
          if (buf.length < 12) throw new NeedMore();
          this.left = this.packHeader(buf);
          consume(12);
        } else if (this.left > 0) {
          consume(this.entry(buf, at, final));
          this.left -= 1;
        } else {
          if (buf.length - at < 20) throw new NeedMore();
          if (buf.length - at > 20 && final) {
            throw new PackRefusedError('the server sent more after the pack');
          }
          if (!this.hash.digest().equals(buf.subarray(at, at + 20))) {
            throw new PackRefusedError('the pack does not end with its checksum');
          }
          at += 20;
          this.done = true;
        }
      }
    } catch (err) {
      if (!(err instanceof NeedMore)) throw err;
      if (final) throw new PackRefusedError('the pack is cut short');
    }
    this.base += at;
    buf = buf.subarray(at);
    this.parts = buf.length === 0 ? [] : [buf];
    this.pending = buf.length;
    this.nextTry = Math.max(2 * buf.length, buf.length + 64 * 1024);
  }

  private packHeader(buf: Buffer): number {
    if (buf.toString('latin1', 0, 4) !== 'PACK')
      throw new PackRefusedError('the server sent no pack');
    const version = buf.readUInt32BE(4);
    if (version !== 2 && version !== 3)
      throw new PackRefusedError(`pack version ${version} is unknown`);
    const count = buf.readUInt32BE(8);
    if (count > MAX_HTTP_PACK_OBJECTS) {
      throw new PackRefusedError(
        `the pack holds ${count} objects, over the ${MAX_HTTP_PACK_OBJECTS} a fetch over http takes; ${TOO_LARGE_FIX}`,
        true,
      );
    }
    return count;
  }

  /** Checks the entry at `start` of `buf`; returns where it ends, or throws NeedMore. */
  private entry(buf: Buffer, start: number, final: boolean): number {
    const offset = this.base + start;
    let at = start;
    const byte = () => {
      const c = buf[at++];
      if (c === undefined) throw new NeedMore();
      return c;
    };
    let c = byte();
    const kind = (c >> 4) & 7;
    let size = c & 0x0f;
    for (let shift = 4; c & 0x80; shift += 7) {
      c = byte();
      size += (c & 0x7f) * 2 ** shift;
    }
    const type = TYPES[kind];
    if (!type) throw new PackRefusedError(`the pack's entry at ${offset} has unknown type ${kind}`);
    if (kind === OFS_DELTA) while (byte() & 0x80);
    else if (kind === REF_DELTA) for (let i = 0; i < 20; i++) byte();
    const what = `the pack's ${type} at ${offset}`;
    const tooLarge = (n: number) =>
      new PackRefusedError(
        `${what} is ${bytes(n)}, over the ${bytes(this.limit)} limit of an object fetched over http; ${TOO_LARGE_FIX}`,
        true,
      );
    if (size > this.limit) throw tooLarge(size);
    if (kind === OFS_DELTA || kind === REF_DELTA) {
      const result = deltaResult(buf, at, what, final);
      if (result > this.limit) throw tooLarge(result);
    }
    return at + inflateEntry(buf, at, size, what, final);
  }
}
