/**
 * The search index file: one file under the git directory holding a JSON header and named
 * sections, read piece by piece so that a query at 100,000 memories reads the few hundred
 * kilobytes its words need rather than the whole index (docs/search.md).
 *
 *   "RMBSRCH1"  u32 LE header length  header JSON  padding  section bytes…
 *
 * Section offsets in the header are relative to the first byte after the header's padding,
 * and every section starts at a multiple of 8 so numeric columns are read in place as typed
 * arrays (in the machine's byte order: the file is a local cache and never travels).
 */
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import type { ErrorCode } from '../ground/errors.js';
import { STAMP_LENGTH, type Stamp } from '../ground/file-stamp.js';
import { FIELDS } from './engine.js';

const MAGIC = 'RMBSRCH1';
/** 2: file stamps and record checksums per row, folder stamps, the files left out. */
export const FORMAT = 2;

/** Numbers per row of the stamps column: the file's stamp, then when it was taken. */
export const STAMP_ROW = STAMP_LENGTH + 1;

/**
 * A file under memories/ that the index leaves out because it does not verify, as it was
 * when judged: while its stamp holds, every answer reports it, as `list` does.
 */
export interface LeftOut {
  /** Relative to .remembrancer/. */
  path: string;
  stamp: Stamp;
  takenAt: number;
  problem: { code: ErrorCode; message: string; file?: string; fix?: string };
}

export interface IndexHeader {
  format: typeof FORMAT;
  /** engine.ts ENGINE: what was indexed and how. */
  engine: string;
  /** When the index was last built from nothing (ms since the epoch). */
  built: number;
  /** Incremental updates since that build. */
  updates: number;
  /** When the memories' folders were looked at for this version (ms). */
  written: number;
  /** Shard folder name (and "." for memories/ itself) → its stamp when it was looked at. */
  dirs: Record<string, Stamp>;
  left: LeftOut[];
  /** Rows in the columns; a row whose id is all zero bytes is free. */
  slots: number;
  /** Memories in the index. */
  live: number;
  /** Per field, the sum of MiniSearch field lengths over the memories in the index. */
  totals: number[];
  /** Interned strings the numeric columns point into. */
  types: string[];
  authors: string[];
  /** Component names; the component column holds index + 1, and 0 for none. */
  components: string[];
  sections: Record<string, [offset: number, length: number]>;
}

/** Bytes per row of each column section. */
export const ID_BYTES = 32;
export const COLUMNS = {
  ids: ID_BYTES,
  lengths: 4 * FIELDS.length,
  type: 2,
  created: 8,
  author: 4,
  component: 4,
  stamps: 8 * STAMP_ROW,
  sums: 4,
} as const;

const align8 = (n: number): number => (n + 7) & ~7;

type Source = { fd: number } | { bytes: Uint8Array };

/** An index file opened for reading; sections are read on first use. */
export class IndexFile {
  private readonly cache = new Map<string, Uint8Array>();

  private constructor(
    readonly header: IndexHeader,
    private source: Source | undefined,
    private readonly dataStart: number,
    private readonly size: number,
  ) {}

  /** The index at `path`, or undefined where there is none or it is damaged or foreign. */
  static open(path: string, engine: string): IndexFile | undefined {
    let fd: number;
    try {
      fd = openSync(path, 'r');
    } catch {
      return undefined;
    }
    try {
      const size = fstatSync(fd).size;
      const head = new Uint8Array(12);
      if (readSync(fd, head, 0, 12, 0) !== 12) throw new Error('short');
      const parsed = parseHead(head, size, (length) => {
        const bytes = new Uint8Array(length);
        if (readSync(fd, bytes, 0, length, 12) !== length) throw new Error('short');
        return bytes;
      });
      if (!parsed || parsed.header.engine !== engine) {
        closeSync(fd);
        return undefined;
      }
      return new IndexFile(parsed.header, { fd }, parsed.dataStart, size);
    } catch {
      closeSync(fd);
      return undefined;
    }
  }

  /** An index held in memory (one just written). */
  static fromBytes(bytes: Uint8Array): IndexFile {
    const parsed = parseHead(bytes, bytes.length, (length) => bytes.subarray(12, 12 + length));
    if (!parsed) throw new Error('index bytes are not an index file');
    return new IndexFile(parsed.header, { bytes }, parsed.dataStart, bytes.length);
  }

  has(name: string): boolean {
    return name in this.header.sections;
  }

