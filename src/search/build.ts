/**
 * Writing the search index: the next version of the index file from the current one, the
 * memories to add and the ids to remove. Only the parts a change touches are rebuilt: the
 * columns are copied and patched, and of the term postings only the buckets holding a term
 * of an added or removed memory are rewritten; the rest are copied byte for byte.
 *
 * MiniSearch does all the text work: each batch of added (or removed) memories is indexed
 * by a scratch MiniSearch instance, whose serialised postings are merged into (or taken
 * out of) the stored ones. A removed memory's terms come from indexing its stored text
 * again, so removal is exact and the index never holds postings of memories that left.
 */
import { crc32 } from 'node:zlib';
import type { Author } from '../memory/envelope.js';
import type { Stamp } from '../ground/file-stamp.js';
import {
  bucketOf,
  ENGINE,
  FIELDS,
  MiniSearch,
  MINISEARCH_OPTIONS,
  queryTerms,
  type SearchDocument,
} from './engine.js';
import {
  bytesOf,
  encodeIndexFile,
  float64s,
  FORMAT,
  ID_BYTES,
  IndexFile,
  STAMP_ROW,
  uint16s,
  uint32s,
  type IndexHeader,
  type LeftOut,
} from './index-file.js';

/** What a result or a timeline line prints about a memory, read from the index. */
export interface MemoryHeading {
  id: string;
  type: string;
  created: string;
  node: string;
  author: Author;
  title: string;
}

/** A memory as the index keeps it: its heading, and the text MiniSearch indexes. */
export interface IndexedMemory extends MemoryHeading {
  body: string;
  tags: string[];
  notes: string;
  component?: string;
}

/** Postings of one term: field id → slot → term frequency (MiniSearch's serialised form). */
export type Postings = Record<string, Record<string, number>>;

/** A bucket's dictionary: its terms, sorted, and where each one's postings start and end. */
export interface Dictionary {
  terms: string[];
  /** terms.length + 1 offsets into the bucket's postings section. */
  offsets: number[];
}

export interface WriteMeta {
  /** When the memories' folders were looked at (ms). */
  written: number;
  dirs: Record<string, Stamp>;
  /** Memory files left out because they do not verify (none when absent). */
  left?: LeftOut[];
  now?: number;
}

/** A file's stamp and when it was taken (ms): what a row's file was when it was read. */
export type StampAt = readonly [...Stamp, number];

export interface Change {
  add: IndexedMemory[];
  remove: string[];
  /**
   * Stamps of the files rows were read from, by id: for added rows, and for rows whose file
   * was read again and found the same memory. A row without one is read again when shown.
   */
  stamps?: Map<string, StampAt>;
}

const F = FIELDS.length;
const utf8 = new TextDecoder();
const encoder = new TextEncoder();

/**
 * The body as indexed: without what the title already says. A decision's title is its
 * first line and a deploy's title names its component and version, so a body indexed
 * whole would double every posting of those words (and the cost of every query that
 * reaches them) while adding nothing to the ranking: the title already outweighs it.
 */
export function bodyBeyondTitle(title: string, body: string): string {
  if (body === title) return '';
  if (body.startsWith(`${title}\n`)) return body.slice(title.length + 1);
  const inTitle = new Set(queryTerms(title));
  return queryTerms(body).every((term) => inTitle.has(term)) ? '' : body;
}

/** What MiniSearch indexes for a memory in `slot`. */
export function document(slot: number, m: IndexedMemory): SearchDocument {
  return {
    slot,
    title: m.title,
    body: bodyBeyondTitle(m.title, m.body),
    tags: m.tags.join(' '),
    notes: m.notes,
  };
}

/** Every stored id and its slot, reading only the id column. */
export function slotsById(file: IndexFile): Map<string, number> {
  // One hex conversion of the whole column is many times faster than one per row.
  const ids = file.section('ids');
  const hex = Buffer.from(ids.buffer, ids.byteOffset, ids.byteLength).toString('hex');
  const free = '0'.repeat(ID_BYTES * 2);
  const out = new Map<string, number>();
  for (let slot = 0; slot < file.header.slots; slot++) {
    const id = hex.slice(slot * ID_BYTES * 2, (slot + 1) * ID_BYTES * 2);
    if (id !== free) out.set(id, slot);
  }
  return out;
}

/**
 * The record in `slot`, checked against its checksum: a damaged index (a bit flipped on
 * disk, a write torn by a crash) throws here rather than print text no memory holds, and
 * withSearchIndex builds it again.
 */
