/**
 * RFC 8785 JSON Canonicalization Scheme (JCS), plus the pretty file form of DESIGN.md §2.
 *
 * Written here rather than taken from npm because we need it stricter than the
 * published packages: lone surrogates and non-finite numbers are rejected, and keys are
 * ordered by UTF-16 code units even when they look like array indices (which a rebuilt
 * JavaScript object would silently reorder before JSON.stringify sees it).
 */
import { printable, quoted, RemembrancerError } from './errors.js';

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

/** Deepest nesting of arrays and objects in any JSON file we read (no file of ours nests 10). */
export const MAX_JSON_DEPTH = 64;

const READ_FIX = 'restore the file from git (git checkout -- FILE) or fix the JSON syntax';

// ignoreBOM keeps a byte order mark in the text, where parseJson names it: a file with a
// BOM is another blob for the same content, so it must not pass as canonical.
const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/** The text of a JSON file's bytes, refused unless they are UTF-8 (never replaced). */
export function decodeUtf8(bytes: Uint8Array, file?: string): string {
  try {
    return utf8.decode(bytes);
  } catch {
    throw new RemembrancerError('MALFORMED_JSON', 'file is not valid UTF-8', {
      file,
      fix: 'restore the file from git (git checkout -- FILE)',
    });
  }
}

/**
 * Parses JSON strictly: syntax errors carry line and column, nesting deeper than
 * MAX_JSON_DEPTH is refused before anything walks the value, a byte order mark, duplicate
 * keys and lone surrogates are rejected (JSON.parse accepts the last two silently).
 */
export function parseJson(text: string, file?: string): JsonValue {
  if (text.charCodeAt(0) === 0xfeff) {
    throw new RemembrancerError(
      'MALFORMED_JSON',
      'file starts with a byte order mark (U+FEFF), which no JSON file here holds',
      {
        file,
        fix: 'remove the first 3 bytes, or restore the file from git (git checkout -- FILE)',
      },
    );
  }
  const found = scan(text);
  if (found.tooDeep !== undefined) {
    const { line, column } = lineAndColumn(text, found.tooDeep);
    throw new RemembrancerError(
      'MALFORMED_JSON',
      `JSON nests deeper than ${MAX_JSON_DEPTH} levels (line ${line} column ${column})`,
      { file, fix: READ_FIX },
    );
  }
  let value: JsonValue;
  try {
    value = JSON.parse(text) as JsonValue;
  } catch (err) {
    throw new RemembrancerError('MALFORMED_JSON', describeSyntaxError(text, err), {
      file,
      fix: READ_FIX,
    });
  }
  if (found.duplicate !== undefined) {
    const { key, offset } = found.duplicate;
    throw new RemembrancerError(
      'DUPLICATE_KEY',
      `duplicate key ${quoted(key)} at line ${lineAndColumn(text, offset).line}`,
      { file, fix: 'remove the repeated key; a memory has each key once' },
    );
  }
  if (found.surrogateEscape || LONE_SURROGATE.test(text)) {
    try {
      canonicalize(value);
    } catch (err) {
      if (!(err instanceof RemembrancerError)) throw err;
      throw new RemembrancerError('MALFORMED_JSON', err.message, { file, fix: READ_FIX });
    }
  }
  return value;
}

export function lineAndColumn(text: string, offset: number): { line: number; column: number } {
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
  return `malformed JSON (${printable(message.replace(/\s+/g, ' '), 200)})`;
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

interface Scan {
  /** Offset of the first bracket that nests past MAX_JSON_DEPTH. */
  tooDeep?: number;
  /** The first key an object holds twice, and the offset of its second use. */
  duplicate?: { key: string; offset: number };
  /** A string has an escaped surrogate (\\uD800-\\uDFFF), which may stand alone. */
  surrogateEscape?: boolean;
}

const SURROGATE_ESCAPE = /\\u[dD][89a-fA-F]/;

/**
 * One pass over the text before JSON.parse sees it, without recursion: how deep arrays and
 * objects nest (it stops at the first bracket past MAX_JSON_DEPTH), and the first key an
 * object holds twice. Strings are skipped with indexOf. On text that is not JSON the
 * duplicate it reports may be meaningless; parseJson reports it only once JSON.parse has
 * accepted the text.
 */
function scan(text: string): Scan {
  const out: Scan = {};
  // One entry per open bracket: the keys seen so far for an object, null for an array.
  const open: (Set<string> | null)[] = [];
  let expectKey = false;
  // The first backslash at or after where the scan is; -1 once there is none left.
  let backslash = text.indexOf('\\');
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x22 /* " */) {
      let from = i + 1;
      let close = text.indexOf('"', from);
      let escaped = false;
      while (close !== -1) {
        if (backslash !== -1 && backslash < from) backslash = text.indexOf('\\', from);
        if (backslash === -1 || backslash > close) break;
        escaped = true;
        from = backslash + 2;
        backslash = text.indexOf('\\', from);
        if (close < from) close = text.indexOf('"', from);
      }
      if (close === -1) return out; // an unterminated string: JSON.parse says where
      if (escaped && SURROGATE_ESCAPE.test(text.slice(i, close))) out.surrogateEscape = true;
      const keys = expectKey ? open[open.length - 1] : undefined;
      if (keys && out.duplicate === undefined) {
        const key = escaped ? stringAt(text, i, close) : text.slice(i + 1, close);
        if (key !== undefined) {
          if (keys.has(key)) out.duplicate = { key, offset: i };
          else keys.add(key);
        }
      }
      expectKey = false;
      i = close;
    } else if (c === 0x7b /* { */ || c === 0x5b /* [ */) {
      if (open.length === MAX_JSON_DEPTH) {
        out.tooDeep = i;
        return out;
      }
      open.push(c === 0x7b ? new Set() : null);
      expectKey = c === 0x7b;
    } else if (c === 0x7d /* } */ || c === 0x5d /* ] */) {
      open.pop();
      expectKey = false;
    } else if (c === 0x2c /* , */) {
      expectKey = !!open[open.length - 1];
    }
  }
  return out;
}

/** The string whose quotes are at `start` and `end`, or undefined if it is not valid JSON. */
function stringAt(text: string, start: number, end: number): string | undefined {
  try {
    return JSON.parse(text.slice(start, end + 1)) as string;
  } catch {
    return undefined;
  }
}
