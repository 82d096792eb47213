/**
 * The search index file (src/core/search): built and updated piece by piece, it must rank
 * exactly as one MiniSearch instance holding every memory does, and an update must rewrite
 * only what it touches.
 */
import { createHash } from 'node:crypto';
import { rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import MiniSearch, { type Options } from 'minisearch';
import { describe, expect, it } from 'vitest';
import {
  bodyBeyondTitle,
  document,
  writeIndex,
  type IndexedMemory,
} from '../../src/search/build.js';
import { ENGINE, MINISEARCH_OPTIONS, type SearchDocument } from '../../src/search/engine.js';
import { IndexFile } from '../../src/search/index-file.js';
import { isFresh, RACY_MS, searchIndex, timeline } from '../../src/search/index.js';
import type { Stamp } from '../../src/ground/file-stamp.js';
import { makeSnippet } from '../../src/search/snippet.js';

/**
 * Words whose first letters differ are at least three edits apart, so that MiniSearch's
 * fuzzy matching over the whole index finds nothing the index's first-letter buckets miss.
 */
const WORDS = [
  'alpha',
  'alphabet',
  'bravo',
  'bravado',
  'charlie',
  'charter',
  'delta',
  'deltas',
  'echo',
  'echoes',
  'foxtrot',
  'golf',
  'hotel',
  'hotels',
  'india',
  'juliet',
  'kilo',
  'kilos',
  'lima',
  'mike',
  'november',
  'oscar',
  'papa',
  'quebec',
  'romeo',
  'sierra',
  'sierras',
  'tango',
  'uniform',
  'victor',
  'whiskey',
  'xray',
  'yankee',
  'zulu',
  'café',
  'über',
  '2026',
  '42',
  'the',
  'The',
  'svc-12',
  '1.4.2',
  'api-gateway',
  'node_modules',
];

const TYPES = ['deploy', 'decision', 'seal'];
const AUTHORS = ['Ada Lovelace', 'Grace Hopper', 'Alan Turing'];

function idOf(n: number): string {
  return createHash('sha256').update(`memory ${n}`).digest('hex');
}

function memory(n: number, words: string[], extra: Partial<IndexedMemory> = {}): IndexedMemory {
  const title = words.slice(0, 3).join(' ');
  return {
    id: idOf(n),
    type: TYPES[n % 3] as string,
    created: new Date(Date.UTC(2026, 0, 1) + n * 3_600_000).toISOString().replace('.000', ''),
    node: 'test',
    author: { name: AUTHORS[n % 3] as string, email: 'a@example.com' },
    title,
    body: words.join(' '),
    tags: words.slice(-2),
    notes: n % 4 === 0 ? words.slice(1, 3).join(', ') : '',
    ...(n % 3 === 0 ? { component: `svc-${n % 5}` } : {}),
    ...extra,
  };
}

const META = { written: 0, dirs: {} };

/** What one MiniSearch instance over `memories` scores for `query`: id → score. */
function reference(memories: IndexedMemory[], query: string): Map<string, number> {
  // The same options, keyed by memory id instead of row.
  const engine = new MiniSearch<SearchDocument & { id: string }>({
    ...MINISEARCH_OPTIONS,
    idField: 'id',
  } as Options<SearchDocument & { id: string }>);
  engine.addAll(memories.map((m) => ({ ...document(0, m), id: m.id })));
  return new Map(engine.search(query).map((r) => [r.id as string, r.score]));
}

function ours(file: IndexFile, query: string): Map<string, number> {
  return new Map(searchIndex(file, query, {}, 10_000).hits.map((h) => [h.id, h.score]));
}

function expectSameRanking(actual: Map<string, number>, expected: Map<string, number>): void {
  expect([...actual.keys()].sort()).toEqual([...expected.keys()].sort());
  for (const [id, score] of expected) {
    expect(Math.abs((actual.get(id) as number) - score)).toBeLessThan(0.001);
  }
}

const words = fc.array(fc.constantFrom(...WORDS), { minLength: 1, maxLength: 8 });
/** Query words: indexed words, their prefixes and typos in their middle. */
const queryWord = fc.oneof(
  fc.constantFrom(...WORDS),
  fc.constantFrom(...WORDS).map((w) => w.slice(0, Math.max(3, w.length - 2))),
  fc
    .constantFrom(...WORDS.filter((w) => w.length >= 5))
    .map((w) => w.slice(0, 2) + 'q' + w.slice(3)),
  fc.constantFrom('nothing', 'zz'),
);

describe('search index', () => {
  it('ranks as one MiniSearch instance over every memory, through any adds and removes', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.record({
            add: fc.array(words, { maxLength: 12 }),
            removeEvery: fc.integer({ min: 2, max: 5 }),
          }),
          { minLength: 1, maxLength: 5 },
        ),
        fc.array(fc.array(queryWord, { minLength: 1, maxLength: 3 }), {
          minLength: 1,
          maxLength: 5,
        }),
        (batches, queries) => {
          let file: IndexFile | undefined;
          let live: IndexedMemory[] = [];
          let n = 0;
          for (const batch of batches) {
            const add = batch.add.map((w) => memory(n++, w));
            const remove = live.filter((_, i) => i % batch.removeEvery === 0).map((m) => m.id);
            file = IndexFile.fromBytes(writeIndex(file, { add, remove }, META));
            live = [...live.filter((m) => !remove.includes(m.id)), ...add];
            expect(file.header.live).toBe(live.length);
            for (const q of queries) {
              const query = q.join(' ');
              expectSameRanking(ours(file, query), reference(live, query));
            }
          }
        },
      ),
      { numRuns: 60 },
    );
  });

  it('matches prefixes and typos within a word, but not a typo in its first letter', () => {
    const memories = [memory(1, ['bravo']), memory(2, ['bravado']), memory(3, ['charlie'])];
    const file = IndexFile.fromBytes(writeIndex(undefined, { add: memories, remove: [] }, META));
    const found = (q: string) =>
      searchIndex(file, q)
        .hits.map((h) => h.terms.join())
        .sort();
    expect(found('bra')).toEqual(['bravado', 'bravo']);
    expect(found('brav')).toEqual(['bravado', 'bravo']);
    expect(found('chqrlie')).toEqual(['charlie']);
    expect(found('CHARLIE')).toEqual(['charlie']);
    expect(found('xharlie')).toEqual([]);
    expect(found('br')).toEqual([]);
    // Stop words are neither indexed nor looked for.
    expect(found('the')).toEqual([]);
  });

  it('keeps identifiers whole and finds them by their parts too', () => {
    const memories = [
      memory(1, ['svc-12', '1.4.2', 'api-gateway']),
      memory(2, ['svc', '12', 'gateway']),
    ];
    const file = IndexFile.fromBytes(writeIndex(undefined, { add: memories, remove: [] }, META));
    const ids = (q: string) =>
      searchIndex(file, q)
        .hits.map((h) => h.id)
        .sort();
    expect(ids('svc-12')).toEqual([idOf(1)]);
    expect(ids('1.4.2')).toEqual([idOf(1)]);
    expect(ids('gateway')).toEqual([idOf(1), idOf(2)].sort());
    expect(ids('12')).toEqual([idOf(1), idOf(2)].sort());
    expect(ids('api-gate')).toEqual([idOf(1)]);
    const [hit] = searchIndex(file, '1.4.2').hits;
    expect(hit?.snippet.marks.map(([a, b]) => hit.snippet.text.slice(a, b))).toEqual(['1.4.2']);
  });

  it('puts the memory that names the word in its title first', () => {
    const memories = [
      memory(1, ['bravo', 'charlie', 'delta', 'kilo', 'lima'], { title: 'bravo charlie' }),
      memory(2, ['kilo', 'charlie', 'delta', 'bravo'], { title: 'kilo charlie delta' }),
      memory(3, ['charlie', 'delta'], { title: 'charlie delta', tags: ['kilo'] }),
      memory(4, ['charlie', 'delta'], { title: 'charlie delta', notes: 'kilo' }),
    ];
    const file = IndexFile.fromBytes(writeIndex(undefined, { add: memories, remove: [] }, META));
    const hits = searchIndex(file, 'kilo').hits;
    expect(hits.map((h) => h.id)).toHaveLength(4);
    expect(hits[0]?.id).toBe(idOf(2));
    // Tags and notes count least.
    expect(
      hits
        .slice(2)
        .map((h) => h.id)
        .sort(),
    ).toEqual([idOf(3), idOf(4)].sort());
  });

  it('rewrites only the parts a new memory touches', () => {
    const memories = Array.from({ length: 200 }, (_, i) =>
      memory(i, [WORDS[i % 20] as string, WORDS[(i * 7) % 20] as string, 'alpha']),
    );
    const before = IndexFile.fromBytes(
      writeIndex(undefined, { add: memories, remove: [] }, { ...META, now: 1000 }),
    );
    const after = IndexFile.fromBytes(
      writeIndex(
        before,
        { add: [memory(999, ['zulu', 'yankee'])], remove: [] },
        { ...META, now: 5000 },
      ),
    );
    expect(after.header.live).toBe(201);
    expect(after.header.built).toBe(1000);
    expect(after.header.updates).toBe(1);
    const buckets = Object.keys(before.header.sections).filter((s) => /^[dp]:/.test(s));
    for (const name of buckets) {
      const touched = name === 'd:z' || name === 'p:z' || name === 'd:y' || name === 'p:y';
      if (!touched)
        expect(Buffer.from(after.section(name)).equals(Buffer.from(before.section(name)))).toBe(
          true,
        );
    }
    expect(after.has('d:y')).toBe(true);
    expect(searchIndex(after, 'yankee').hits[0]?.id).toBe(idOf(999));
    // Applying the same change again changes nothing.
    const again = IndexFile.fromBytes(
      writeIndex(after, { add: [memory(999, ['zulu', 'yankee'])], remove: [] }, META),
    );
    expect(again.header.live).toBe(201);
    expect(again.header.updates).toBe(1);
  });

  it('reuses freed rows and shrinks when the newest memories go', () => {
    const memories = Array.from({ length: 10 }, (_, i) => memory(i, ['echo', WORDS[i] as string]));
    let file = IndexFile.fromBytes(writeIndex(undefined, { add: memories, remove: [] }, META));
    file = IndexFile.fromBytes(
      writeIndex(file, { add: [], remove: [idOf(2), idOf(8), idOf(9)] }, META),
    );
    expect(file.header.slots).toBe(8);
    expect(file.header.live).toBe(7);
    file = IndexFile.fromBytes(writeIndex(file, { add: [memory(50, ['echo'])], remove: [] }, META));
    expect(file.header.slots).toBe(8);
    expect(searchIndex(file, 'echo', {}, 100).total).toBe(8);
    file = IndexFile.fromBytes(
      writeIndex(file, { add: [], remove: memories.map((m) => m.id).concat(idOf(50)) }, META),
    );
    expect(file.header).toMatchObject({ slots: 0, live: 0 });
    expect(Object.keys(file.header.sections).filter((s) => s.startsWith('p:'))).toEqual([]);
    expect(searchIndex(file, 'echo').hits).toEqual([]);
  });

  it('filters by type, time, author and component', () => {
    const memories = Array.from({ length: 30 }, (_, i) => memory(i, ['golf', 'hotel']));
    const file = IndexFile.fromBytes(writeIndex(undefined, { add: memories, remove: [] }, META));
    const ids = (filters: Parameters<typeof searchIndex>[2]) =>
      searchIndex(file, 'golf', filters, 100)
        .hits.map((h) => h.id)
        .sort();
    const expected = (keep: (m: IndexedMemory) => boolean) =>
      memories
        .filter(keep)
        .map((m) => m.id)
        .sort();
    expect(ids({ types: ['deploy'] })).toEqual(expected((m) => m.type === 'deploy'));
    expect(ids({ types: ['deploy', 'seal'] })).toEqual(expected((m) => m.type !== 'decision'));
    const since = new Date('2026-01-01T10:00:00Z');
    const until = new Date('2026-01-01T20:00:00Z');
    expect(ids({ since, until })).toEqual(
      expected((m) => m.created >= '2026-01-01T10:00:00Z' && m.created <= '2026-01-01T20:00:00Z'),
    );
    expect(ids({ author: 'HOPP' })).toEqual(expected((m) => m.author.name === 'Grace Hopper'));
    expect(ids({ component: 'svc-3' })).toEqual(expected((m) => m.component === 'svc-3'));
    expect(ids({ component: 'svc' })).toEqual([]);
    expect(ids({ author: 'nobody' })).toEqual([]);
    const limited = searchIndex(file, 'golf', {}, 5);
    expect(limited.hits).toHaveLength(5);
    expect(limited.total).toBe(30);
  });

  it('orders equal scores newest first', () => {
    const memories = Array.from({ length: 6 }, (_, i) => memory(i, ['india'], { title: 'india' }));
    const file = IndexFile.fromBytes(writeIndex(undefined, { add: memories, remove: [] }, META));
    const hits = searchIndex(file, 'india').hits;
    expect(hits.map((h) => h.created)).toEqual([...hits.map((h) => h.created)].sort().reverse());
  });

  it('groups the timeline by UTC day, newest first', () => {
    const memories = Array.from({ length: 50 }, (_, i) => memory(i, ['oscar']));
    const file = IndexFile.fromBytes(writeIndex(undefined, { add: memories, remove: [] }, META));
    const days = timeline(file);
    expect(days.map((d) => d.day)).toEqual(['2026-01-03', '2026-01-02', '2026-01-01']);
    expect(days[0]?.memories[0]?.created).toBe('2026-01-03T01:00:00Z');
    expect(days.flatMap((d) => d.memories)).toHaveLength(50);
    const decisions = timeline(file, {
      types: ['decision'],
      since: new Date('2026-01-02T00:00:00Z'),
    });
    expect(decisions.map((d) => d.day)).toEqual(['2026-01-03', '2026-01-02']);
    expect(decisions.flatMap((d) => d.memories).every((m) => m.type === 'decision')).toBe(true);
  });

  it('refuses damaged, foreign and other-engine files', () => {
    const good = writeIndex(undefined, { add: [memory(1, ['papa'])], remove: [] }, META);
    const path = join(tmpdir(), `rem-search-${process.pid}.idx`);
    try {
      writeFileSync(path, good);
      expect(IndexFile.open(path, ENGINE)?.header.live).toBe(1);
      expect(IndexFile.open(path, 'another engine')).toBeUndefined();
      writeFileSync(path, good.subarray(0, 20));
      expect(IndexFile.open(path, ENGINE)).toBeUndefined();
      writeFileSync(path, good.subarray(0, good.length - 8));
      expect(IndexFile.open(path, ENGINE)).toBeUndefined();
      writeFileSync(path, 'not an index at all');
      expect(IndexFile.open(path, ENGINE)).toBeUndefined();
      rmSync(path);
      expect(IndexFile.open(path, ENGINE)).toBeUndefined();
    } finally {
      rmSync(path, { force: true });
    }
  });

  it('trusts folder stamps only once they are older than the index by a margin', () => {
    const at = (time: number, ino = 7): Stamp => [4096, time, time, ino];
    const header = IndexFile.fromBytes(
      writeIndex(
        undefined,
        { add: [], remove: [] },
        { written: 100_000, dirs: { ab: at(50_000) } },
      ),
    ).header;
    expect(isFresh(header, { ab: at(50_000) })).toBe(true);
    expect(isFresh(header, { ab: at(50_001) })).toBe(false);
    // The modification time put back (touch -r) still changes the change time.
    expect(isFresh(header, { ab: [4096, 50_000, 60_000, 7] })).toBe(false);
    expect(isFresh(header, { ab: at(50_000, 8) })).toBe(false);
    expect(isFresh(header, { ab: at(50_000), cd: at(1) })).toBe(false);
    expect(isFresh(header, {})).toBe(false);
    const racy = IndexFile.fromBytes(
      writeIndex(
        undefined,
        { add: [], remove: [] },
        { written: 100_000, dirs: { ab: at(100_000 - RACY_MS) } },
      ),
    ).header;
    expect(isFresh(racy, { ab: at(100_000 - RACY_MS) })).toBe(false);
  });

  it('refuses a record that does not match its checksum or its row', () => {
    const bytes = writeIndex(
      undefined,
      { add: [memory(1, ['papa']), memory(2, ['quebec'])], remove: [] },
      META,
    );
    expect(searchIndex(IndexFile.fromBytes(bytes), 'papa').hits).toHaveLength(1);
    // One letter of a stored title changed: the record still parses, its checksum fails.
    const text = Buffer.from(bytes).toString('latin1');
    const at = text.indexOf('papa', text.indexOf('"title"'));
    const damaged = Uint8Array.from(bytes);
    damaged[at] = 'q'.charCodeAt(0);
    expect(() => searchIndex(IndexFile.fromBytes(damaged), 'papa')).toThrow(/damaged/);
    expect(() => timeline(IndexFile.fromBytes(damaged))).toThrow(/damaged/);
  });
});

