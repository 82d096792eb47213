/**
 * The Merkle root of the memories in the working tree (seals excluded) and whether this
 * node's latest seal covers it: what `root` prints and the MCP `merkle_root` returns.
 */
import { requireConfig } from '../store/config.js';
import { merkleRoot } from './merkle.js';
import { isSeal, sealBody } from '../memory/memory-types.js';
import type { Repository } from '../ground/repository.js';
import { latestSeal } from './seal.js';
import { WorkingTreeSnapshot } from '../ground/snapshot.js';
import { loadMemories } from '../store/store.js';

export interface CurrentRoot {
  root: string;
  treeSize: number;
  /** Memory files that could not be read; they are left out of the root. */
  invalidFiles: number;
  latestSeal: {
    id: string;
    root: string;
    treeSize: number;
    created: string;
    /** The seal covers exactly the current root. */
    current: boolean;
  } | null;
}

export async function currentRoot(repo: Repository): Promise<CurrentRoot> {
  const snapshot = new WorkingTreeSnapshot(repo.remDir);
  const [config, loaded] = await Promise.all([requireConfig(snapshot), loadMemories(snapshot)]);
  const { root, treeSize } = merkleRoot(loaded.memories.filter((m) => !isSeal(m)).map((m) => m.id));
  const seal = latestSeal(loaded.memories, config.node);
  return {
    root,
    treeSize,
    invalidFiles: loaded.problems.length,
    latestSeal: seal
      ? {
          id: seal.id,
          root: sealBody(seal).root,
          treeSize: sealBody(seal).treeSize,
          created: seal.envelope.signed.created,
          current: sealBody(seal).root === root && sealBody(seal).treeSize === treeSize,
        }
      : null,
  };
}
