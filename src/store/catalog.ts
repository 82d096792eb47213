/**
 * The catalog: a cache of what each memory file is (its type, time, node, and a seal's
 * fields), kept under the git directory and never committed, so that commands needing an
 * overview of many memories (prove, root --at) need not read every file.
 *
 * Like git's untracked cache it trusts a shard folder whose stamp (file-stamp.ts) has not
 * changed: every write here renames a file into place, which changes its folder's stamp.
 * `exact` also compares each file's stamp, as git's index does, to catch a file edited in
 * place. Only new or changed files are read and checked. Files that do not belong (another
 * shard's memory, a stray file, a link) are problems, as `list` reports them.
 */
import { lstatSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { writeFileAtomic } from '../ground/atomic-write.js';
import { decodeMemory, MAX_MEMORY_BYTES, type Memory } from '../memory/envelope.js';
import { RemembrancerError } from '../ground/errors.js';
import { STAMP_LENGTH, stampOf, trusted, type Stamp } from '../ground/file-stamp.js';
import { isSeal, sealBody, type SealBody } from '../memory/memory-types.js';
import { MEMORIES_DIR, memoryPath, parseMemoryPath } from '../ground/paths.js';
import { cacheDir, type Repository } from '../ground/repository.js';
import { symlinkRefused, WorkingTreeSnapshot } from '../ground/snapshot.js';
import { unexpected } from './store.js';

export interface CatalogEntry {
  id: string;
  /** Relative to .remembrancer/. */
  path: string;
  type: string;
  created: string;
  node: string;
  seal?: SealBody;
}

/** On disk: [id, stamp, type, created, node, seal?] per file, to stay small. */
type Row = [string, Stamp, string, string, string, SealBody?];

interface CacheFile {
  version: 3;
  /** When the folders were looked at: a stamp within a moment of it proves nothing. */
  written: number;
  /** Shard folder name → its stamp when last listed. */
  dirs: Record<string, Stamp>;
  rows: Row[];
}

function catalogFile(repo: Repository): string {
  return join(cacheDir(repo), 'catalog-v3.json');
}

export interface Catalog {
  entries: Map<string, CatalogEntry>;
  /** Memory files that failed to read or check (they are not in `entries`). */
  problems: RemembrancerError[];
}

const ID = /^[0-9a-f]{64}$/;

function isStamp(value: unknown): value is Stamp {
  return (
    Array.isArray(value) &&
    value.length === STAMP_LENGTH &&
    value.every((n) => typeof n === 'number')
  );
}

function isSealBody(value: unknown): value is SealBody {
  const b = value as Partial<SealBody> | null;
  return (
    typeof b === 'object' &&
    b !== null &&
    typeof b.treeSize === 'number' &&
    typeof b.root === 'string' &&
    (b.previous === null || typeof b.previous === 'string')
  );
}

/** A row as this version writes it: anything else means the cache was damaged. */
function isRow(row: unknown): row is Row {
  if (!Array.isArray(row) || row.length < 5 || row.length > 6) return false;
  const [id, stamp, type, created, node, seal] = row as unknown[];
  return (
    typeof id === 'string' &&
    ID.test(id) &&
    isStamp(stamp) &&
    typeof type === 'string' &&
    typeof created === 'string' &&
    typeof node === 'string' &&
    (row.length === 5 || isSealBody(seal))
  );
}

function readCache(repo: Repository): CacheFile {
  try {
    const data = JSON.parse(readFileSync(catalogFile(repo), 'utf8')) as Partial<CacheFile>;
    // Ours, but under .git where anything may write: one row of the wrong shape and the
    // whole cache is rebuilt, never half believed (a bad row would crash a command).
    if (
      data.version === 3 &&
      typeof data.written === 'number' &&
      typeof data.dirs === 'object' &&
      data.dirs !== null &&
      Object.values(data.dirs).every(isStamp) &&
      Array.isArray(data.rows) &&
      data.rows.every(isRow)
    )
      return data as CacheFile;
  } catch {
    // no cache yet, or a damaged one: rebuild
  }
  return { version: 3, written: 0, dirs: {}, rows: [] };
}

function toEntry(row: Row): CatalogEntry {
  const [id, , type, created, node, seal] = row;
  return { id, path: memoryPath(id), type, created, node, ...(seal ? { seal } : {}) };
}

export interface CatalogOptions {
  /** Also compare each file's stamp, to catch a file edited in place. */
  exact?: boolean;
  /**
   * Sees every memory the catalog reads and checks on the way (the new and changed files),
   * with the stamp of the file it was read from, so that a caller needing their content
   * (the search index) does not read them twice.
   */
  onMemory?: (memory: Memory, stamp: Stamp) => void;
}

/** Brings the catalog up to date with the working tree and returns it. */
export async function openCatalog(
  repo: Repository,
  options: CatalogOptions = {},
): Promise<Catalog> {
  const cache = readCache(repo);
  // Taken before any folder is looked at, so a change during the look is never trusted.
  const written = Date.now();
  const byShard = new Map<string, Map<string, Row>>();
  for (const row of cache.rows) {
    const shard = row[0].slice(0, 2);
    let rows = byShard.get(shard);
    if (!rows) byShard.set(shard, (rows = new Map()));
    rows.set(row[0], row);
  }
  const snapshot = new WorkingTreeSnapshot(repo.remDir);
  const root = join(repo.remDir, MEMORIES_DIR);
  const problems: RemembrancerError[] = [];
  const dirs: Record<string, Stamp> = {};
  const rows: Row[] = [];
  let changed = false;
  let shards: string[];
  const linked = [repo.remDir, root].findIndex((d) =>
    lstatSync(d, { throwIfNoEntry: false })?.isSymbolicLink(),
  );
  try {
    // A linked .remembrancer/ or memories/ is never followed.
    shards = linked === -1 ? readdirSync(root).sort() : [];
  } catch {
    shards = [];
  }
  if (linked !== -1) problems.push(symlinkRefused(linked === 0 ? '' : MEMORIES_DIR));
  const read = (path: string): void => {
    try {
      const file = snapshot.readStamped(path, MAX_MEMORY_BYTES);
      if (!file) return; // gone since it was listed
      const memory = decodeMemory(path, file.bytes);
      options.onMemory?.(memory, file.stamp);
      const s = memory.envelope.signed;
      const row: Row = [memory.id, file.stamp, s.type, s.created, s.node];
      if (isSeal(memory)) row.push(sealBody(memory));
      rows.push(row);
    } catch (err) {
      if (err instanceof RemembrancerError) problems.push(err);
      else throw err;
    }
  };
  for (const shard of shards) {
    const dir = join(root, shard);
    const dirStats = lstatSync(dir, { throwIfNoEntry: false });
    if (dirStats?.isSymbolicLink()) {
      problems.push(symlinkRefused(`${MEMORIES_DIR}/${shard}`));
      continue;
    }
    if (!dirStats) continue; // gone since it was listed
    if (!dirStats.isDirectory()) {
      problems.push(unexpected({ path: `${MEMORIES_DIR}/${shard}`, kind: 'other' }));
      continue;
    }
    const dirStamp = stampOf(dirStats);
    dirs[shard] = dirStamp;
    const known = byShard.get(shard) ?? new Map<string, Row>();
    if (!options.exact && trusted(cache.dirs[shard], dirStamp, cache.written)) {
      rows.push(...known.values());
      continue;
    }
    changed = true;
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = `${MEMORIES_DIR}/${shard}/${entry.name}`;
      const location = parseMemoryPath(path);
      const kind = entry.isSymbolicLink() ? 'symlink' : entry.isFile() ? 'file' : 'other';
      if (!location || kind !== 'file') {
        problems.push(unexpected({ path, kind }));
        continue;
      }
      // Another shard's memory: reading it says what is wrong with it, as `list` does.
      if (!location.shardOk) {
        read(path);
        continue;
      }
      const hit = known.get(location.id);
      if (hit && !options.exact) {
        rows.push(hit);
        continue;
      }
      const stats = lstatSync(join(dir, entry.name), { throwIfNoEntry: false });
      if (!stats?.isFile()) continue; // gone or replaced since it was listed: seen next time
      if (hit && trusted(hit[1], stampOf(stats), cache.written)) {
        rows.push(hit);
        continue;
      }
      read(path);
    }
  }
  if (changed || shards.length !== Object.keys(cache.dirs).length) {
    // A cache: no fsync, and a failure to write it only costs the next run some time.
    const file: CacheFile = { version: 3, written, dirs, rows };
    await writeFileAtomic(catalogFile(repo), JSON.stringify(file), { fsync: false }).catch(
      () => undefined,
    );
  }
  return { entries: new Map(rows.map((r) => [r[0], toEntry(r)])), problems };
}
