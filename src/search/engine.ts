/**
 * How memories are searched: what a word is, MiniSearch's options (fields, boosts, prefix
 * and fuzzy matching), and how a query's words become the indexed terms they can match.
 * Every ranking decision is MiniSearch's; this module says what it is given.
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
export const ENGINE =
  'minisearch-7:title,body,tags,notes:words-1:stopwords-1:body-beyond-title-1:adr-1';

/** What MiniSearch indexes for one memory; `slot` is the memory's row in the index file. */
export interface SearchDocument {
  slot: number;
  title: string;
  body: string;
  tags: string;
  notes: string;
}

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

/**
 * A word: letters and digits, with single joiners between them kept inside it, so that
 * identifiers stay whole: `svc-12`, `1.4.2`, `db-01.prod`, `node_modules`, `api/v2`,
 * `ADR-0007`. Other punctuation and symbols (`→`, `+`, `,`) separate words.
 */
const WORD = /[\p{L}\p{N}\p{M}]+(?:[-._/][\p{L}\p{N}\p{M}]+)*/gu;
const JOINER = /[-._/]/;

function tokenize(text: string): string[] {
  return text.match(WORD) ?? [];
}

/**
 * How a word is indexed: lower case, and an identifier also as each of its parts, so that
 * `1.4242.0` is found by `1.4242.0` and by `4242`, and `api-gateway` by `gateway`.
 */
function indexTerms(word: string): string[] {
  const lower = word.toLowerCase();
  const terms = JOINER.test(lower) ? [lower, ...lower.split(JOINER)] : [lower];
  return [...new Set(terms)].filter((t) => t.length > 0 && !STOP_WORDS.has(t));
}

/**
 * How a query word is looked for: as typed, in lower case. An identifier is looked for
 * whole (`svc-12` is that component, not every `svc` and every `12`); to find either part,
 * type the parts.
 */
function queryTerm(word: string): string | null {
  const lower = word.toLowerCase();
  return STOP_WORDS.has(lower) ? null : lower;
}

/** Prefix matching from three letters, so that "a" or "1" does not expand to half the index. */
const prefix = (term: string): boolean => term.length >= 3;
/** One typo in 4 to 7 letters, two from 8 (MiniSearch rounds length × 0.2). */
const fuzzy = (term: string): number | false => (term.length >= 4 ? 0.2 : false);

/** MiniSearch's default cap on edit distance. */
const MAX_FUZZY = 6;

export const SEARCH_OPTIONS: SearchOptions = {
  tokenize,
  processTerm: queryTerm,
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
  tokenize,
  processTerm: indexTerms,
  // Documents leave the index exactly (see build.ts), so there is never dirt to vacuum.
  autoVacuum: false,
  searchOptions: SEARCH_OPTIONS,
};

/** The terms MiniSearch makes of a query, in order. */
export function queryTerms(text: string): string[] {
  return tokenize(text)
    .map(queryTerm)
    .filter((term): term is string => term !== null);
}

/** The words of a text with their positions and the terms each is indexed as. */
export function tokensWithPositions(
  text: string,
): { terms: string[]; start: number; end: number }[] {
  const out: { terms: string[]; start: number; end: number }[] = [];
  for (const m of text.matchAll(WORD)) {
    const terms = indexTerms(m[0]);
    if (terms.length > 0) out.push({ terms, start: m.index, end: m.index + m[0].length });
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
