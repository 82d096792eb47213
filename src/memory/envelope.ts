/**
 * The signed envelope (DESIGN.md §2): how a memory is identified, serialised, read back
 * and merged. This is the only place that turns bytes into memories and back.
 */
import {
  canonicalBytes,
  decodeUtf8,
  fileJson,
  lineAndColumn,
  parseJson,
  type JsonValue,
} from '../ground/canonical-json.js';
import { RemembrancerError } from '../ground/errors.js';
import { sha256Hex } from '../ground/hash.js';
import { memoryPath, parseMemoryPath, repoRelative } from '../ground/paths.js';
import { validateEnvelope } from './schemas.js';

export interface Author {
  name: string;
  email: string;
  /** Fingerprint of the key the author signs with. */
  key?: string;
}

export interface Subject {
  name: string;
  digest: { sha256: string };
}

export interface Link {
  rel: string;
  id: string;
}

export interface Signed<Body = { [key: string]: JsonValue }> {
  type: string;
  schema: 1;
  created: string;
  node: string;
  author: Author;
  subject?: Subject[];
  body: Body;
  links?: Link[];
}

export interface Timestamp {
  tsa: string;
  token: string;
}

export interface Signature {
  keyid: string;
  sig: string;
  timestamps?: Timestamp[];
}

export interface Envelope<Body = { [key: string]: JsonValue }> {
  signed: Signed<Body>;
  signatures: Signature[];
}

export interface Memory {
  id: string;
  /** Path relative to .remembrancer/. */
  path: string;
  envelope: Envelope;
  /** RFC 8785 bytes of `signed`: what the id hashes and what signatures sign. */
  signedBytes: Uint8Array;
}

/** Largest memory file we read; anything bigger is refused before it is parsed. */
export const MAX_MEMORY_BYTES = 1024 * 1024;

export function memoryId(signed: Signed<unknown>): string {
  return sha256Hex(canonicalBytes(signed));
}

function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function normalizeTimestamps(list: Timestamp[] | undefined): Timestamp[] | undefined {
  if (!list || list.length === 0) return undefined;
  const seen = new Map<string, Timestamp>();
  for (const t of list) seen.set(`${t.tsa}\u0000${t.token}`, { tsa: t.tsa, token: t.token });
  return [...seen.values()].sort(
    (a, b) => compareStrings(a.tsa, b.tsa) || compareStrings(a.token, b.token),
  );
}

/**
 * Puts signatures in their one canonical order: at most one per key (the lexicographically
 * smaller signature wins, with its timestamps; timestamps over the same signature are
 * unioned), sorted by key id.
 */
export function normalizeSignatures(signatures: Signature[]): Signature[] {
  const byKey = new Map<string, Signature>();
  for (const s of signatures) {
    const current = byKey.get(s.keyid);
    if (current === undefined || s.sig < current.sig) {
      byKey.set(s.keyid, { keyid: s.keyid, sig: s.sig, timestamps: s.timestamps });
    } else if (s.sig === current.sig) {
      current.timestamps = [...(current.timestamps ?? []), ...(s.timestamps ?? [])];
    }
  }
  return [...byKey.values()]
    .sort((a, b) => compareStrings(a.keyid, b.keyid))
    .map((s) => {
      const timestamps = normalizeTimestamps(s.timestamps);
      return timestamps
        ? { keyid: s.keyid, sig: s.sig, timestamps }
        : { keyid: s.keyid, sig: s.sig };
    });
}

/** Two copies of one memory merge to the sorted union of their signatures and timestamps. */
export function mergeEnvelopes(a: Envelope, b: Envelope): Envelope {
  if (memoryId(a.signed) !== memoryId(b.signed)) {
    throw new RemembrancerError('INVALID_STATE', 'cannot merge two different memories');
  }
  return { signed: a.signed, signatures: normalizeSignatures([...a.signatures, ...b.signatures]) };
}

/** The exact bytes of a memory file. */
export function serializeEnvelope(envelope: Envelope<unknown>): string {
  return fileJson({
    signed: envelope.signed,
    signatures: normalizeSignatures(envelope.signatures),
  });
}

/** Builds the in-memory form of a freshly made envelope, validating it as a read would. */
export function toMemory(envelope: Envelope<unknown>): Memory {
  const normalized = {
    signed: envelope.signed,
    signatures: normalizeSignatures(envelope.signatures),
  } as Envelope;
  validateEnvelope(normalized);
  const signedBytes = canonicalBytes(normalized.signed);
  const id = sha256Hex(signedBytes);
  return { id, path: memoryPath(id), envelope: normalized, signedBytes };
}

/**
 * Reads one memory file and checks everything that needs no key: size, UTF-8, JSON
 * syntax and depth, duplicate keys, schema version, type and schema, id against content,
 * shard, canonical bytes. Every failure is a RemembrancerError naming the file.
 * `path` is relative to .remembrancer/.
 */
export function decodeMemory(path: string, bytes: Uint8Array): Memory {
  const file = repoRelative(path);
  const location = parseMemoryPath(path);
  if (!location) {
    throw new RemembrancerError('UNEXPECTED_FILE', 'not a memory file name', {
      file,
      fix: 'only memories/<aa>/<64 hex id>.json may live in memories/; move or delete it',
    });
  }
  if (bytes.length > MAX_MEMORY_BYTES) {
    throw new RemembrancerError(
      'FILE_TOO_LARGE',
      `memory is ${bytes.length} bytes, over the ${MAX_MEMORY_BYTES}-byte limit`,
      { file, fix: 'store large evidence as a separate file and record its sha256 instead' },
    );
  }
  const text = decodeUtf8(bytes, file);
  const value = parseJson(text, file);
  validateEnvelope(value, file);
  const envelope = value as unknown as Envelope;
  const signedBytes = canonicalBytes(envelope.signed);
  const id = sha256Hex(signedBytes);
  if (id !== location.id) {
    throw new RemembrancerError(
      'ID_MISMATCH',
      `content hashes to ${id.slice(0, 12)}…, not to the id in its name: the memory was altered`,
      {
        file,
        fix: `restore it with \`git checkout -- ${file}\`; to change a memory, record a new one`,
      },
    );
  }
  if (!location.shardOk) {
    throw new RemembrancerError('WRONG_SHARD', `memory is filed under the wrong shard`, {
      file,
      fix: `move it to ${repoRelative(memoryPath(id))}`,
    });
  }
  const canonical = serializeEnvelope(envelope);
  if (canonical !== text) {
    // What is signed and shown is the canonical form; a file that differs from it by so
    // much as a space (or a repeated key, an escaped letter, 1.0 for 1) is refused.
    let at = 0;
    while (canonical.charCodeAt(at) === text.charCodeAt(at)) at++;
    const { line, column } = lineAndColumn(text, at);
    throw new RemembrancerError(
      'NOT_CANONICAL_JSON',
      `file bytes differ from the canonical form of its content at line ${line} column ${column} (reformatted or reordered)`,
      {
        file,
        fix: `restore it with \`git checkout -- ${file}\`; memory files are never reformatted`,
      },
    );
  }
  return { id, path, envelope, signedBytes };
}