  /** A section's bytes, empty where it does not exist. */
  section(name: string): Uint8Array {
    const hit = this.cache.get(name);
    if (hit) return hit;
    const where = this.header.sections[name];
    let bytes: Uint8Array;
    if (!where || where[1] === 0) bytes = new Uint8Array(0);
    else {
      const [offset, length] = where;
      const start = this.dataStart + offset;
      if (start + length > this.size) throw new Error(`index section ${name} is truncated`);
      const source = this.source;
      if (!source) throw new Error('index file is closed');
      if ('bytes' in source) bytes = source.bytes.subarray(start, start + length);
      else {
        // A fresh buffer per section: its own ArrayBuffer at offset 0, so typed views align.
        bytes = new Uint8Array(length);
        let done = 0;
        while (done < length) {
          const n = readSync(source.fd, bytes, done, length - done, start + done);
          if (n === 0) throw new Error(`index section ${name} is truncated`);
          done += n;
        }
      }
    }
    this.cache.set(name, bytes);
    return bytes;
  }

  /** Part of a section, read without reading the rest (a record, a term's postings). */
  slice(name: string, offset: number, length: number): Uint8Array {
    const whole = this.cache.get(name);
    if (whole) return whole.subarray(offset, offset + length);
    const where = this.header.sections[name];
    const source = this.source;
    if (!where || !source || offset + length > where[1]) throw new Error(`bad slice of ${name}`);
    const start = this.dataStart + where[0] + offset;
    if ('bytes' in source) return source.bytes.subarray(start, start + length);
    const bytes = new Uint8Array(length);
    let done = 0;
    while (done < length) {
      const n = readSync(source.fd, bytes, done, length - done, start + done);
      if (n === 0) throw new Error(`index section ${name} is truncated`);
      done += n;
    }
    return bytes;
  }

  close(): void {
    if (this.source && 'fd' in this.source) closeSync(this.source.fd);
    this.source = undefined;
  }
}

function parseHead(
  head: Uint8Array,
  fileSize: number,
  readHeader: (length: number) => Uint8Array,
): { header: IndexHeader; dataStart: number } | undefined {
  if (fileSize < 12 || Buffer.from(head.subarray(0, 8)).toString('latin1') !== MAGIC) {
    return undefined;
  }
  const length = new DataView(head.buffer, head.byteOffset, 12).getUint32(8, true);
  if (12 + length > fileSize) return undefined;
  const header = JSON.parse(Buffer.from(readHeader(length)).toString('utf8')) as IndexHeader;
  if (
    header.format !== FORMAT ||
    typeof header.sections !== 'object' ||
    typeof header.dirs !== 'object' ||
    !Array.isArray(header.left) ||
    !Array.isArray(header.totals) ||
    typeof header.slots !== 'number'
  ) {
    return undefined;
  }
  const dataStart = align8(12 + length);
  // A file cut short (a full disk, a copy stopped half-way) is refused here, not mid-query.
  const fits = Object.values(header.sections).every(
    ([offset, size]) =>
      Number.isInteger(offset) && Number.isInteger(size) && dataStart + offset + size <= fileSize,
  );
  // Columns that disagree with the row count would be read at the wrong places.
  const columns = Object.entries(COLUMNS).every(
    ([name, bytes]) => (header.sections[name]?.[1] ?? 0) === header.slots * bytes,
  );
  const offsets = header.slots === 0 || header.sections['offsets']?.[1] === (header.slots + 1) * 8;
  return fits && columns && offsets ? { header, dataStart } : undefined;
}

/** Lays out a header and its sections as one file's bytes. */
export function encodeIndexFile(
  header: Omit<IndexHeader, 'sections'>,
  sections: Map<string, Uint8Array>,
): Uint8Array {
  const table: Record<string, [number, number]> = {};
  let offset = 0;
  for (const [name, bytes] of sections) {
    table[name] = [offset, bytes.length];
    offset = align8(offset + bytes.length);
  }
  const json = Buffer.from(JSON.stringify({ ...header, sections: table }), 'utf8');
  const dataStart = align8(12 + json.length);
  const out = new Uint8Array(dataStart + offset);
  out.set(Buffer.from(MAGIC, 'latin1'), 0);
  new DataView(out.buffer).setUint32(8, json.length, true);
  out.set(json, 12);
  for (const [name, bytes] of sections)
    out.set(bytes, dataStart + (table[name] as [number, number])[0]);
  return out;
}

/** Typed views of column sections, copying only where the bytes are not aligned. */
export function float64s(bytes: Uint8Array): Float64Array {
  const b = bytes.byteOffset % 8 === 0 ? bytes : bytes.slice();
  return new Float64Array(b.buffer, b.byteOffset, b.byteLength >> 3);
}

export function uint32s(bytes: Uint8Array): Uint32Array {
  const b = bytes.byteOffset % 4 === 0 ? bytes : bytes.slice();
  return new Uint32Array(b.buffer, b.byteOffset, b.byteLength >> 2);
}

export function uint16s(bytes: Uint8Array): Uint16Array {
  const b = bytes.byteOffset % 2 === 0 ? bytes : bytes.slice();
  return new Uint16Array(b.buffer, b.byteOffset, b.byteLength >> 1);
}

/** The bytes of a typed array, without copying. */
export function bytesOf(view: ArrayBufferView): Uint8Array {
  return new Uint8Array(view.buffer, view.byteOffset, view.byteLength);
}
