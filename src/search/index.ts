/**
 * The search index: a cache under the git directory (`.git/remembrancer/search-v2.idx`),
 * never committed, that answers for the memory files on disk as they are now, committed
 * or not, and never shows what a file no longer says.
 *
 * Opening it costs one look at the shard folders' stamps (every write, checkout, merge and
 * delete under memories/ changes them, as git's untracked cache relies on) and at the files
 * it left out; only when one changed is the catalog asked which memories come and go, and
 * only those are read and indexed (update.ts). A file edited in place changes no folder:
 * each row keeps its file's stamp, and the rows an answer shows are looked at before they
 * are shown (on-disk.ts). docs/search.md has the details.
 */
import { readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { RemembrancerError } from '../ground/errors.js';
import { stampAt, trusted, type Stamp } from '../ground/file-stamp.js';
import { MEMORIES_DIR } from '../ground/paths.js';
import { cacheDir, type Repository } from '../ground/repository.js';
import { ENGINE } from './engine.js';
import { IndexFile, type IndexHeader } from './index-file.js';
import { DiskCheck, lookAtLeftOut } from './on-disk.js';

export { searchIndex, type SearchFilters, type SearchHit, type SearchOutcome } from './query.js';
export {
  headingAt,
  timeline,
  timelineOrder,
  type TimelineDay,
  type TimelineEntry,
} from './timeline.js';
export type { Snippet } from './snippet.js';
export { DiskCheck } from './on-disk.js';
export { IndexFile, type IndexHeader };
export { RACY_MS } from '../ground/file-stamp.js';

export const INDEX_FILE = 'search-v2.idx';
/** Names of index files of earlier formats, removed when a new one is built. */
const OLDER_FILES = ['search-v1.idx'];

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

/**
 * The stamp of memories/ (as ".") and of every shard folder in it. A link is never
 * followed: a linked folder has no stamp here, and the catalog reports it.
 */
export function shardStamps(repo: Repository): Record<string, Stamp> {
  const root = join(repo.remDir, MEMORIES_DIR);
  const dirs: Record<string, Stamp> = {};
  const self = stampAt(root);
  if (!self?.stats.isDirectory() || stampAt(repo.remDir)?.stats.isSymbolicLink()) return dirs;
  dirs['.'] = self.stamp;
  let names: string[];
  try {
    names = readdirSync(root);
  } catch {
    return dirs;
  }
  for (const name of names.sort()) {
    const at = stampAt(join(root, name));
    if (at?.stats.isDirectory()) dirs[name] = at.stamp;
  }
  return dirs;
}

/** Whether an index holds exactly the memories of folders that look as they do now. */
export function isFresh(header: IndexHeader, dirs: Record<string, Stamp>): boolean {
  const names = Object.keys(dirs);
  if (names.length !== Object.keys(header.dirs).length) return false;
  return names.every((name) => trusted(header.dirs[name], dirs[name] as Stamp, header.written));
}

/** The search index, brought up to date with the memories on disk. Close it when done. */
export async function openSearchIndex(
  repo: Repository,
  options: OpenOptions = {},
): Promise<OpenedIndex> {
  const path = indexPath(repo);
  // Taken before the folders are looked at, so a change during the look is never missed.
  const written = Date.now();
  const dirs = shardStamps(repo);
  const current = IndexFile.open(path, ENGINE);
  const left = current ? lookAtLeftOut(repo.remDir, current.header.left) : undefined;
  if (current && left?.state === 'same' && isFresh(current.header, dirs)) {
    return { file: current, status: 'fresh', added: 0, removed: 0, problems: left.problems };
  }
  if (!current) for (const old of OLDER_FILES) rmSync(join(cacheDir(repo), old), { force: true });
  // Reading and checking memories loads the schemas and the catalog: only when needed.
  const { refreshIndex, reviewLeftOut } = await import('./update.js');
  if (current && left?.state === 'racy' && isFresh(current.header, dirs)) {
    const reviewed = await reviewLeftOut(repo, current);
    if (reviewed) return reviewed;
  }
  // A file left out that changed in place changes no folder: the catalog looks at every
  // file's stamp this once, so that it sees the file again.
  const exact = left?.state === 'changed';
  return refreshIndex(repo, current, { path, written, dirs, exact, ...options });
}

/**
 * Opens the index, brought up to date, and reads from it with `read`, which shows only rows
 * `check` passes (`read` runs twice where a shown row's file must be read again). An index that fails to read (damaged inside, where its header did not
 * show it) is deleted and built again from the memories, once. What the check found is
 * kept in the index for the next answer, and the index is closed when `read` returns.
 */
export async function withSearchIndex<T>(
  repo: Repository,
  read: (file: IndexFile, check: DiskCheck) => T,
  options: OpenOptions = {},
): Promise<{ result: T; opened: OpenedIndex }> {
  for (let attempt = 0; ; attempt++) {
    const opened = await openSearchIndex(repo, options);
    try {
      let check = new DiskCheck(repo, opened.file);
      let result = read(opened.file, check);
      if (check.needsJudge) {
        // A shown row's file changed: read again with what reading a file needs.
        const { judgeFile } = await import('./judge.js');
        check = new DiskCheck(repo, opened.file, judgeFile);
        result = read(opened.file, check);
      }
      opened.problems.push(...check.problems());
      if (check.findings.size > 0) {
        const { keepFindings } = await import('./update.js');
        await keepFindings(repo, opened.file, check.findings);
      }
      return { result, opened };
    } catch (err) {
      if (attempt > 0 || err instanceof RemembrancerError) throw err;
      rmSync(indexPath(repo), { force: true });
    } finally {
      opened.file.close();
    }
  }
}
