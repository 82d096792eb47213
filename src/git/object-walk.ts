/**
 * The objects reachable from a commit that a repository lacks, found by walking from the
 * commit and stopping at every object it already has: a commit or tree it has comes with
 * everything below it, as git guarantees for a connected store.
 */
import { setImmediate } from 'node:timers/promises';
import { ObjectTooLargeError } from './object-store.js';
import type { ObjectType } from './pack-writer.js';
import { NotRegularFileError } from './regular-file.js';
import { parseTreeObject } from './tree-object.js';

/**
 * Reads a commit, tree or tag synchronously; the walk yields to the event loop now and
 * then. Blobs, which have no children, are never read: only their type is asked for.
 */
export type ReadRaw = (oid: string) => { type: ObjectType; content: Uint8Array };

/** An object's type from its header, or undefined when the source does not have it. */
export type ReadType = (oid: string) => ObjectType | undefined;

/** An object the walk found missing. */
export interface Walked {
  oid: string;
  type: ObjectType;
}

const YIELD_EVERY = 2000;

/** Thrown when an object the walk needs cannot be read: the source store is incomplete. */
export class MissingObjectError extends Error {
  constructor(
    readonly oid: string,
    readonly expected: ObjectType,
    cause?: unknown,
  ) {
    super(`${expected} ${oid} is missing`, cause === undefined ? undefined : { cause });
  }
}

function headerValues(content: Uint8Array, key: string): string[] {
  const buf = Buffer.from(content.buffer, content.byteOffset, content.byteLength);
  const blank = buf.indexOf('\n\n');
  const text = buf.toString('latin1', 0, blank === -1 ? buf.length : blank);
  const values: string[] = [];
  for (const line of text.split('\n')) {
    if (line.startsWith(key + ' ')) values.push(line.slice(key.length + 1).trim());
  }
  return values;
}

/** Children of a tree: [oid, type] for every entry but submodule links. */
function treeChildren(content: Uint8Array): [string, ObjectType][] {
  // A submodule's commit lives in another repository.
  return parseTreeObject(content)
    .filter((e) => e.type !== 'commit')
    .map((e): [string, ObjectType] => [e.oid, e.type as ObjectType]);
}

function children(type: ObjectType, content: Uint8Array): [string, ObjectType][] {
  if (type === 'commit') {
    const tree = headerValues(content, 'tree').map((oid): [string, ObjectType] => [oid, 'tree']);
    const parents = headerValues(content, 'parent').map((o): [string, ObjectType] => [o, 'commit']);
    return [...tree, ...parents];
  }
  if (type === 'tree') return treeChildren(content);
  if (type === 'tag') {
    const [object] = headerValues(content, 'object');
    const [kind] = headerValues(content, 'type');
    return object ? [[object, (kind ?? 'commit') as ObjectType]] : [];
  }
  return [];
}

/**
 * Every object reachable from `start` that `have` says is absent: commits, trees and tags
 * read through `read`, blobs only looked up through `typeOf`, so that no blob of any size
 * is inflated to walk past it.
 */
export async function missingObjects(
  start: string,
  startType: ObjectType,
  have: (oid: string) => boolean,
  read: ReadRaw,
  typeOf: ReadType,
): Promise<Walked[]> {
  const found: Walked[] = [];
  const seen = new Set<string>();
  const stack: [string, ObjectType][] = [[start, startType]];
  while (stack.length > 0) {
    const [oid, expected] = stack.pop() as [string, ObjectType];
    if (seen.has(oid)) continue;
    seen.add(oid);
    if (have(oid)) continue;
    if (found.length % YIELD_EVERY === YIELD_EVERY - 1) await setImmediate();
    if (expected === 'blob') {
      let type;
      try {
        type = typeOf(oid);
      } catch (err) {
        if (err instanceof NotRegularFileError) throw err;
        throw new MissingObjectError(oid, expected, err);
      }
      if (type !== 'blob') throw new MissingObjectError(oid, expected);
      found.push({ oid, type });
      continue;
    }
    let object;
    try {
      object = read(oid);
    } catch (err) {
      // Too large to read, or a FIFO or device in its place, is said as it is.
      if (err instanceof ObjectTooLargeError || err instanceof NotRegularFileError) throw err;
      throw new MissingObjectError(oid, expected, err);
    }
    if (object.type !== expected && !(expected === 'commit' && object.type === 'tag')) {
      throw new MissingObjectError(oid, expected);
    }
    for (const child of children(object.type, object.content)) {
      if (!seen.has(child[0])) stack.push(child);
    }
    found.push({ oid, type: object.type });
  }
  return found;
}
