/**
 * RFC 8785 canonical JSON and the strict reader (DESIGN.md §2: ids hash these bytes, so
 * any difference here gives two nodes different ids for one memory).
 */
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { SHARED } from '../helpers/cli.js';
import {
  canonicalBytes,
  canonicalize,
  fileJson,
  parseJson,
} from '../../src/ground/canonical-json.js';
import { RemembrancerError } from '../../src/ground/errors.js';

const VECTORS = join(SHARED, 'vectors/rfc8785/');
const haveVectors = existsSync(`${VECTORS}input`);

/** Runs `fn` and returns the RemembrancerError it throws; fails the test if it does not. */
function thrown(fn: () => unknown): RemembrancerError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(RemembrancerError);
    return err as RemembrancerError;
  }
  throw new Error('expected a RemembrancerError, but nothing was thrown');
}

describe.skipIf(!haveVectors)(`RFC 8785 published vectors (skipped: ${VECTORS} is absent)`, () => {
  const names = haveVectors
    ? readdirSync(`${VECTORS}input`)
        .filter((n) => n.endsWith('.json'))
        .map((n) => n.slice(0, -'.json'.length))
        .sort()
    : [];

  it('has the vectors it expects to run', () => {
    expect(names).toEqual(
      expect.arrayContaining(['arrays', 'french', 'structures', 'unicode', 'values', 'weird']),
    );
  });

  it.each(names)('%s: input canonicalises to exactly output/ and outhex/', (name) => {
    const input = readFileSync(`${VECTORS}input/${name}.json`, 'utf8');
    const expected = readFileSync(`${VECTORS}output/${name}.json`);
    const hex = readFileSync(`${VECTORS}outhex/${name}.txt`, 'utf8').replace(/\s+/g, '');

    const bytes = Buffer.from(canonicalBytes(parseJson(input)));
    expect(bytes.toString('utf8')).toBe(expected.toString('utf8'));
    expect(bytes.equals(expected)).toBe(true);
    expect(bytes.toString('hex')).toBe(hex.toLowerCase());
    expect(canonicalize(parseJson(input))).toBe(expected.toString('utf8'));
  });

  it.each(names)('%s: canonical output is a fixed point', (name) => {
    const expected = readFileSync(`${VECTORS}output/${name}.json`, 'utf8');
    expect(canonicalize(parseJson(expected))).toBe(expected);
  });
});

describe('canonicalize', () => {
  it('orders keys that look like integers by UTF-16 code units, not numerically', () => {
    // A plain JS object enumerates "2" before "10"; JCS wants "10" < "2" < "a".
    const value = { a: 1, '2': 2, '10': 3 };
    expect(canonicalize(value)).toBe('{"10":3,"2":2,"a":1}');
    expect(canonicalize(parseJson('{"a":1,"2":2,"10":3}'))).toBe('{"10":3,"2":2,"a":1}');
  });

  it('orders keys by UTF-16 code units, not by code points', () => {
    // U+1F602 is D83D DE02 in UTF-16, which sorts before U+FB33 although its code point is larger.
    expect(canonicalize({ '\uFB33': 1, '\u{1F602}': 2, z: 3 })).toBe(
      '{"z":3,"\u{1F602}":2,"\uFB33":1}',
    );
  });

  it('sorts nested objects and keeps array order', () => {
    expect(canonicalize({ b: [3, 1, { y: 1, x: 2 }], a: { d: null, c: true } })).toBe(
      '{"a":{"c":true,"d":null},"b":[3,1,{"x":2,"y":1}]}',
    );
  });

  it('serialises numbers as ECMAScript does (RFC 8785 §3.2.2.3)', () => {
    expect(canonicalize([1e30, 4.5, 0.002, 1e-27, -0, 9007199254740991, 100])).toBe(
      '[1e+30,4.5,0.002,1e-27,0,9007199254740991,100]',
    );
  });

  it('gives UTF-8 bytes, not UTF-16 or escapes, for non-ASCII text', () => {
    expect(Buffer.from(canonicalBytes({ k: '€' })).toString('hex')).toBe(
      Buffer.from('{"k":"\u20ac"}', 'utf8').toString('hex'),
    );
  });

  it.each([
    ['a lone high surrogate', '\uD800'],
    ['a lone low surrogate', '\uDC00'],
    ['a reversed pair', '\uDE02\uD83D'],
    ['a high surrogate at the end of text', 'abc\uD83D'],
  ])('rejects a string holding %s', (_what, text) => {
    expect(thrown(() => canonicalize({ text })).code).toBe('MALFORMED_JSON');
    expect(thrown(() => canonicalize({ [text]: 1 })).code).toBe('MALFORMED_JSON');
    expect(thrown(() => canonicalize([text])).code).toBe('MALFORMED_JSON');
  });

  it('accepts a well-formed surrogate pair', () => {
    expect(canonicalize('\uD83D\uDE02')).toBe('"\u{1F602}"');
  });

  it.each([
    ['NaN', NaN],
    ['Infinity', Infinity],
    ['-Infinity', -Infinity],
  ])('rejects %s, which has no JSON form', (_name, n) => {
    expect(thrown(() => canonicalize(n)).code).toBe('MALFORMED_JSON');
    expect(thrown(() => canonicalize({ a: [n] })).code).toBe('MALFORMED_JSON');
    expect(thrown(() => fileJson({ a: n })).code).toBe('MALFORMED_JSON');
  });

  it('is idempotent and agrees with JSON.parse on arbitrary JSON values', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        const once = canonicalize(value);
        expect(canonicalize(JSON.parse(once))).toBe(once);
        expect(JSON.parse(once)).toEqual(JSON.parse(JSON.stringify(value)));
        // The strict reader must accept what the writer writes (no false duplicate keys).
        expect(canonicalize(parseJson(once))).toBe(once);
        expect(canonicalize(parseJson(fileJson(value)))).toBe(once);
      }),
      { numRuns: 300 },
    );
  });
});