export function readRecord(file: IndexFile, slot: number): IndexedMemory | undefined {
  const offsets = float64s(file.section('offsets'));
  const start = offsets[slot] as number;
  const end = offsets[slot + 1] as number;
  if (!(end > start)) return undefined;
  const bytes = file.slice('records', start, end - start);
  if (crc32(bytes) !== uint32s(file.slice('sums', slot * 4, 4))[0]) {
    throw new Error(`search index row ${slot} is damaged`);
  }
  return JSON.parse(utf8.decode(bytes)) as IndexedMemory;
}

/** The heading fields of a record, as timeline lines and search hits both show them. */
export function headingOf(record: IndexedMemory): MemoryHeading {
  const { id, type, created, node, author, title } = record;
  return { id, type, created, node, author, title };
}

export function readDictionary(file: IndexFile, bucket: string): Dictionary {
  const bytes = file.section(`d:${bucket}`);
  return bytes.length === 0
    ? { terms: [], offsets: [0] }
    : (JSON.parse(utf8.decode(bytes)) as Dictionary);
}

/** Per bucket, per term: the postings to take out and to put in. */
type Deltas = Map<string, Map<string, { remove?: Postings; add?: Postings }>>;

function collectDeltas(docs: SearchDocument[], kind: 'remove' | 'add', deltas: Deltas): number[][] {
  if (docs.length === 0) return [];
  const scratch = new MiniSearch<SearchDocument>(MINISEARCH_OPTIONS);
  scratch.addAll(docs);
  const js = scratch.toJSON();
  // The scratch instance numbers documents from 0; map its numbers to our slots.
  const slotOf = js.documentIds as Record<string, number>;
  const identity = docs.every((doc, short) => doc.slot === short);
  for (const [term, fields] of js.index) {
    const bucket = bucketOf(term);
    let terms = deltas.get(bucket);
    if (!terms) deltas.set(bucket, (terms = new Map()));
    let delta = terms.get(term);
    if (!delta) terms.set(term, (delta = {}));
    const postings: Postings = (delta[kind] ??= {});
    for (const [fieldId, freqs] of Object.entries(
      fields as Record<string, Record<string, number>>,
    )) {
      if (identity && postings[fieldId] === undefined) {
        postings[fieldId] = freqs; // already numbered as our slots (a build from nothing)
        continue;
      }
      const into = (postings[fieldId] ??= {});
      for (const [short, tf] of Object.entries(freqs)) into[String(slotOf[short])] = tf;
    }
  }
  const lengths = js.fieldLength as Record<string, number[]>;
  return docs.map((_, short) => lengths[String(short)] ?? []);
}

function applyDelta(
  old: Postings | undefined,
  delta: { remove?: Postings; add?: Postings },
): Postings | undefined {
  if (!old) return delta.add; // a new term: nothing to merge with
  const out: Postings = old;
  for (const [fieldId, freqs] of Object.entries(delta.remove ?? {})) {
    const field = out[fieldId];
    if (!field) continue;
    for (const slot of Object.keys(freqs)) delete field[slot];
    if (Object.keys(field).length === 0) delete out[fieldId];
  }
  for (const [fieldId, freqs] of Object.entries(delta.add ?? {})) {
    Object.assign((out[fieldId] ??= {}), freqs);
  }
  return Object.keys(out).length === 0 ? undefined : out;
}

function rewriteBucket(
  old: IndexFile | undefined,
  bucket: string,
  changes: Map<string, { remove?: Postings; add?: Postings }>,
): { dictionary: Uint8Array; postings: Uint8Array } | undefined {
  const dict = old ? readDictionary(old, bucket) : { terms: [], offsets: [0] };
  const oldPostings = old ? old.section(`p:${bucket}`) : new Uint8Array(0);
  const position = new Map(dict.terms.map((t, i) => [t, i]));
  const terms = [...new Set([...dict.terms, ...changes.keys()])].sort();
  const parts: Uint8Array[] = [];
  const kept: string[] = [];
  const offsets = [0];
  let size = 0;
  for (const term of terms) {
    const i = position.get(term);
    const oldBytes =
      i === undefined
        ? undefined
        : oldPostings.subarray(dict.offsets[i] as number, dict.offsets[i + 1] as number);
    const delta = changes.get(term);
    let bytes: Uint8Array | undefined = oldBytes;
    if (delta) {
      const before = oldBytes ? (JSON.parse(utf8.decode(oldBytes)) as Postings) : undefined;
      const after = applyDelta(before, delta);
      bytes = after ? encoder.encode(JSON.stringify(after)) : undefined;
    }
    if (!bytes) continue;
    parts.push(bytes);
    kept.push(term);
    size += bytes.length;
    offsets.push(size);
  }
  if (kept.length === 0) return undefined;
  return {
    dictionary: encoder.encode(JSON.stringify({ terms: kept, offsets } satisfies Dictionary)),
    postings: Buffer.concat(parts),
  };
}

