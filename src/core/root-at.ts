/** `root --at REV`: the Merkle root of the memories a commit holds, seals excluded. */
import { HistoryReader } from '../git/history.js';
import { CommitSnapshot, resolveCommit } from '../git/snapshots.js';
import { openCatalog } from './catalog.js';
import { decodeMemory, MAX_MEMORY_BYTES } from './envelope.js';
import { merkleRoot } from './merkle.js';
import { memoryPath } from './paths.js';
import type { Repository } from './repository.js';

export async function rootAt(
  repo: Repository,
  rev: string,
): Promise<{ commit: string; root: string; treeSize: number; unreadable: number }> {
  const commit = await resolveCommit(repo, rev);
  const ids = await new HistoryReader(repo).memoryIdsAt(commit);
  const catalog = await openCatalog(repo);
  const snapshot = new CommitSnapshot(repo, commit, rev);
  const kept: string[] = [];
  let unreadable = 0;
  for (const id of ids) {
    let type = catalog.entries.get(id)?.type;
    if (type === undefined) {
      // A memory no longer in the working tree: read its type from the commit itself.
      try {
        const bytes = await snapshot.read(memoryPath(id), MAX_MEMORY_BYTES);
        type = bytes ? decodeMemory(memoryPath(id), bytes).envelope.signed.type : undefined;
      } catch {
        type = undefined;
      }
      if (type === undefined) unreadable++;
    }
    if (type !== 'seal') kept.push(id);
  }
  return { commit, ...merkleRoot(kept), unreadable };
}
