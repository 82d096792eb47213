/**
 * The ids a committed seal covers: the memories (seals excluded) in the commit that added
 * it. Reading them means reading every shard tree of that commit, so they are kept per
 * seal under the git directory, 32 bytes an id. A commit never changes, so neither does
 * the set; and whoever uses a cached set checks the proof it yields against the seal's
 * signed root, so a damaged cache cannot produce a wrong proof, only a recomputation.
 */
import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { HistoryReader } from '../git/history.js';
import { writeFileAtomic } from '../ground/atomic-write.js';
import { sortIds } from './merkle.js';
import { cacheDir, type Repository } from '../ground/repository.js';

function file(repo: Repository, sealId: string): string {
  return join(cacheDir(repo), 'sealed', sealId);
}

export async function cachedSealedSet(
  repo: Repository,
  sealId: string,
  treeSize: number,
): Promise<string[] | undefined> {
  let bytes: Buffer;
  try {
    bytes = await readFile(file(repo, sealId));
  } catch {
    return undefined;
  }
  if (bytes.length !== treeSize * 32) return undefined;
  const ids = new Array<string>(treeSize);
  for (let i = 0; i < treeSize; i++) ids[i] = bytes.toString('hex', i * 32, i * 32 + 32);
  return ids;
}

/** Sorted ids of the memories (not seals) in `commit`, from the cache or from git. */
export async function sealedSet(
  repo: Repository,
  history: HistoryReader,
  seal: { id: string; treeSize: number },
  commit: string,
  isSealId: (id: string) => boolean,
): Promise<{ ids: string[]; cached: boolean }> {
  const cached = await cachedSealedSet(repo, seal.id, seal.treeSize);
  if (cached) return { ids: cached, cached: true };
  const ids = sortIds((await history.memoryIdsAt(commit)).filter((id) => !isSealId(id)));
  return { ids, cached: false };
}

/** Remembers a set once it has been checked against its seal's root. */
export async function rememberSealedSet(
  repo: Repository,
  sealId: string,
  ids: string[],
): Promise<void> {
  const bytes = Buffer.alloc(ids.length * 32);
  ids.forEach((id, i) => bytes.write(id, i * 32, 'hex'));
  await mkdir(join(cacheDir(repo), 'sealed'), { recursive: true }).catch(() => undefined);
  await writeFileAtomic(file(repo, sealId), bytes, { fsync: false }).catch(() => undefined);
}
