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
  if (text.trim() === '') return 'malformed JSON: the file is empty';
  // Node 20 gives a position for some syntax errors only; find it ourselves otherwise.
  const position = /position (\d+)/.exec(message);
  const offset = position ? Number(position[1]) : locateJsonError(text);
  if (offset >= text.length) return 'malformed JSON: the file ends in the middle of a value';
  if (offset >= 0) {
    const { line, column } = lineAndColumn(text, offset);
    return `malformed JSON at line ${line} column ${column}`;
  }
  return `malformed JSON (${message.replace(/\s+/g, ' ')})`;
}

const NUMBER = /-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?/y;

/**
 * The offset of the first character that breaks the JSON grammar (RFC 8259), or -1.
 * Runs only after JSON.parse has already failed, to say where.
 */
export function locateJsonError(text: string): number {
  let i = 0;
  const fail = (): never => {
    throw new SyntaxPosition(i);
  };
  const ws = () => {
    while (i < text.length && ' \t\n\r'.includes(text[i] as string)) i++;
  };
  const string = () => {
    i++; // opening quote
    while (i < text.length) {
      const c = text.charCodeAt(i);
      if (c === 0x22) {
        i++;
        return;
      }
      if (c < 0x20) fail();
      if (c === 0x5c) {
        const e = text[i + 1];
        if (e === 'u') {
          if (!/^[0-9a-fA-F]{4}$/.test(text.slice(i + 2, i + 6))) {
            i += 2;
            fail();
          }
          i += 6;
        } else if (e !== undefined && '"\\/bfnrt'.includes(e)) i += 2;
        else {
          i++;
          fail();
        }
      } else i++;
    }
    fail();
  };
  const value = (): void => {
    ws();
    const c = text[i];
    if (c === '{' || c === '[') {
      const close = c === '{' ? '}' : ']';
      i++;
      ws();
      if (text[i] === close) {
        i++;
        return;
      }
      for (;;) {
        if (c === '{') {
          ws();
          if (text[i] !== '"') fail();
          string();
          ws();
          if (text[i] !== ':') fail();
          i++;
        }
        value();
        ws();
        if (text[i] === ',') i++;
        else if (text[i] === close) {
          i++;
          return;
        } else fail();
      }
    }
    if (c === '"') return string();
    NUMBER.lastIndex = i;
    const n = NUMBER.exec(text);
    if (n) {
      i += n[0].length;
      return;
    }
    for (const literal of ['true', 'false', 'null']) {
      if (text.startsWith(literal, i)) {
        i += literal.length;
        return;
      }
    }
    fail();
  };
  try {
    value();
    ws();
    if (i < text.length) fail();
    return -1;
  } catch (err) {
    if (err instanceof SyntaxPosition) return err.offset;
    return -1; // nested too deeply to walk: no position to give
  }
}

class SyntaxPosition {
  constructor(readonly offset: number) {}
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