function idBytes(id: string): Uint8Array {
  return Buffer.from(id, 'hex');
}

/**
 * The bytes of the next index file. `old` is the current index (undefined to build from
 * nothing); ids in `remove` that it does not hold and memories in `add` it already holds
 * are ignored, so applying a change twice is harmless.
 */
export function writeIndex(
  old: IndexFile | undefined,
  change: Change,
  meta: WriteMeta,
  /** slotsById(old), where the caller has it already; writeIndex updates it in place. */
  slots0?: Map<string, number>,
): Uint8Array {
  const now = meta.now ?? Date.now();
  const h = old?.header;
  let slots = h?.slots ?? 0;
  let live = h?.live ?? 0;
  const totals = h ? [...h.totals] : new Array<number>(F).fill(0);
  const types = h ? [...h.types] : [];
  const authors = h ? [...h.authors] : [];
  const components = h ? [...h.components] : [];
  const known = old ? (slots0 ?? slotsById(old)) : new Map<string, number>();

  // Columns, copied so they can be patched; grown below as slots are added.
  const capacity = slots + change.add.length;
  const ids = new Uint8Array(capacity * ID_BYTES);
  const lengths = new Uint32Array(capacity * F);
  const type = new Uint16Array(capacity);
  const created = new Float64Array(capacity);
  const author = new Uint32Array(capacity);
  const component = new Uint32Array(capacity);
  const stamps = new Float64Array(capacity * STAMP_ROW);
  const sums = new Uint32Array(capacity);
  // Records stay where they are in the old section; only changed rows are held here.
  const oldSlots = slots;
  const oldOffsets = old ? float64s(old.section('offsets')) : new Float64Array(1);
  const oldRecords = old ? old.section('records') : new Uint8Array(0);
  const changed = new Map<number, Uint8Array | undefined>();
  const recordLength = (slot: number): number => {
    if (changed.has(slot)) return changed.get(slot)?.length ?? 0;
    return slot < oldSlots ? (oldOffsets[slot + 1] as number) - (oldOffsets[slot] as number) : 0;
  };
  if (old) {
    ids.set(old.section('ids'));
    lengths.set(uint32s(old.section('lengths')));
    type.set(uint16s(old.section('type')));
    created.set(float64s(old.section('created')));
    author.set(uint32s(old.section('author')));
    component.set(uint32s(old.section('component')));
    stamps.set(float64s(old.section('stamps')));
    sums.set(uint32s(old.section('sums')));
  }

  // Removals first, so a slot they free can take an addition of the same change.
  const removed: SearchDocument[] = [];
  for (const id of new Set(change.remove)) {
    const slot = known.get(id);
    if (slot === undefined || !old) continue;
    const record = readRecord(old, slot);
    // Without its text a memory's postings cannot be found: the caller rebuilds instead.
    if (!record) throw new Error(`search index row ${slot} has no record`);
    removed.push(document(slot, record));
    for (let f = 0; f < F; f++)
      totals[f] = (totals[f] as number) - (lengths[slot * F + f] as number);
    ids.fill(0, slot * ID_BYTES, (slot + 1) * ID_BYTES);
    lengths.fill(0, slot * F, (slot + 1) * F);
    type[slot] = 0;
    created[slot] = 0;
    author[slot] = 0;
    component[slot] = 0;
    stamps.fill(0, slot * STAMP_ROW, (slot + 1) * STAMP_ROW);
    sums[slot] = 0;
    changed.set(slot, undefined);
    known.delete(id);
    live--;
  }

  // Free rows, lowest last so that pop() reuses the lowest first.
  const free: number[] = [];
  for (let slot = slots - 1; slot >= 0; slot--) {
    if (ids.subarray(slot * ID_BYTES, (slot + 1) * ID_BYTES).every((b) => b === 0)) free.push(slot);
  }
  const tables = new Map<string[], Map<string, number>>();
  const intern = (table: string[], value: string): number => {
    let map = tables.get(table);
    if (!map) tables.set(table, (map = new Map(table.map((v, i) => [v, i]))));
    let i = map.get(value);
    if (i === undefined) map.set(value, (i = table.push(value) - 1));
    return i;
  };

  const added: SearchDocument[] = [];
  for (const memory of change.add) {
    if (known.has(memory.id)) continue;
    const slot = free.length > 0 ? (free.pop() as number) : slots++;
    known.set(memory.id, slot);
    ids.set(idBytes(memory.id), slot * ID_BYTES);
    type[slot] = intern(types, memory.type);
    created[slot] = Date.parse(memory.created);
    author[slot] = intern(authors, memory.author.name);
    component[slot] = memory.component === undefined ? 0 : intern(components, memory.component) + 1;
    const record = encoder.encode(JSON.stringify(memory));
    changed.set(slot, record);
    sums[slot] = crc32(record);
    stamps.fill(0, slot * STAMP_ROW, (slot + 1) * STAMP_ROW); // read again when shown
    added.push(document(slot, memory));
    live++;
  }
  for (const [id, stamp] of change.stamps ?? []) {
    const slot = known.get(id);
    if (slot !== undefined) stamps.set(stamp, slot * STAMP_ROW);
  }

  const deltas: Deltas = new Map();
  collectDeltas(removed, 'remove', deltas);
  const addedLengths = collectDeltas(added, 'add', deltas);
  added.forEach((doc, i) => {
    const fieldLengths = addedLengths[i] ?? [];
    for (let f = 0; f < F; f++) {
      const n = fieldLengths[f] ?? 0;
      lengths[doc.slot * F + f] = n;
      totals[f] = (totals[f] as number) + n;
    }
  });

  // Free rows at the end are dropped, so the columns shrink when the newest memories go.
  while (slots > 0 && recordLength(slots - 1) === 0) slots--;

  const sections = new Map<string, Uint8Array>();
  sections.set('ids', ids.subarray(0, slots * ID_BYTES));
  sections.set('lengths', bytesOf(lengths.subarray(0, slots * F)));
  sections.set('type', bytesOf(type.subarray(0, slots)));
  sections.set('created', bytesOf(created.subarray(0, slots)));
  sections.set('author', bytesOf(author.subarray(0, slots)));
  sections.set('component', bytesOf(component.subarray(0, slots)));
  sections.set('stamps', bytesOf(stamps.subarray(0, slots * STAMP_ROW)));
  sections.set('sums', bytesOf(sums.subarray(0, slots)));
  const offsets = new Float64Array(slots + 1);
  let size = 0;
  for (let slot = 0; slot < slots; slot++) {
    offsets[slot] = size;
    size += recordLength(slot);
  }
  offsets[slots] = size;
  const records = new Uint8Array(size);
  for (let slot = 0; slot < slots;) {
    if (changed.has(slot) || slot >= oldSlots) {
      const record = changed.get(slot);
      if (record) records.set(record, offsets[slot] as number);
      slot++;
      continue;
    }
    // A run of unchanged rows is one copy.
    let end = slot;
    while (end < slots && end < oldSlots && !changed.has(end)) end++;
    records.set(
      oldRecords.subarray(oldOffsets[slot] as number, oldOffsets[end] as number),
      offsets[slot] as number,
    );
    slot = end;
  }
  sections.set('offsets', bytesOf(offsets));
  sections.set('records', records);

  const oldBuckets = new Set(
    Object.keys(h?.sections ?? {})
      .filter((name) => name.startsWith('d:'))
      .map((name) => name.slice(2)),
  );
  const buckets = [...new Set([...oldBuckets, ...deltas.keys()])].sort();
  for (const bucket of buckets) {
    const changes = deltas.get(bucket);
    if (!changes) {
      // Untouched: the same bytes as before.
      sections.set(`d:${bucket}`, (old as IndexFile).section(`d:${bucket}`));
      sections.set(`p:${bucket}`, (old as IndexFile).section(`p:${bucket}`));
      continue;
    }
    const rewritten = rewriteBucket(old, bucket, changes);
    if (!rewritten) continue;
    sections.set(`d:${bucket}`, rewritten.dictionary);
    sections.set(`p:${bucket}`, rewritten.postings);
  }

  const touched = removed.length > 0 || added.length > 0;
  const header: Omit<IndexHeader, 'sections'> = {
    format: FORMAT,
    engine: ENGINE,
    built: h?.built ?? now,
    updates: (h?.updates ?? 0) + (h && touched ? 1 : 0),
    written: meta.written,
    dirs: meta.dirs,
    left: meta.left ?? [],
    slots,
    live,
    totals,
    types,
    authors,
    components,
  };
  return encodeIndexFile(header, sections);
}