describe('fileJson', () => {
  it('is two-space indented, key-sorted, with exactly one trailing newline', () => {
    const text = fileJson({ b: 1, a: { d: [1, 'x'], c: {}, e: [] }, '10': null });
    expect(text).toBe(
      [
        '{',
        '  "10": null,',
        '  "a": {',
        '    "c": {},',
        '    "d": [',
        '      1,',
        '      "x"',
        '    ],',
        '    "e": []',
        '  },',
        '  "b": 1',
        '}',
        '',
      ].join('\n'),
    );
    expect(text.endsWith('}\n')).toBe(true);
    expect(text.endsWith('\n\n')).toBe(false);
  });

  it('depends only on the value, not on the order keys were inserted', () => {
    expect(fileJson({ x: 1, y: { q: 1, p: 2 } })).toBe(fileJson({ y: { p: 2, q: 1 }, x: 1 }));
  });

  it('holds the same data as the canonical form', () => {
    const value = { z: ['é', 1.5, true], a: { '\n': 'line' } };
    expect(canonicalize(JSON.parse(fileJson(value)))).toBe(canonicalize(value));
  });
});

describe('parseJson', () => {
  it('rejects a duplicate key with DUPLICATE_KEY and the line it is on', () => {
    const text = ['{', '  "a": 1,', '  "b": {', '    "c": 1,', '    "c": 2', '  }', '}'].join('\n');
    const err = thrown(() => parseJson(text, 'x.json'));
    expect(err.code).toBe('DUPLICATE_KEY');
    expect(err.message).toContain('"c"');
    expect(err.message).toContain('line 5');
    expect(err.file).toBe('x.json');
  });

  it('rejects a duplicate key spelled with an escape', () => {
    expect(thrown(() => parseJson('{"a":1,"\\u0061":2}')).code).toBe('DUPLICATE_KEY');
  });

  it('is not fooled by braces and escaped quotes inside strings', () => {
    expect(thrown(() => parseJson('{"x":"}","x":1}')).code).toBe('DUPLICATE_KEY');
    expect(thrown(() => parseJson('{"x":"\\"}\\\\","x":1}')).code).toBe('DUPLICATE_KEY');
  });

  it('accepts the same key in different objects, and a value equal to a key', () => {
    expect(parseJson('[{"a":1},{"a":2}]')).toEqual([{ a: 1 }, { a: 2 }]);
    expect(parseJson('{"a":{"x":1},"b":{"x":[{"x":1}]},"x":"x"}')).toEqual({
      a: { x: 1 },
      b: { x: [{ x: 1 }] },
      x: 'x',
    });
    expect(parseJson('{"a":[1,{"b":2}],"b":3}')).toEqual({ a: [1, { b: 2 }], b: 3 });
  });

  it('rejects an escaped lone surrogate', () => {
    expect(thrown(() => parseJson('{"a":"\\ud800"}')).code).toBe('MALFORMED_JSON');
    expect(thrown(() => parseJson('{"a":"x\\uDC00y"}')).code).toBe('MALFORMED_JSON');
    expect(thrown(() => parseJson('{"\\ud800":1}')).code).toBe('MALFORMED_JSON');
  });

  it('rejects a raw lone surrogate in the text', () => {
    expect(thrown(() => parseJson('{"a":"\uD800"}')).code).toBe('MALFORMED_JSON');
  });

  it('accepts an escaped surrogate pair and an escaped backslash before "ud800"', () => {
    expect(parseJson('{"a":"\\ud83d\\ude02"}')).toEqual({ a: '\u{1F602}' });
    expect(parseJson('{"a":"\\\\ud800"}')).toEqual({ a: '\\ud800' });
  });

  it('reports a syntax error with MALFORMED_JSON at line N column M', () => {
    const text = '{\n  "a": 1\n  "b": 2\n}';
    const err = thrown(() => parseJson(text, 'm.json'));
    expect(err.code).toBe('MALFORMED_JSON');
    expect(err.message).toMatch(/line 3 column 3\b/);
    expect(err.file).toBe('m.json');
  });

  it('reports trailing garbage at its line and column', () => {
    const err = thrown(() => parseJson('{}\n\n  x'));
    expect(err.code).toBe('MALFORMED_JSON');
    expect(err.message).toMatch(/line 3 column 3\b/);
  });

  it('reports an unexpected token (a typo in a value) at its line and column', () => {
    // Node 20 words this error "Unexpected token '+', ... is not valid JSON" without a
    // position; the user still needs to know where the typo is.
    const err = thrown(() => parseJson('{\n  "a": 1,\n  "b": +2\n}'));
    expect(err.code).toBe('MALFORMED_JSON');
    expect(err.message).toMatch(/line 3 column 8\b/);
  });

  it('says an empty file is empty', () => {
    const err = thrown(() => parseJson('  \n'));
    expect(err.code).toBe('MALFORMED_JSON');
    expect(err.message).toMatch(/empty/);
  });
});
