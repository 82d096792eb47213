/**
 * Answering a query from the index file. The query's words say which buckets of terms to
 * read; MiniSearch's own prefix and fuzzy rules pick the terms in them it can match; only
 * those terms' postings, and the field lengths of the memories they name, are read and
 * loaded into a MiniSearch instance, which then ranks exactly as the whole index would
 * (same document count, same average field lengths, same postings for every term the
 * query can reach). What a result prints is in the index; `shown` (on-disk.ts) says which
 * rows' files are still what the index read, and only those are results.
 */
import type { AsPlainObject, SearchResult } from 'minisearch';
import {
  bodyBeyondTitle,
  readDictionary,
  headingOf,
  readRecord,
  type Dictionary,
  type MemoryHeading,
  type Postings,
} from './build.js';
import {
  bucketOf,
  expandTerm,
  FIELDS,
  MiniSearch,
  MINISEARCH_OPTIONS,
  queryTerms,
  SearchableMap,
} from './engine.js';
import { float64s, ID_BYTES, IndexFile, uint16s, uint32s } from './index-file.js';
import { makeSnippet, type Snippet } from './snippet.js';

export interface SearchFilters {
  /** Memory types (normalised: deploy, decision, …); any of them. */
  types?: string[] | undefined;
  since?: Date | undefined;
  until?: Date | undefined;
  /** Case-insensitive part of the author's name. */
  author?: string | undefined;
  /** A deploy's component, exactly. */
  component?: string | undefined;
}

export interface SearchHit extends MemoryHeading {
  snippet: Snippet;
  score: number;
  /** The indexed words that matched (after prefix and fuzzy matching), lower-case. */
  terms: string[];
}

export interface SearchOutcome {
  hits: SearchHit[];
  /** How many memories matched the query and the filters, before the limit. */
  total: number;
}

const F = FIELDS.length;
const utf8 = new TextDecoder();

/** Whether the memory in a slot passes the filters, from the numeric columns alone. */
export function filterOf(file: IndexFile, filters: SearchFilters): (slot: number) => boolean {
  const h = file.header;
  const tests: ((slot: number) => boolean)[] = [];
  if (filters.types && filters.types.length > 0) {
    const wanted = new Set(filters.types);
    const codes = new Set(h.types.flatMap((t, i) => (wanted.has(t) ? [i] : [])));
    const type = uint16s(file.section('type'));
    tests.push((slot) => codes.has(type[slot] as number));
  }
  if (filters.since || filters.until) {
    const from = filters.since?.getTime() ?? -Infinity;
    const to = filters.until?.getTime() ?? Infinity;
    const created = float64s(file.section('created'));
    tests.push((slot) => (created[slot] as number) >= from && (created[slot] as number) <= to);
  }
  if (filters.author !== undefined) {
    const part = filters.author.toLowerCase();
    const codes = new Set(
      h.authors.flatMap((name, i) => (name.toLowerCase().includes(part) ? [i] : [])),
    );
    const author = uint32s(file.section('author'));
    tests.push((slot) => codes.has(author[slot] as number));
  }
  if (filters.component !== undefined) {
    const code = h.components.indexOf(filters.component) + 1;
    const component = uint32s(file.section('component'));
    tests.push((slot) => code !== 0 && component[slot] === code);
  }
  return (slot) => tests.every((test) => test(slot));
}

export function idAt(file: IndexFile, slot: number): string {
  const bytes = file.slice('ids', slot * ID_BYTES, ID_BYTES);
  // A view, not a copy: a timeline converts every row's id.
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('hex');
}

interface Bucket {
  dictionary: Dictionary;
  terms: SearchableMap<number>;
}

