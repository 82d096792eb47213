/**
 * The catalog: a cache of what each memory file is (its type, time, node, and a seal's
 * fields), kept under the git directory and never committed, so that commands needing an
 * overview of many memories (prove, root --at) need not read every file.
 *
 * Like git's untracked cache it trusts a shard folder whose modification time has not
 * changed: every write here renames a file into place, which changes its folder's time.
 * `exact` also compares each file's size and modification time, as git's index does, to
 * catch a file edited in place. Only new or changed files are read and checked.
 */
import { lstatSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { writeFileAtomic } from './atomic-write.js';
import { decodeMemory, MAX_MEMORY_BYTES, type Memory } from './envelope.js';
import { RemembrancerError } from './errors.js';
import { isSeal, sealBody, type SealBody } from './memory-types.js';
import { MEMORIES_DIR, memoryPath, parseMemoryPath } from './paths.js';
import { cacheDir, type Repository } from './repository.js';
import { symlinkRefused, WorkingTreeSnapshot } from './snapshot.js';

export interface CatalogEntry {
  id: string;
  /** Relative to .remembrancer/. */
  path: string;
  type: string;
  created: string;
  node: string;
  seal?: SealBody;
}

/** On disk: [id, size, mtimeMs, type, created, node, seal?] per file, to stay small. */
type Row = [string, number, number, string, string, string, SealBody?];

interface CacheFile {
  version: 2;
  /** When the cache was written: a folder changed within a moment of it is listed again. */
  written: number;
  /** Shard folder name → its modification time when last listed. */
  dirs: Record<string, number>;
  rows: Row[];
}

function catalogFile(repo: Repository): string {
  return join(cacheDir(repo), 'catalog-v2.json');
}

export interface Catalog {
  entries: Map<string, CatalogEntry>;
  /** Memory files that failed to read or check (they are not in `entries`). */
  problems: RemembrancerError[];
}

function readCache(repo: Repository): CacheFile {
  try {
    const data = JSON.parse(readFileSync(catalogFile(repo), 'utf8')) as CacheFile;
    if (data.version === 2 && Array.isArray(data.rows) && typeof data.dirs === 'object')
      return data;
  } catch {
    // no cache yet, or a damaged one: rebuild
  }
  return { version: 2, written: 0, dirs: {}, rows: [] };
}

function toEntry(row: Row): CatalogEntry {
  const [id, , , type, created, node, seal] = row;
  return { id, path: memoryPath(id), type, created, node, ...(seal ? { seal } : {}) };
}

export interface CatalogOptions {
  /** Also compare each file's size and time, to catch a file edited in place. */
  exact?: boolean;
  /**
   * Sees every memory the catalog reads and checks on the way (the new and changed files),
   * so that a caller needing their content (the search index) does not read them twice.
   */
  onMemory?: (memory: Memory) => void;
}

/** Brings the catalog up to date with the working tree and returns it. */
export async function openCatalog(
  repo: Repository,
  options: CatalogOptions = {},
): Promise<Catalog> {
  const cache = readCache(repo);
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
  const dirs: Record<string, number> = {};
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
  for (const shard of shards) {
    const dir = join(root, shard);
    const dirStats = lstatSync(dir, { throwIfNoEntry: false });
    if (dirStats?.isSymbolicLink()) {
      problems.push(symlinkRefused(`${MEMORIES_DIR}/${shard}`));
      continue;
    }
    if (!dirStats?.isDirectory()) continue; // a file where a shard should be: the covenant says so
    dirs[shard] = dirStats.mtimeMs;
    const known = byShard.get(shard) ?? new Map<string, Row>();
    // Racy-git rule: a folder time close to when the cache was written proves nothing,
    // since a file may have arrived within the same clock tick.
    const settled = dirStats.mtimeMs < cache.written - 2000;
    if (!options.exact && settled && cache.dirs[shard] === dirStats.mtimeMs) {
      rows.push(...known.values());
      continue;
    }
    changed = true;
    for (const name of readdirSync(dir)) {
      const path = `${MEMORIES_DIR}/${shard}/${name}`;
      const location = parseMemoryPath(path);
      if (!location?.shardOk) continue;
      const hit = known.get(location.id);
      let stats;
      if (options.exact || !hit) {
        stats = lstatSync(join(dir, name), { throwIfNoEntry: false });
        if (!stats?.isFile()) continue;
        if (hit && hit[1] === stats.size && hit[2] === stats.mtimeMs) {
          rows.push(hit);
          continue;
        }
      } else {
        rows.push(hit);
        continue;
      }
      try {
        const bytes = await snapshot.read(path, MAX_MEMORY_BYTES);
        if (!bytes) continue;
        const memory = decodeMemory(path, bytes);
        options.onMemory?.(memory);
        const s = memory.envelope.signed;
        const row: Row = [memory.id, stats.size, stats.mtimeMs, s.type, s.created, s.node];
        if (isSeal(memory)) row.push(sealBody(memory));
        rows.push(row);
      } catch (err) {
        if (err instanceof RemembrancerError) problems.push(err);
        else throw err;
      }
    }
  }
  if (changed || shards.length !== Object.keys(cache.dirs).length) {
    // A cache: no fsync, and a failure to write it only costs the next run some time.
    const file: CacheFile = { version: 2, written: Date.now(), dirs, rows };
    await writeFileAtomic(catalogFile(repo), JSON.stringify(file), { fsync: false }).catch(
      () => undefined,
    );
  }
  return { entries: new Map(rows.map((r) => [r[0], toEntry(r)])), problems };
}
