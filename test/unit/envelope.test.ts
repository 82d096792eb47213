/**
 * The envelope: ids, the one byte form of a memory file, the checks a read makes before
 * trusting a file, and the deterministic merge of two copies (DESIGN.md §2).
 */
import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { canonicalize } from '../../src/ground/canonical-json.js';
import {
  MAX_MEMORY_BYTES,
  decodeMemory,
  memoryId,
  mergeEnvelopes,
  normalizeSignatures,
  serializeEnvelope,
  toMemory,
  type Envelope,
  type Signature,
  type Signed,
  type Timestamp,
} from '../../src/memory/envelope.js';
import { RemembrancerError } from '../../src/ground/errors.js';
import {
  buildDecision,
  buildDeploy,
  buildSeal,
  type Origin,
} from '../../src/memory/memory-types.js';
import { memoryPath } from '../../src/ground/paths.js';

const KEY_A = 'A'.repeat(40);
const KEY_B = 'B'.repeat(40);
const KEY_C = '0123456789ABCDEF0123456789ABCDEF01234567';
const ARTIFACT = createHash('sha256').update('artifact').digest('hex');

/** A string that fits the schema's pattern for an armoured signature; never verified here. */
function armour(body: string): string {
  return `-----BEGIN PGP SIGNATURE-----\n\n${body}\n-----END PGP SIGNATURE-----\n`;
}

const origin: Origin = {
  node: 'test-node',
  author: { name: 'Ada Lovelace', email: 'ada@example.com', key: KEY_A },
  created: new Date('2026-01-02T03:04:05.678Z'),
};

function decision(text = 'Use PostgreSQL for the ledger'): Signed {
  return buildDecision(origin, text, ['db', 'Ledger']) as unknown as Signed;
}

function deploy(): Signed {
  return buildDeploy(
    origin,
    { component: 'payments', version: '1.4.2', environment: 'production' },
    ARTIFACT,
  ) as unknown as Signed;
}

/** The file a tool would write for an envelope, valid or not: its path and its bytes. */
function fileOf(envelope: Envelope): { path: string; bytes: Buffer; text: string } {
  const text = serializeEnvelope(envelope);
  return { path: memoryPath(memoryId(envelope.signed)), bytes: Buffer.from(text), text };
}

function validFile(signatures: Signature[] = [{ keyid: KEY_A, sig: armour('c2lnQQ==') }]) {
  const memory = toMemory({ signed: decision(), signatures });
  return { memory, ...fileOf(memory.envelope) };
}

function decodeError(path: string, bytes: Uint8Array): RemembrancerError {
  try {
    decodeMemory(path, bytes);
  } catch (err) {
    expect(err).toBeInstanceOf(RemembrancerError);
    return err as RemembrancerError;
  }
  throw new Error(`decodeMemory accepted ${path}`);
}

describe('memoryId', () => {
  it('is the lower-case hex SHA-256 of the RFC 8785 bytes of `signed`', () => {
    const signed = decision();
    const expected = createHash('sha256').update(canonicalize(signed), 'utf8').digest('hex');
    expect(memoryId(signed)).toBe(expected);
    expect(memoryId(signed)).toMatch(/^[0-9a-f]{64}$/);
  });

  it('does not depend on key order and changes with any field', () => {
    const signed = decision();
    const reordered = reorder(signed) as Signed;
    expect(Object.keys(reordered)).not.toEqual(Object.keys(signed));
    expect(memoryId(reordered)).toBe(memoryId(signed));
    expect(memoryId({ ...signed, node: 'other-node' })).not.toBe(memoryId(signed));
    expect(memoryId({ ...signed, created: '2026-01-02T03:04:06Z' })).not.toBe(memoryId(signed));
  });

  it('does not change when signatures or timestamps are added', () => {
    const bare = toMemory({ signed: decision(), signatures: [] });
    const signed = toMemory({
      signed: decision(),
      signatures: [
        { keyid: KEY_A, sig: armour('QQ=='), timestamps: [{ tsa: 'freetsa', token: 'AAAA' }] },
      ],
    });
    expect(signed.id).toBe(bare.id);
    expect(signed.path).toBe(bare.path);
  });

  it('names the file memories/<first two hex>/<id>.json', () => {
    const { memory } = validFile();
    expect(memory.path).toBe(`memories/${memory.id.slice(0, 2)}/${memory.id}.json`);
  });
});

