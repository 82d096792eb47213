/**
 * RFC 8785 JSON Canonicalization Scheme (JCS), plus the pretty file form of DESIGN.md §2.
 *
 * Written here rather than taken from npm because we need it stricter than the
 * published packages: lone surrogates and non-finite numbers are rejected, and keys are
 * ordered by UTF-16 code units even when they look like array indices (which a rebuilt
 * JavaScript object would silently reorder before JSON.stringify sees it).
 */
import { RemembrancerError } from './errors.js';

export type JsonValue =
  null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

function encodeString(value: string): string {
  if (LONE_SURROGATE.test(value)) {
    throw new RemembrancerError('MALFORMED_JSON', 'string contains a lone UTF-16 surrogate');
  }
  // JSON.stringify escapes exactly as RFC 8785 §3.2.2.2 asks for well-formed strings.
  return JSON.stringify(value);
}

function encodeNumber(value: number): string {
  if (!Number.isFinite(value)) {
    throw new RemembrancerError('MALFORMED_JSON', `number ${value} has no JSON form`);
  }
  // ECMAScript Number serialisation is what RFC 8785 §3.2.2.3 specifies.
  return JSON.stringify(value);
}

function sortedKeys(value: object): string[] {
  // Default sort compares UTF-16 code units, as RFC 8785 §3.2.3 requires.
  return Object.keys(value)
    .filter((k) => (value as Record<string, unknown>)[k] !== undefined)
    .sort();
}

function encode(value: unknown, indent: string | null, depth: number): string {
  if (value === null) return 'null';
  switch (typeof value) {
    case 'boolean':
      return value ? 'true' : 'false';
    case 'number':
      return encodeNumber(value);
    case 'string':
      return encodeString(value);
    case 'object':
      break;
    default:
      throw new RemembrancerError('MALFORMED_JSON', `a ${typeof value} has no JSON form`);
  }
  const pad = indent === null ? '' : '\n' + indent.repeat(depth + 1);
  const close = indent === null ? '' : '\n' + indent.repeat(depth);
  const colon = indent === null ? ':' : ': ';
  if (Array.isArray(value)) {
    if (value.length === 0) return '[]';
    const items = value.map((item) => {
      if (item === undefined) {
        throw new RemembrancerError('MALFORMED_JSON', 'array holds an undefined value');
      }
      return pad + encode(item, indent, depth + 1);
    });
    return '[' + items.join(',') + close + ']';
  }
  const proto = Object.getPrototypeOf(value) as unknown;
  if (proto !== Object.prototype && proto !== null) {
    throw new RemembrancerError('MALFORMED_JSON', 'only plain objects have a JSON form');
  }
  const keys = sortedKeys(value);
  if (keys.length === 0) return '{}';
  const members = keys.map(
    (key) =>
      pad +
      encodeString(key) +
      colon +
      encode((value as Record<string, unknown>)[key], indent, depth + 1),
  );
  return '{' + members.join(',') + close + '}';
}

/** The RFC 8785 canonical form of a JSON value. */
export function canonicalize(value: unknown): string {
  return encode(value, null, 0);
}

const encoder = new TextEncoder();

/** UTF-8 bytes of the canonical form: what ids hash and signatures sign. */
export function canonicalBytes(value: unknown): Uint8Array {
  return encoder.encode(canonicalize(value));
}

/**
 * The bytes a memory file holds: keys sorted as in JCS, two-space indentation, one
 * trailing newline. A pure function of the value, so equal memories are equal blobs.
 */
export function fileJson(value: unknown): string {
  return encode(value, '  ', 0) + '\n';
}

/**
 * Parses JSON strictly: syntax errors carry line and column, duplicate keys and lone
 * surrogates are rejected (JSON.parse accepts both silently).
 */
export function parseJson(text: string, file?: string): JsonValue {
  let value: JsonValue;
  try {
    value = JSON.parse(text) as JsonValue;
  } catch (err) {
    throw new RemembrancerError('MALFORMED_JSON', describeSyntaxError(text, err), {
      file,
      fix: 'restore the file from git (git checkout -- FILE) or fix the JSON syntax',
    });
  }
  const duplicate = findDuplicateKey(text);
  if (duplicate !== undefined) {
    throw new RemembrancerError(
      'DUPLICATE_KEY',
      `duplicate key "${duplicate.key}" at line ${duplicate.line}`,
      { file, fix: 'remove the repeated key; a memory has each key once' },
    );
  }
  if (LONE_SURROGATE.test(text) || /\\u[dD][89a-fA-F]/.test(text)) {
    try {
      canonicalize(value);
    } catch (err) {
      throw new RemembrancerError('MALFORMED_JSON', (err as Error).message, { file });
    }
  }
  return value;
}

function lineAndColumn(text: string, offset: number): { line: number; column: number } {
  let line = 1;
  let lineStart = 0;
  for (let i = 0; i < offset && i < text.length; i++) {
    if (text.charCodeAt(i) === 10) {
      line++;
      lineStart = i + 1;
    }
  }
  return { line, column: offset - lineStart + 1 };
}

function describeSyntaxError(text: string, err: unknown): string {
  const message = err instanceof Error ? err.message : String(err);
  const position = /position (\d+)/.exec(message);
  if (text.trim() === '') return 'malformed JSON: the file is empty';
  if (position) {
    const { line, column } = lineAndColumn(text, Number(position[1]));
    return `malformed JSON at line ${line} column ${column}`;
  }
  return `malformed JSON (${message.replace(/\s+/g, ' ')})`;
}

interface Frame {
  keys: Set<string> | null; // null for arrays
  expectKey: boolean;
}

/** Scans text already known to be valid JSON for an object holding the same key twice. */
export function findDuplicateKey(text: string): { key: string; line: number } | undefined {
  const stack: Frame[] = [];
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x22 /* " */) {
      let j = i + 1;
      while (j < text.length) {
        const d = text.charCodeAt(j);
        if (d === 0x5c /* \ */) j += 2;
        else if (d === 0x22) break;
        else j++;
      }
      const top = stack[stack.length - 1];
      if (top?.keys && top.expectKey) {
        const key = JSON.parse(text.slice(i, j + 1)) as string;
        if (top.keys.has(key)) return { key, line: lineAndColumn(text, i).line };
        top.keys.add(key);
        top.expectKey = false;
      }
      i = j;
    } else if (c === 0x7b /* { */) {
      stack.push({ keys: new Set(), expectKey: true });
    } else if (c === 0x5b /* [ */) {
      stack.push({ keys: null, expectKey: false });
    } else if (c === 0x7d /* } */ || c === 0x5d /* ] */) {
      stack.pop();
    } else if (c === 0x2c /* , */) {
      const top = stack[stack.length - 1];
      if (top?.keys) top.expectKey = true;
    }
  }
  return undefined;
}