/** A MiniSearch instance holding the postings of every indexed term `text` can match. */
function loadFor(file: IndexFile, text: string): MiniSearch | undefined {
  const h = file.header;
  const buckets = new Map<string, Bucket>();
  const wanted = new Map<string, { bucket: string; position: number }>();
  for (const term of queryTerms(text)) {
    const name = bucketOf(term);
    let bucket = buckets.get(name);
    if (!bucket) {
      const dictionary = readDictionary(file, name);
      const terms = new SearchableMap<number>();
      dictionary.terms.forEach((t, i) => terms.set(t, i));
      buckets.set(name, (bucket = { dictionary, terms }));
    }
    for (const t of expandTerm(term, bucket.terms)) {
      wanted.set(t, { bucket: name, position: bucket.terms.get(t) as number });
    }
  }
  if (wanted.size === 0) return undefined;
  const perBucket = new Map<string, number>();
  for (const { bucket } of wanted.values()) perBucket.set(bucket, (perBucket.get(bucket) ?? 0) + 1);
  // Many terms of one bucket (a short prefix): one read of the bucket beats one per term.
  for (const [bucket, count] of perBucket) if (count > 32) file.section(`p:${bucket}`);

  const index: AsPlainObject['index'] = [];
  const slots = new Set<string>();
  for (const [term, { bucket, position }] of wanted) {
    const { offsets } = (buckets.get(bucket) as Bucket).dictionary;
    const start = offsets[position] as number;
    const bytes = file.slice(`p:${bucket}`, start, (offsets[position + 1] as number) - start);
    const postings = JSON.parse(utf8.decode(bytes)) as Postings;
    for (const freqs of Object.values(postings)) for (const slot in freqs) slots.add(slot);
    index.push([term, postings]);
  }
  const lengths = uint32s(file.section('lengths'));
  const documentIds: Record<string, number> = {};
  const fieldLength: Record<string, number[]> = {};
  for (const key of slots) {
    const slot = Number(key);
    documentIds[key] = slot;
    const row = new Array<number>(F);
    for (let f = 0; f < F; f++) row[f] = lengths[slot * F + f] as number;
    fieldLength[key] = row;
  }
  return MiniSearch.loadJS(
    {
      // The whole index's statistics, so that scores are those of a search over everything.
      documentCount: h.live,
      nextId: h.slots,
      documentIds,
      fieldIds: Object.fromEntries(FIELDS.map((f, i) => [f, i])),
      fieldLength,
      averageFieldLength: h.totals.map((t) => (h.live > 0 ? t / h.live : 0)),
      storedFields: {},
      dirtCount: 0,
      index,
      serializationVersion: 2,
    },
    MINISEARCH_OPTIONS,
  );
}

/** Which rows may be shown: their files are still the memories the index read. */
export interface ShownCheck {
  current(slot: number): boolean;
}

/**
 * Ranked memories matching `text`, best first, at most `limit` of them, each passing
 * `check`. A match whose file no longer verifies is not counted in `total` once seen; the
 * ones ranked beyond those shown are not looked at.
 */
export function searchIndex(
  file: IndexFile,
  text: string,
  filters: SearchFilters = {},
  limit = 20,
  check?: ShownCheck,
): SearchOutcome {
  if (file.header.live === 0) return { hits: [], total: 0 };
  const engine = loadFor(file, text);
  if (!engine) return { hits: [], total: 0 };
  const accept = filterOf(file, filters);
  const results = engine.search(text).filter((r) => accept(r.id as number));
  const created = float64s(file.section('created'));
  const seen = new Map<number, boolean>();
  const shown = (slot: number): boolean => {
    let ok = seen.get(slot);
    if (ok === undefined) seen.set(slot, (ok = check ? check.current(slot) : true));
    return ok;
  };
  // Equal scores are common (short memories alike): order them newest first, then by id,
  // so that the same memories give the same list on every machine. Rows that may not be
  // shown make room for the next ones.
  let want = limit;
  let top: { r: SearchResult; id: string }[];
  for (;;) {
    let cut = Math.min(want, results.length);
    while (cut > 0 && cut < results.length && results[cut]?.score === results[cut - 1]?.score)
      cut++;
    if (cut > 64) file.section('ids');
    top = results.slice(0, cut).map((r) => ({ r, id: idAt(file, r.id as number) }));
    top.sort(
      (a, b) =>
        b.r.score - a.r.score ||
        (created[b.r.id as number] as number) - (created[a.r.id as number] as number) ||
        (a.id < b.id ? -1 : a.id > b.id ? 1 : 0),
    );
    let kept = 0;
    for (const t of top) {
      if (kept >= limit) break;
      if (shown(t.r.id as number)) kept++;
    }
    if (kept >= limit || cut >= results.length) break;
    want = cut + (limit - kept);
  }
  const hits = top
    .filter(({ r }) => seen.get(r.id as number) === true)
    .slice(0, limit)
    .map(({ r, id }) => hit(file, r, id));
  const dropped = [...seen.values()].filter((ok) => !ok).length;
  return { hits, total: results.length - dropped };
}

function hit(file: IndexFile, result: SearchResult, id: string): SearchHit {
  const record = readRecord(file, result.id as number);
  // A record under another row's id: the index is damaged, and is built again.
  if (record?.id !== id) throw new Error(`search index row ${String(result.id)} is damaged`);
  const texts = {
    title: record.title,
    body: bodyBeyondTitle(record.title, record.body), // where body matches were found
    tags: record.tags.join(', '),
    notes: record.notes,
  };
  return {
    ...headingOf(record),
    snippet: makeSnippet(texts, result.match),
    score: Math.round(result.score * 1000) / 1000,
    terms: result.terms,
  };
}
