/**
 * Sealing: a signed checkpoint of the Merkle root over every memory but seals, chained to
 * this node's previous seal. The seal is committed together with every memory it covers
 * that was not committed yet, so the commit that adds a seal always recomputes to it.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { CommitSnapshot, headCommit } from '../git/snapshots.js';
import { gitBlobOid } from '../git/history.js';
import type { Signer } from '../crypto/signer.js';
import type { Memory } from '../memory/envelope.js';
import { merkleRoot } from './merkle.js';
import { buildSeal, isSeal, sealBody } from '../memory/memory-types.js';
import { REM_DIR } from '../ground/paths.js';
import { prepareSigning, signMemory } from '../record/record.js';
import type { Repository } from '../ground/repository.js';
import { WorkingTreeSnapshot } from '../ground/snapshot.js';
import { loadMemories, requireAllValid } from '../store/store.js';
import { transact } from '../store/transaction.js';
import { stampNew } from './timestamp.js';

export interface SealResult {
  /** 'sealed' wrote a new seal; 'unchanged' found the latest seal already current. */
  status: 'sealed' | 'unchanged';
  seal: Memory;
  root: string;
  treeSize: number;
  commit?: string;
  /** How many memories not yet committed went into the seal's commit. */
  included: number;
  warnings: string[];
}

/** The newest seal of `node`: the one no other seal of that node names as previous. */
export function latestSeal(memories: Memory[], node: string): Memory | undefined {
  const seals = memories.filter((m) => isSeal(m) && m.envelope.signed.node === node);
  const superseded = new Set(
    seals.map((s) => sealBody(s).previous).filter((p): p is string => p !== null),
  );
  const heads = seals.filter((s) => !superseded.has(s.id));
  heads.sort((a, b) =>
    a.envelope.signed.created === b.envelope.signed.created
      ? sealBody(b).treeSize - sealBody(a).treeSize
      : a.envelope.signed.created < b.envelope.signed.created
        ? 1
        : -1,
  );
  return heads[0];
}

export async function sealRepository(
  repo: Repository,
  options: { signer?: Signer | undefined; commit: boolean },
): Promise<SealResult> {
  const { config, author, trust, warnings } = await prepareSigning(repo, options.signer);
  let included = 0;
  type Work = { status: 'sealed' | 'unchanged'; seal: Memory; root: string; treeSize: number };
  const outcome = await transact<Work>(
    repo,
    {
      commit: options.commit,
      message: (result) =>
        `remembrancer: seal ${result.root.slice(0, 12)} over ${result.treeSize} memories`,
      fallbackIdentity: author,
    },
    async (tx) => {
      const loaded = await loadMemories(new WorkingTreeSnapshot(repo.remDir));
      requireAllValid(loaded, 'seal');
      const { root, treeSize } = merkleRoot(
        loaded.memories.filter((m) => !isSeal(m)).map((m) => m.id),
      );
      const previous = latestSeal(loaded.memories, config.node);
      if (
        previous &&
        sealBody(previous).root === root &&
        sealBody(previous).treeSize === treeSize
      ) {
        return { status: 'unchanged' as const, seal: previous, root, treeSize };
      }
      const signed = buildSeal(
        { node: config.node, author },
        { treeSize, root, previous: previous?.id ?? null },
      );
      const stamped = await stampNew(await signMemory(signed, options.signer), config, trust);
      for (const failure of stamped.failures) warnings.push(`timestamp: ${failure}`);
      const seal = stamped.memory;
      await tx.writeMemory(seal);
      if (options.commit) {
        // Commit every memory on disk that HEAD lacks, so the seal's commit holds its set.
        const head = await headCommit(repo);
        const committed = new Map<string, string | undefined>();
        if (head)
          for (const e of await new CommitSnapshot(repo, head, 'HEAD').list())
            committed.set(e.path, e.oid);
        for (const memory of loaded.memories) {
          const path = `${REM_DIR}/${memory.path}`;
          const bytes = await readFile(join(repo.root, path));
          if (committed.get(memory.path) !== gitBlobOid(bytes)) {
            tx.include(path, bytes);
            included++;
          }
        }
      }
      return { status: 'sealed' as const, seal, root, treeSize };
    },
  );
  return {
    ...outcome.result,
    ...(outcome.commit ? { commit: outcome.commit } : {}),
    included,
    warnings,
  };
}
