/**
 * Reading the memory of a snapshot: every file under memories/ decoded and checked, with
 * the files that fail kept as problems rather than thrown, so one bad file never hides
 * the rest.
 */
import { decodeMemory, MAX_MEMORY_BYTES, type Memory } from '../memory/envelope.js';
import { RemembrancerError } from '../ground/errors.js';
import { MEMORIES_DIR, parseMemoryPath, repoRelative } from '../ground/paths.js';
import { isTempFile } from '../ground/atomic-write.js';
import { mapLimit } from '../ground/map-limit.js';
import { symlinkRefused, type Snapshot, type SnapshotEntry } from '../ground/snapshot.js';

export interface LoadedMemories {
  memories: Memory[];
  /** Files under memories/ that are not valid memories, one error each. */
  problems: RemembrancerError[];
  /** Snapshot entries of the memory files, by path relative to .remembrancer/. */
  entries: Map<string, SnapshotEntry>;
}

export interface LoadOptions {
  onProgress?: (done: number, total: number) => void;
  /** How many files are read at once. */
  concurrency?: number;
  /** Reads only the memory files whose path (relative to .remembrancer/) passes. */
  only?: (path: string) => boolean;
  /** Sees the raw bytes of every memory file read, valid or not. */
  onBytes?: (path: string, bytes: Uint8Array) => void;
}

/** Why a file under memories/ that is not a memory file is refused. */
export function unexpected(entry: SnapshotEntry): RemembrancerError {
  const file = repoRelative(entry.path);
  const name = entry.path.slice(entry.path.lastIndexOf('/') + 1);
  if (isTempFile(name)) {
    return new RemembrancerError('UNEXPECTED_FILE', 'temporary file left by an interrupted write', {
      file,
      fix: 'delete it; the write it belonged to never completed',
    });
  }
  if (entry.kind === 'symlink') return symlinkRefused(entry.path);
  return new RemembrancerError('UNEXPECTED_FILE', 'file that is not a memory in memories/', {
    file,
    fix: 'only memories/<aa>/<id>.json may live there; move or delete it',
  });
}

export async function loadMemories(
  snapshot: Snapshot,
  options: LoadOptions = {},
): Promise<LoadedMemories> {
  const all = await snapshot.list(MEMORIES_DIR + '/');
  const problems: RemembrancerError[] = [];
  const candidates: SnapshotEntry[] = [];
  const entries = new Map<string, SnapshotEntry>();
  for (const entry of all) {
    if (!entry.path.startsWith(MEMORIES_DIR + '/')) continue;
    if (options.only && !options.only(entry.path)) continue;
    if (entry.kind !== 'file' || !parseMemoryPath(entry.path)) problems.push(unexpected(entry));
    else {
      candidates.push(entry);
      entries.set(entry.path, entry);
    }
  }
  let done = 0;
  const decoded = await mapLimit(candidates, options.concurrency ?? 64, async (entry) => {
    try {
      const bytes = await snapshot.read(entry.path, MAX_MEMORY_BYTES);
      if (bytes === undefined) {
        throw new RemembrancerError('FILE_NOT_FOUND', 'file vanished while being read', {
          file: repoRelative(entry.path),
        });
      }
      options.onBytes?.(entry.path, bytes);
      return decodeMemory(entry.path, bytes);
    } catch (err) {
      if (err instanceof RemembrancerError) {
        problems.push(err);
        return undefined;
      }
      throw err;
    } finally {
      done++;
      options.onProgress?.(done, candidates.length);
    }
  });
  const memories = decoded.filter((m): m is Memory => m !== undefined);
  problems.sort((a, b) => ((a.file ?? '') < (b.file ?? '') ? -1 : 1));
  return { memories, problems, entries };
}

/** The one item whose id starts with `prefix` (4+ hex digits), as git finds commits. */
export function pickByPrefix<T>(items: Iterable<T>, idOf: (item: T) => string, prefix: string): T {
  const wanted = prefix.toLowerCase();
  if (!/^[0-9a-f]{4,64}$/.test(wanted)) {
    throw new RemembrancerError('USAGE', `"${prefix}" is not a memory id or prefix`, {
      fix: 'give at least 4 hex characters of the id (see `remembrancer list`)',
    });
  }
  const matches = [...items].filter((item) => idOf(item).startsWith(wanted));
  if (matches.length === 0) {
    throw new RemembrancerError('MEMORY_NOT_FOUND', `no memory has an id starting with ${wanted}`, {
      exitCode: 1,
      fix: 'list memories with `remembrancer list`',
    });
  }
  if (matches.length > 1) {
    throw new RemembrancerError(
      'MEMORY_AMBIGUOUS',
      `${wanted} matches ${matches.length} memories (${matches
        .slice(0, 3)
        .map((m) => idOf(m).slice(0, 12))
        .join(', ')}…)`,
      { fix: 'give more characters of the id' },
    );
  }
  return matches[0] as T;
}

/** Finds a memory by id or unique id prefix among memories already read. */
export function findByPrefix(memories: Memory[], prefix: string): Memory {
  return pickByPrefix(memories, (m) => m.id, prefix);
}

/**
 * Reads the one memory whose id starts with `prefix`: the prefix names the shard, so only
 * that folder is listed and only that file read, however many memories there are.
 */
export async function readByPrefix(snapshot: Snapshot, prefix: string): Promise<Memory> {
  const shard = prefix.toLowerCase().slice(0, 2);
  const entries = /^[0-9a-f]{2}$/.test(shard)
    ? await snapshot.list(`${MEMORIES_DIR}/${shard}/`)
    : [];
  const ids = entries
    .map((e) => parseMemoryPath(e.path))
    .filter((l): l is { id: string; shardOk: boolean } => !!l?.shardOk);
  const { id } = pickByPrefix(ids, (l) => l.id, prefix);
  const path = `${MEMORIES_DIR}/${shard}/${id}.json`;
  const bytes = await snapshot.read(path, MAX_MEMORY_BYTES);
  if (!bytes) {
    throw new RemembrancerError('FILE_NOT_FOUND', 'memory vanished while being read', {
      file: repoRelative(path),
    });
  }
  return decodeMemory(path, bytes);
}

/** Refuses to go on when any memory file is invalid: `action` says what would have run. */
export function requireAllValid(loaded: LoadedMemories, action: string): void {
  const first = loaded.problems[0];
  if (!first) return;
  throw new RemembrancerError(
    'INVALID_STATE',
    `cannot ${action}: ${loaded.problems.length} memory file(s) are invalid (first: ${first.message})`,
    {
      file: first.file,
      exitCode: 1,
      fix: `run \`remembrancer covenant\` and fix what it reports, then ${action}`,
    },
  );
}

/** Oldest first, ties broken by id, so every node lists memories in the same order. */
export function oldestFirst(a: Memory, b: Memory): number {
  const ca = a.envelope.signed.created;
  const cb = b.envelope.signed.created;
  if (ca !== cb) return ca < cb ? -1 : 1;
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}

/** Newest first, ties broken by id. */
export function newestFirst(a: Memory, b: Memory): number {
  const ca = a.envelope.signed.created;
  const cb = b.envelope.signed.created;
  if (ca !== cb) return ca < cb ? 1 : -1;
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}