describe('decodeMemory', () => {
  it('round-trips a valid memory byte for byte', () => {
    const { memory, path, bytes, text } = validFile([
      { keyid: KEY_B, sig: armour('Qg=='), timestamps: [{ tsa: 'tsa-b', token: 'QUJD' }] },
      { keyid: KEY_A, sig: armour('QQ==') },
    ]);
    const decoded = decodeMemory(path, bytes);
    expect(decoded.id).toBe(memory.id);
    expect(decoded.path).toBe(path);
    expect(Buffer.from(decoded.signedBytes).toString('utf8')).toBe(
      canonicalize(memory.envelope.signed),
    );
    expect(serializeEnvelope(decoded.envelope)).toBe(text);
    expect(decoded.envelope.signatures.map((s) => s.keyid)).toEqual([KEY_A, KEY_B]);
  });

  it('round-trips deploy and seal memories too', () => {
    const seal = buildSeal(origin, {
      treeSize: 3,
      root: createHash('sha256').update('root').digest('hex'),
      previous: null,
    }) as unknown as Signed;
    for (const signed of [deploy(), seal]) {
      const memory = toMemory({ signed, signatures: [] });
      const { path, bytes, text } = fileOf(memory.envelope);
      expect(serializeEnvelope(decodeMemory(path, bytes).envelope)).toBe(text);
    }
  });

  it('refuses a file over the size limit before reading it', () => {
    const { path } = validFile();
    const err = decodeError(path, Buffer.alloc(MAX_MEMORY_BYTES + 1, 0x20));
    expect(err.code).toBe('FILE_TOO_LARGE');
    expect(err.file).toBe(`.remembrancer/${path}`);
    // Exactly at the limit is not refused for its size (it fails later, as JSON).
    expect(decodeError(path, Buffer.alloc(MAX_MEMORY_BYTES, 0x20)).code).toBe('MALFORMED_JSON');
  });

  it('rejects bytes that are not UTF-8', () => {
    const { path, bytes } = validFile();
    const broken = Buffer.from(bytes);
    broken[broken.indexOf('PostgreSQL')] = 0xff;
    const err = decodeError(path, broken);
    expect(err.code).toBe('MALFORMED_JSON');
    expect(err.message).toMatch(/UTF-8/);
  });

  it('rejects malformed JSON (a truncated file)', () => {
    const { path, bytes } = validFile();
    const err = decodeError(path, bytes.subarray(0, bytes.length - 10));
    expect(err.code).toBe('MALFORMED_JSON');
    expect(err.file).toBe(`.remembrancer/${path}`);
  });

  it('rejects a duplicate key', () => {
    const { path, text } = validFile();
    const doubled = text.replace('"node": "test-node",', '"node": "test-node",\n    "node": "x",');
    expect(doubled).not.toBe(text);
    expect(decodeError(path, Buffer.from(doubled)).code).toBe('DUPLICATE_KEY');
  });

  it('rejects a deploy without body.version', () => {
    const signed = deploy();
    delete (signed.body as Record<string, unknown>)['version'];
    const { path, bytes } = fileOf({ signed, signatures: [] });
    const err = decodeError(path, bytes);
    expect(err.code).toBe('SCHEMA_VIOLATION');
    expect(err.message).toMatch(/version/);
  });

  it('rejects a seal whose treeSize is a float or above 2^53 - 1', () => {
    for (const treeSize of [1.5, 2 ** 53, -1]) {
      const signed = buildSeal(origin, {
        treeSize,
        root: 'a'.repeat(64),
        previous: null,
      }) as unknown as Signed;
      const { path, bytes } = fileOf({ signed, signatures: [] });
      expect(decodeError(path, bytes).code).toBe('SCHEMA_VIOLATION');
    }
  });

  it('rejects a signature that is not armoured or whose keyid is not a fingerprint', () => {
    for (const sig of [
      { keyid: KEY_A, sig: 'not a signature' },
      { keyid: KEY_A.toLowerCase(), sig: armour('QQ==') },
    ]) {
      const { path, bytes } = fileOf({ signed: decision(), signatures: [sig] });
      expect(decodeError(path, bytes).code).toBe('SCHEMA_VIOLATION');
    }
  });

  it('rejects an unknown type with UNKNOWN_TYPE', () => {
    const signed = { ...decision(), type: 'poem' };
    const { path, bytes } = fileOf({ signed, signatures: [] });
    const err = decodeError(path, bytes);
    expect(err.code).toBe('UNKNOWN_TYPE');
    expect(err.message).toContain('poem');
  });

  it('rejects a memory whose content was altered (ID_MISMATCH)', () => {
    const { path, memory } = validFile();
    const altered = {
      ...memory.envelope,
      signed: { ...memory.envelope.signed, node: 'evil-node' },
    };
    const err = decodeError(path, Buffer.from(serializeEnvelope(altered)));
    expect(err.code).toBe('ID_MISMATCH');
    expect(err.file).toBe(`.remembrancer/${path}`);
  });

  it('rejects a memory filed under the wrong shard', () => {
    const { memory, bytes } = validFile();
    const shard = memory.id.startsWith('00') ? 'ff' : '00';
    const err = decodeError(`memories/${shard}/${memory.id}.json`, bytes);
    expect(err.code).toBe('WRONG_SHARD');
    expect(err.fix).toContain(memory.path);
  });

  it.each([
    ['re-indented', (t: string) => JSON.stringify(JSON.parse(t), null, 4) + '\n'],
    ['without its trailing newline', (t: string) => t.slice(0, -1)],
    ['with an extra trailing newline', (t: string) => t + '\n'],
    ['with CRLF line endings', (t: string) => t.replace(/\n/g, '\r\n')],
    [
      'with keys in insertion order',
      (t: string) => JSON.stringify(reorder(JSON.parse(t)), null, 2) + '\n',
    ],
  ])('rejects a file %s (NOT_CANONICAL_JSON)', (_how, reformat) => {
    const { path, text } = validFile();
    const changed = reformat(text);
    expect(changed).not.toBe(text);
    expect(decodeError(path, Buffer.from(changed, 'utf8')).code).toBe('NOT_CANONICAL_JSON');
  });

  it('rejects a file with a UTF-8 byte order mark (its bytes are not the canonical bytes)', () => {
    // DESIGN.md §2: file bytes are a pure function of the envelope, so two nodes holding
    // one memory hold one git blob. A BOM-prefixed copy would be a second, different blob.
    const { path, bytes } = validFile();
    const withBom = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), bytes]);
    expect(['NOT_CANONICAL_JSON', 'MALFORMED_JSON']).toContain(decodeError(path, withBom).code);
  });

  it('rejects a file whose signatures are out of order (NOT_CANONICAL_JSON)', () => {
    const signed = decision();
    const path = memoryPath(memoryId(signed));
    const unsorted = JSON.stringify(
      {
        signatures: [
          { keyid: KEY_B, sig: armour('Qg==') },
          { keyid: KEY_A, sig: armour('QQ==') },
        ],
        signed: JSON.parse(canonicalize(signed)) as unknown,
      },
      null,
      2,
    );
    // Keys sorted, indentation right: only the signature order is wrong.
    expect(decodeError(path, Buffer.from(unsorted + '\n')).code).toBe('NOT_CANONICAL_JSON');
  });

  it.each([
    'memories/ab/notes.txt',
    'memories/README.md',
    'memories/ab/ABCDEF.json',
    `memories/${'a'.repeat(64)}.json`,
    `memories/AA/${'A'.repeat(64)}.json`,
    `memories/aa/${'a'.repeat(63)}.json`,
    `memories/aa/${'a'.repeat(64)}.json.bak`,
  ])('rejects %s as UNEXPECTED_FILE', (path) => {
    const { bytes } = validFile();
    const err = decodeError(path, bytes);
    expect(err.code).toBe('UNEXPECTED_FILE');
    expect(err.file).toBe(`.remembrancer/${path}`);
  });
});

