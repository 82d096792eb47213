/**
 * The search index: a cache under the git directory (`.git/remembrancer/search-v1.idx`),
 * never committed, that always answers for the memories on disk as they are now,
 * committed or not. Opening it costs one look at the shard folders' modification times
 * (every write, checkout, merge and delete under memories/ changes them, as git's untracked
 * cache relies on); only when one changed is the catalog asked which memories come and go,
 * and only those are read and indexed (update.ts). docs/search.md has the details.
 */
import { readdirSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { RemembrancerError } from '../errors.js';
import { MEMORIES_DIR } from '../paths.js';
import { cacheDir, type Repository } from '../repository.js';
import { ENGINE } from './engine.js';
import { IndexFile, type IndexHeader } from './index-file.js';

export { searchIndex, type SearchFilters, type SearchHit, type SearchOutcome } from './query.js';
export {
  headingAt,
  timeline,
  timelineOrder,
  type TimelineDay,
  type TimelineEntry,
} from './timeline.js';
export type { Snippet } from './snippet.js';
export { IndexFile, type IndexHeader };

export const INDEX_FILE = 'search-v1.idx';

/**
 * A folder whose time is this close to when the index last looked at it proves nothing:
 * a file may have arrived within the same clock tick (git's "racy git" problem).
 */
export const RACY_MS = 2000;

export function indexPath(repo: Repository): string {
  return join(cacheDir(repo), INDEX_FILE);
}

export interface OpenedIndex {
  file: IndexFile;
  /** How it was brought up to date: already fresh, updated in place, or built from nothing. */
  status: 'fresh' | 'updated' | 'built';
  added: number;
  removed: number;
  /** Memory files that could not be read or checked; they are not in the index. */
  problems: RemembrancerError[];
}

export interface OpenOptions {
  /** Called before an index is built from nothing, which reads every memory. */
  onBuild?: () => void;
}

/** Shard folder name → modification time, for every folder under memories/. */
export function shardTimes(repo: Repository): Record<string, number> {
  const root = join(repo.remDir, MEMORIES_DIR);
  const dirs: Record<string, number> = {};
  let names: string[];
  try {
    names = readdirSync(root);
  } catch {
    return dirs;
  }
  for (const name of names.sort()) {
    const stats = statSync(join(root, name), { throwIfNoEntry: false });
    if (stats?.isDirectory()) dirs[name] = stats.mtimeMs;
  }
  return dirs;
}

/** Whether an index holds exactly the memories of folders that look as they do now. */
export function isFresh(header: IndexHeader, dirs: Record<string, number>): boolean {
  const names = Object.keys(dirs);
  if (names.length !== Object.keys(header.dirs).length) return false;
  return names.every(
    (name) => header.dirs[name] === dirs[name] && (dirs[name] as number) < header.written - RACY_MS,
  );
}

/** The search index, brought up to date with the memories on disk. Close it when done. */
export async function openSearchIndex(
  repo: Repository,
  options: OpenOptions = {},
): Promise<OpenedIndex> {
  const path = indexPath(repo);
  // Taken before the folders are looked at, so a change during the look is never missed.
  const written = Date.now();
  const dirs = shardTimes(repo);
  const current = IndexFile.open(path, ENGINE);
  if (current && isFresh(current.header, dirs)) {
    return { file: current, status: 'fresh', added: 0, removed: 0, problems: [] };
  }
  // Reading and checking memories loads the schemas and the catalog: only when needed.
  const { refreshIndex } = await import('./update.js');
  return refreshIndex(repo, current, { path, written, dirs, ...options });
}

/**
 * Opens the index, brought up to date, and reads from it with `read`. An index that fails
 * to read (damaged inside, where its header did not show it) is deleted and built again
 * from the memories, once. The index is closed when `read` returns.
 */
export async function withSearchIndex<T>(
  repo: Repository,
  read: (file: IndexFile) => T,
  options: OpenOptions = {},
): Promise<{ result: T; opened: OpenedIndex }> {
  for (let attempt = 0; ; attempt++) {
    const opened = await openSearchIndex(repo, options);
    try {
      return { result: read(opened.file), opened };
    } catch (err) {
      if (attempt > 0 || err instanceof RemembrancerError) throw err;
      rmSync(indexPath(repo), { force: true });
    } finally {
      opened.file.close();
    }
  }
}
