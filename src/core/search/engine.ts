/**
 * How memories are searched: MiniSearch's options (fields, boosts, prefix and fuzzy
 * matching), and how a query's words become the set of indexed terms it can match. Every
 * ranking decision is MiniSearch's; this module only says which fields count for how much.
 */
import MiniSearch, { type Options, type SearchOptions } from 'minisearch';
import SearchableMap from 'minisearch/SearchableMap';

/** The indexed fields, in MiniSearch's field-id order. */
export const FIELDS = ['title', 'body', 'tags', 'notes'] as const;
export type Field = (typeof FIELDS)[number];

/**
 * Names what the index holds and how it was made. Change it whenever the fields, the
 * options below or what `memoryText` says about a memory change: an index with another
 * engine string is rebuilt, never misread.
 */
export const ENGINE = 'minisearch-7:title,body,tags,notes:stopwords-1:1';

/** What MiniSearch indexes for one memory; `slot` is the memory's row in the index file. */
export interface SearchDocument {
  slot: number;
  title: string;
  body: string;
  tags: string;
  notes: string;
}

/** Prefix matching from three letters, so that "a" or "1" does not expand to half the index. */
const prefix = (term: string): boolean => term.length >= 3;
/** One typo in 4 to 7 letters, two from 8 (MiniSearch rounds length × 0.2). */
const fuzzy = (term: string): number | false => (term.length >= 4 ? 0.2 : false);

/** MiniSearch's default cap on edit distance. */
const MAX_FUZZY = 6;

export const SEARCH_OPTIONS: SearchOptions = {
  // Title and body say what a memory is about; tags and notes only qualify it.
  boost: { title: 4, body: 2, tags: 1, notes: 1 },
  prefix,
  fuzzy,
  maxFuzzy: MAX_FUZZY,
  combineWith: 'OR',
};

export const MINISEARCH_OPTIONS: Options<SearchDocument> = {
  idField: 'slot',
  fields: [...FIELDS],
  storeFields: [],
  processTerm,
  // Documents leave the index exactly (see build.ts), so there is never dirt to vacuum.
  autoVacuum: false,
  searchOptions: SEARCH_OPTIONS,
};

/**
 * English words too common to say anything. Indexing them would put a posting in nearly
 * every memory, and a query's cost grows with the postings of its words: "the event bus"
 * would weigh every memory to find the few about an event bus.
 */
const STOP_WORDS = new Set(
  (
    'a an and are as at be been but by do for from has have in into is it its of on or ' +
    'our so than that the their them then there these they this to was we were what when ' +
    'which while who will with'
  ).split(' '),
);

const tokenize = MiniSearch.getDefault('tokenize') as (text: string) => string[];

/** MiniSearch's default (lower case), without stop words. */
function processTerm(term: string): string | null {
  const lower = term.toLowerCase();
  return STOP_WORDS.has(lower) ? null : lower;
}

/** The terms MiniSearch makes of a query, in order. */
export function queryTerms(text: string): string[] {
  return tokenize(text)
    .map(processTerm)
    .filter((term): term is string => term !== null && term.length > 0);
}

/** Lower-case tokens of a text with their positions, as MiniSearch would index them. */
export function tokensWithPositions(text: string): { term: string; start: number; end: number }[] {
  const out: { term: string; start: number; end: number }[] = [];
  for (const m of text.matchAll(/[^\n\r\p{Z}\p{P}]+/gu)) {
    const processed = processTerm(m[0]);
    if (processed !== null) {
      out.push({ term: processed, start: m.index, end: m.index + m[0].length });
    }
  }
  return out;
}

/**
 * The index is split by the first character of each term, so that a query reads only the
 * parts its words can match. Prefix matches always share that character; fuzzy matches
 * are looked for among terms that share it too (as Lucene's `prefixLength: 1` does), which
 * keeps a typo in the middle or at the end of a word from costing a read of every term.
 */
export function bucketOf(term: string): string {
  return String.fromCodePoint(term.codePointAt(0) as number);
}

/**
 * The indexed terms a query term can match, as MiniSearch's own query planning finds them
 * (same prefix and fuzzy rules, same edit distances), among the terms of its bucket.
 */
export function expandTerm<T>(term: string, dictionary: SearchableMap<T>): string[] {
  const found = new Set<string>();
  if (dictionary.has(term)) found.add(term);
  if (prefix(term)) {
    for (const key of dictionary.atPrefix(term).keys()) found.add(key);
  }
  const f = fuzzy(term);
  if (f !== false) {
    const distance = Math.min(MAX_FUZZY, Math.round(term.length * f));
    if (distance > 0) for (const key of dictionary.fuzzyGet(term, distance).keys()) found.add(key);
  }
  return [...found];
}

export { MiniSearch, SearchableMap };