/** Rebuilds objects with keys in reverse order, so JSON.stringify does not sort them. */
function reorder(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(reorder);
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(value).reverse()) {
      out[key] = reorder((value as Record<string, unknown>)[key]);
    }
    return out;
  }
  return value;
}

describe('normalizeSignatures', () => {
  it('sorts by keyid and keeps one signature per key, the smaller one', () => {
    const result = normalizeSignatures([
      { keyid: KEY_C, sig: armour('Yw==') },
      { keyid: KEY_B, sig: armour('Zg==') },
      { keyid: KEY_A, sig: armour('YQ==') },
      { keyid: KEY_B, sig: armour('Qg==') },
    ]);
    expect(result).toEqual([
      { keyid: KEY_C, sig: armour('Yw==') },
      { keyid: KEY_A, sig: armour('YQ==') },
      { keyid: KEY_B, sig: armour('Qg==') },
    ]);
  });

  it('keeps the timestamps of the signature that wins, not of the one that loses', () => {
    const result = normalizeSignatures([
      { keyid: KEY_A, sig: armour('Zg=='), timestamps: [{ tsa: 'loser', token: 'AAAA' }] },
      { keyid: KEY_A, sig: armour('Qg=='), timestamps: [{ tsa: 'winner', token: 'BBBB' }] },
    ]);
    expect(result).toEqual([
      { keyid: KEY_A, sig: armour('Qg=='), timestamps: [{ tsa: 'winner', token: 'BBBB' }] },
    ]);
  });

  it('unions, de-duplicates and sorts the timestamps of one signature', () => {
    const sig = armour('QQ==');
    const result = normalizeSignatures([
      {
        keyid: KEY_A,
        sig,
        timestamps: [
          { tsa: 'zeta', token: 'AAAA' },
          { tsa: 'alpha', token: 'CCCC' },
        ],
      },
      {
        keyid: KEY_A,
        sig,
        timestamps: [
          { tsa: 'alpha', token: 'BBBB' },
          { tsa: 'zeta', token: 'AAAA' },
        ],
      },
    ]);
    expect(result).toEqual([
      {
        keyid: KEY_A,
        sig,
        timestamps: [
          { tsa: 'alpha', token: 'BBBB' },
          { tsa: 'alpha', token: 'CCCC' },
          { tsa: 'zeta', token: 'AAAA' },
        ],
      },
    ]);
  });

  it('drops an empty timestamp list and does not modify its input', () => {
    const input: Signature[] = [
      { keyid: KEY_B, sig: armour('Qg=='), timestamps: [] },
      { keyid: KEY_A, sig: armour('QQ=='), timestamps: [{ tsa: 't', token: 'AAAA' }] },
      { keyid: KEY_A, sig: armour('QQ=='), timestamps: [{ tsa: 's', token: 'AAAA' }] },
    ];
    const before = structuredClone(input);
    const result = normalizeSignatures(input);
    expect(result[1]).toEqual({ keyid: KEY_B, sig: armour('Qg==') });
    expect('timestamps' in (result[1] as object)).toBe(false);
    expect(input).toEqual(before);
  });
});

