/**
 * The catalog: a cache of what each memory file holds (type, time, author, summary, seal
 * fields), kept under the git directory and never committed. It is keyed like git's index:
 * by path, size and modification time of each file on disk, so it always describes the
 * files as they are; only new or changed files are read and checked. Commands that need
 * an overview of many memories (prove, root --at, lists) read it instead of every file.
 */
import { lstatSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { writeFileAtomic } from './atomic-write.js';
import { decodeMemory, MAX_MEMORY_BYTES } from './envelope.js';
import { RemembrancerError } from './errors.js';
import { isSeal, sealBody, summarize, type SealBody } from './memory-types.js';
import { MEMORIES_DIR, parseMemoryPath } from './paths.js';
import { cacheDir, type Repository } from './repository.js';
import { WorkingTreeSnapshot } from './snapshot.js';

export interface CatalogEntry {
  id: string;
  /** Relative to .remembrancer/. */
  path: string;
  size: number;
  mtimeMs: number;
  type: string;
  created: string;
  node: string;
  author: string;
  summary: string;
  signers: string[];
  seal?: SealBody;
}

const VERSION = 1;

function catalogFile(repo: Repository): string {
  return join(cacheDir(repo), `catalog-v${VERSION}.json`);
}

export interface Catalog {
  entries: Map<string, CatalogEntry>;
  /** Memory files that failed to read or check (they are not in `entries`). */
  problems: RemembrancerError[];
}

function readCache(repo: Repository): Map<string, CatalogEntry> {
  try {
    const data = JSON.parse(readFileSync(catalogFile(repo), 'utf8')) as {
      version: number;
      entries: CatalogEntry[];
    };
    if (data.version !== VERSION || !Array.isArray(data.entries)) return new Map();
    return new Map(data.entries.map((e) => [e.path, e]));
  } catch {
    return new Map(); // no cache yet, or a damaged one: rebuild
  }
}

/** Brings the catalog up to date with the working tree and returns it. */
export async function openCatalog(repo: Repository): Promise<Catalog> {
  const cached = readCache(repo);
  const snapshot = new WorkingTreeSnapshot(repo.remDir);
  const fresh = new Map<string, CatalogEntry>();
  const problems: RemembrancerError[] = [];
  let changed = false;
  const root = join(repo.remDir, MEMORIES_DIR);
  let shards: string[];
  try {
    shards = readdirSync(root);
  } catch {
    shards = [];
  }
  for (const shard of shards) {
    let names: string[];
    try {
      names = readdirSync(join(root, shard));
    } catch {
      continue; // a file where a shard folder should be: the covenant reports it
    }
    for (const name of names) {
      const path = `${MEMORIES_DIR}/${shard}/${name}`;
      if (!parseMemoryPath(path)) continue;
      const stats = lstatSync(join(root, shard, name), { throwIfNoEntry: false });
      if (!stats?.isFile()) continue;
      const hit = cached.get(path);
      if (hit && hit.size === stats.size && hit.mtimeMs === stats.mtimeMs) {
        fresh.set(path, hit);
        continue;
      }
      changed = true;
      try {
        const bytes = await snapshot.read(path, MAX_MEMORY_BYTES);
        if (!bytes) continue;
        const memory = decodeMemory(path, bytes);
        const s = memory.envelope.signed;
        fresh.set(path, {
          id: memory.id,
          path,
          size: stats.size,
          mtimeMs: stats.mtimeMs,
          type: s.type,
          created: s.created,
          node: s.node,
          author: s.author.name,
          summary: summarize(memory),
          signers: memory.envelope.signatures.map((x) => x.keyid),
          ...(isSeal(memory) ? { seal: sealBody(memory) } : {}),
        });
      } catch (err) {
        if (err instanceof RemembrancerError) problems.push(err);
        else throw err;
      }
    }
  }
  if (changed || fresh.size !== cached.size) {
    const entries = [...fresh.values()].sort((a, b) => (a.path < b.path ? -1 : 1));
    // A cache: no fsync, and a failure to write it only costs the next run some time.
    await writeFileAtomic(catalogFile(repo), JSON.stringify({ version: VERSION, entries }), {
      fsync: false,
    }).catch(() => undefined);
  }
  return { entries: new Map([...fresh.values()].map((e) => [e.id, e])), problems };
}
