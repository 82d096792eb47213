/** `root --at REV`: the Merkle root of the memories a commit holds, seals excluded. */
import { HistoryReader } from '../git/history.js';
import { resolveCommit } from '../git/revision.js';
import { TypeResolver } from '../federation/roots.js';
import type { Repository } from '../ground/repository.js';

export async function rootAt(
  repo: Repository,
  rev: string,
  option = '--at',
): Promise<{ commit: string; root: string; treeSize: number; unreadable: number }> {
  const commit = await resolveCommit(repo, rev, { option });
  const ids = await new HistoryReader(repo).memoryIdsAt(commit);
  // Types come from the catalog, else (a memory no longer in the working tree) the commit.
  const types = new TypeResolver(repo);
  const { root, treeSize } = await types.rootOf(ids, commit);
  return { commit, root, treeSize, unreadable: types.unreadable };
}