describe('mergeEnvelopes', () => {
  const keyids = fc.constantFrom(KEY_A, KEY_B, KEY_C);
  const sigs = fc.constantFrom('QQ==', 'Qg==', 'YQ==', 'Yg==').map(armour);
  const timestamp: fc.Arbitrary<Timestamp> = fc.record({
    tsa: fc.constantFrom('alpha', 'beta', 'zeta'),
    token: fc.constantFrom('AAAA', 'BBBB', 'dG9rZW4='),
  });
  const signature: fc.Arbitrary<Signature> = fc
    .record({ keyid: keyids, sig: sigs, timestamps: fc.array(timestamp, { maxLength: 3 }) })
    .map((s) => (s.timestamps.length === 0 ? { keyid: s.keyid, sig: s.sig } : s));
  const signatureSet = fc.array(signature, { maxLength: 6 });

  /** What a merge must give, computed independently of the implementation. */
  function expectedUnion(all: Signature[]): Signature[] {
    const keys = [...new Set(all.map((s) => s.keyid))].sort();
    return keys.map((keyid) => {
      const mine = all.filter((s) => s.keyid === keyid);
      const sig = mine.map((s) => s.sig).sort()[0] as string;
      const stamps = new Map<string, Timestamp>();
      for (const s of mine.filter((m) => m.sig === sig)) {
        for (const t of s.timestamps ?? []) stamps.set(JSON.stringify([t.tsa, t.token]), t);
      }
      const timestamps = [...stamps.keys()].sort().map((k) => stamps.get(k) as Timestamp);
      return timestamps.length > 0 ? { keyid, sig, timestamps } : { keyid, sig };
    });
  }

  it('merges two copies of one memory to the sorted union, commutatively', () => {
    const signed = decision();
    fc.assert(
      fc.property(signatureSet, signatureSet, (left, right) => {
        const a: Envelope = { signed, signatures: left };
        const b: Envelope = { signed: structuredClone(signed), signatures: right };
        const ab = mergeEnvelopes(a, b);
        const ba = mergeEnvelopes(b, a);
        expect(ab.signatures).toEqual(expectedUnion([...left, ...right]));
        expect(serializeEnvelope(ab)).toBe(serializeEnvelope(ba));
        expect(memoryId(ab.signed)).toBe(memoryId(signed));
        // Merging is idempotent: a copy merged with itself is unchanged.
        expect(mergeEnvelopes(ab, ab).signatures).toEqual(ab.signatures);
      }),
      { numRuns: 300 },
    );
  });

  it('is associative, so gossip in any order settles on the same file', () => {
    const signed = decision();
    fc.assert(
      fc.property(signatureSet, signatureSet, signatureSet, (x, y, z) => {
        const e = (signatures: Signature[]): Envelope => ({ signed, signatures });
        const left = mergeEnvelopes(mergeEnvelopes(e(x), e(y)), e(z));
        const right = mergeEnvelopes(e(x), mergeEnvelopes(e(y), e(z)));
        expect(serializeEnvelope(left)).toBe(serializeEnvelope(right));
      }),
      { numRuns: 200 },
    );
  });

  it('gives a file that still decodes under the same id', () => {
    const a = toMemory({
      signed: decision(),
      signatures: [{ keyid: KEY_B, sig: armour('Yg==') }],
    });
    const b = toMemory({
      signed: decision(),
      signatures: [
        { keyid: KEY_A, sig: armour('QQ=='), timestamps: [{ tsa: 'tsa', token: 'AAAA' }] },
      ],
    });
    const merged = mergeEnvelopes(a.envelope, b.envelope);
    const decoded = decodeMemory(a.path, Buffer.from(serializeEnvelope(merged)));
    expect(decoded.id).toBe(a.id);
    expect(decoded.envelope.signatures.map((s) => s.keyid)).toEqual([KEY_A, KEY_B]);
  });

  it('refuses to merge two different memories', () => {
    const a: Envelope = { signed: decision('one'), signatures: [] };
    const b: Envelope = { signed: decision('two'), signatures: [] };
    let error: unknown;
    try {
      mergeEnvelopes(a, b);
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(RemembrancerError);
    expect((error as RemembrancerError).code).toBe('INVALID_STATE');
  });
});

describe('decodeMemory on hostile bytes (property)', () => {
  /** Fragments that break JSON in the ways a fuzzer would: brackets, quotes, escapes. */
  const fragment = fc.oneof(
    fc.constantFrom('[', ']', '{', '}', '"', '\\', ',', ':', '\\u', '\\ud800', '-0', '1e999'),
    fc.constantFrom('NaN', '"__proto__":', '"signed":', '\ufeff', '\u0000', '\n', '\r'),
    fc.string({ maxLength: 8 }),
    fc.integer({ min: 1, max: 5000 }).map((n) => '['.repeat(n)),
  );
  const edit = fc.record({
    at: fc.nat(),
    drop: fc.nat({ max: 8 }),
    insert: fc.array(fragment, { maxLength: 4 }).map((parts) => parts.join('')),
  });

  it('either reads a memory or throws one RemembrancerError naming the file, whatever the bytes', () => {
    const { path, text } = validFile();
    fc.assert(
      fc.property(fc.array(edit, { minLength: 1, maxLength: 4 }), (edits) => {
        let bytes = text;
        for (const e of edits) {
          const at = e.at % (bytes.length + 1);
          bytes = bytes.slice(0, at) + e.insert + bytes.slice(at + e.drop);
        }
        try {
          decodeMemory(path, Buffer.from(bytes, 'utf8'));
        } catch (err) {
          expect(err).toBeInstanceOf(RemembrancerError);
          const { message, file } = err as RemembrancerError;
          expect(file).toBe(`.remembrancer/${path}`);
          // eslint-disable-next-line no-control-regex -- a message holds no control character
          expect(message).not.toMatch(/[\u0000-\u001f]/);
          expect(message.length).toBeLessThan(400);
        }
      }),
      { numRuns: 3000 },
    );
  });

  it('reads no JSON nested deeper than 64 levels, however it is made', () => {
    const { path, text } = validFile();
    for (const depth of [65, 1000, 100_000, 170_000]) {
      for (const bytes of [
        '['.repeat(depth) + ']'.repeat(depth),
        text.replace('"tags": [', '"tags": [' + '['.repeat(depth)),
        '{"a":'.repeat(depth) + '{}' + '}'.repeat(depth),
      ]) {
        const err = decodeError(path, Buffer.from(bytes));
        expect(err.message).toMatch(/^JSON nests deeper than 64 levels \(line \d+ column \d+\)$/);
      }
    }
  });
});