describe('body beyond the title', () => {
  it('indexes only what the body adds to the title', () => {
    expect(bodyBeyondTitle('Adopt Kafka', 'Adopt Kafka')).toBe('');
    expect(bodyBeyondTitle('Adopt Kafka', 'Adopt Kafka\n\nFor the event bus.')).toBe(
      '\nFor the event bus.',
    );
    expect(bodyBeyondTitle('api 1.4.2 → production', 'api 1.4.2 production')).toBe('');
    expect(bodyBeyondTitle('Adopt Kafka…', 'Adopt Kafka for the event bus')).toBe(
      'Adopt Kafka for the event bus',
    );
  });
});

describe('snippet', () => {
  it('marks the matched words around the first match', () => {
    const body = `${'lorem ipsum '.repeat(20)}we chose Postgres for the ledger because postgres is boring ${'dolor sit '.repeat(20)}`;
    const s = makeSnippet({ title: 'Ledger', body, tags: '', notes: '' }, { postgres: ['body'] });
    expect(s.field).toBe('body');
    expect(s.text.startsWith('…')).toBe(true);
    expect(s.text.endsWith('…')).toBe(true);
    expect(s.text.length).toBeLessThanOrEqual(102);
    expect(s.marks.map(([a, b]) => s.text.slice(a, b))).toEqual(['Postgres', 'postgres']);
  });

  it('keeps a short field whole and falls back to the title', () => {
    const s = makeSnippet(
      { title: 'Use Kafka', body: '', tags: '', notes: '' },
      { kafka: ['title'] },
    );
    expect(s).toEqual({ text: 'Use Kafka', marks: [[4, 9]], field: 'title' });
  });
});
