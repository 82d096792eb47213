/**
 * `prove ID`: builds an evidence bundle for a memory against the latest of this node's
 * seals that covers it. The sealed set of a committed seal is read from the commit that
 * added it (as the covenant checks it); of an uncommitted seal, from the working tree.
 */
import { HistoryReader } from '../git/history.js';
import { headCommit } from '../git/snapshots.js';
import { BUNDLE_FORMAT, type EvidenceBundle } from './bundle.js';
import { openCatalog, type Catalog, type CatalogEntry } from '../store/catalog.js';
import { requireConfig } from '../store/config.js';
import { decodeMemory, MAX_MEMORY_BYTES, type Memory } from '../memory/envelope.js';
import { RemembrancerError } from '../ground/errors.js';
import { inclusionProof, leafHash, sortIds, verifyInclusion } from './merkle.js';
import { cachedSealedSet, rememberSealedSet, sealedSet } from './sealed-set.js';

/** Index of `id` in ascending `sorted`, or -1. */
function binarySearch(sorted: string[], id: string): number {
  let lo = 0;
  let hi = sorted.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const v = sorted[mid] as string;
    if (v === id) return mid;
    if (v < id) lo = mid + 1;
    else hi = mid - 1;
  }
  return -1;
}
import { isSeal, sealBody } from '../memory/memory-types.js';
import type { Repository } from '../ground/repository.js';
import { WorkingTreeSnapshot } from '../ground/snapshot.js';
import { TrustStore } from '../policy/trust.js';
import { pickByPrefix } from '../store/store.js';

async function readMemory(snapshot: WorkingTreeSnapshot, entry: CatalogEntry): Promise<Memory> {
  const bytes = await snapshot.read(entry.path, MAX_MEMORY_BYTES);
  if (!bytes)
    throw new RemembrancerError('FILE_NOT_FOUND', 'memory vanished while reading', {
      file: `.remembrancer/${entry.path}`,
    });
  return decodeMemory(entry.path, bytes);
}

export interface ProveResult {
  bundle: EvidenceBundle;
  warnings: string[];
}

/**
 * What repeated proofs in one long-lived process (the TUI) share: the catalog as first read,
 * and per seal the sorted ids and leaf hashes that led to its signed root (a seal's set
 * never changes), so a second proof under the same seal costs a binary search and a path.
 */
export interface ProveCache {
  catalog?: Catalog;
  sets: Map<string, { sorted: string[]; leaves: Buffer[] }>;
}

export async function proveMemory(
  repo: Repository,
  prefix: string,
  cache?: ProveCache,
): Promise<ProveResult> {
  const snapshot = new WorkingTreeSnapshot(repo.remDir);
  const config = await requireConfig(snapshot);
  const catalog = cache?.catalog ?? (await openCatalog(repo));
  if (cache) cache.catalog = catalog;
  const target = pickByPrefix(catalog.entries.values(), (e) => e.id, prefix);
  if (target.type === 'seal') {
    throw new RemembrancerError(
      'USAGE',
      'a seal is not inside the Merkle tree; it holds its root',
      {
        fix: 'prove a memory the seal covers, or hand out the seal file itself',
      },
    );
  }
  const warnings: string[] = [];
  const sealIds = new Set(
    [...catalog.entries.values()].filter((e) => e.type === 'seal').map((e) => e.id),
  );
  // This node's seals, newest first along the chain.
  const own = [...catalog.entries.values()].filter((e) => e.seal && e.node === config.node);
  const superseded = new Set(own.map((e) => e.seal?.previous).filter((p): p is string => !!p));
  const heads = own
    .filter((e) => !superseded.has(e.id))
    .sort((a, b) => (a.created < b.created ? 1 : -1));
  const chain: CatalogEntry[] = [];
  for (let at: CatalogEntry | undefined = heads[0]; at && !chain.includes(at);) {
    chain.push(at);
    const previous: string | null | undefined = at.seal?.previous;
    at = previous ? catalog.entries.get(previous) : undefined;
  }
  if (chain.length === 0) {
    throw new RemembrancerError('INVALID_STATE', 'there is no seal yet', {
      exitCode: 1,
      fix: 'run `remembrancer seal` (and commit it) first',
    });
  }

  const history = new HistoryReader(repo);
  let committed: Map<string, string> | undefined;
  // The commits that added the seals, found by walking history only when a seal's set is
  // not cached yet.
  const commitOf = async (path: string): Promise<string | undefined> => {
    if (!committed) {
      committed = new Map();
      const head = await headCommit(repo);
      if (head) {
        const paths: string[] = [];
        for (const s of chain) if (await history.hasMemoryFile(head, s.path)) paths.push(s.path);
        committed = (await history.introducingCommits(head, paths)).found;
      }
    }
    return committed.get(path);
  };

  /**
   * The target's place and audit path under one seal: from the cached set when there is
   * one, else from the commit that added the seal (or the working tree for a seal not
   * committed yet). The path must lead to the seal's signed root.
   */
  const locate = async (
    sealEntry: CatalogEntry,
    body: NonNullable<CatalogEntry['seal']>,
  ): Promise<'absent' | 'mismatch' | { index: number; proof: Buffer[]; sorted: string[] }> => {
    for (const source of ['memo', 'cache', 'history'] as const) {
      let sorted: string[] | undefined;
      let leaves: Buffer[] | undefined;
      let commit: string | undefined;
      if (source === 'memo') {
        const known = cache?.sets.get(sealEntry.id);
        sorted = known?.sorted;
        leaves = known?.leaves;
      } else if (source === 'cache')
        sorted = await cachedSealedSet(repo, sealEntry.id, body.treeSize);
      else {
        commit = await commitOf(sealEntry.path);
        sorted = commit
          ? (
              await sealedSet(
                repo,
                history,
                { id: sealEntry.id, treeSize: body.treeSize },
                commit,
                (id) => sealIds.has(id),
              )
            ).ids
          : sortIds(
              [...catalog.entries.values()].filter((e) => e.type !== 'seal').map((e) => e.id),
            );
      }
      if (!sorted) continue;
      const index = binarySearch(sorted, target.id);
      if (index === -1) {
        if (source === 'cache') continue;
        return 'absent';
      }
      leaves ??= sorted.map((id) => leafHash(Buffer.from(id, 'hex')));
      const proof = sorted.length === body.treeSize ? inclusionProof(leaves, index) : [];
      try {
        verifyInclusion(
          leaves[index] as Buffer,
          index,
          body.treeSize,
          proof,
          Buffer.from(body.root, 'hex'),
        );
      } catch {
        if (source !== 'history') continue;
        return 'mismatch';
      }
      if (commit) await rememberSealedSet(repo, sealEntry.id, sorted);
      if (cache && sorted.length === body.treeSize)
        cache.sets.set(sealEntry.id, { sorted, leaves });
      return { index, proof, sorted };
    }
    return 'absent';
  };

  for (const sealEntry of chain) {
    const body = sealEntry.seal as NonNullable<CatalogEntry['seal']>;
    const found = await locate(sealEntry, body);
    if (found === 'absent') continue;
    if (found === 'mismatch') {
      warnings.push(
        `seal ${sealEntry.id.slice(0, 12)} does not recompute (run \`remembrancer covenant\`); trying an older one`,
      );
      continue;
    }
    const { index, proof, sorted } = found;
    const root = body.root;
    const [memory, seal] = [
      await readMemory(snapshot, target),
      await readMemory(snapshot, sealEntry),
    ];
    if (!isSeal(seal) || sealBody(seal).root !== root)
      throw new RemembrancerError('INVALID_STATE', 'seal changed while proving');
    const trust = await TrustStore.load(snapshot);
    const keys: Record<string, string> = {};
    for (const s of [...memory.envelope.signatures, ...seal.envelope.signatures]) {
      const anchor = trust.get(s.keyid);
      if (anchor) keys[s.keyid] = anchor.key.armor();
      else
        warnings.push(`signer ${s.keyid} is not a trust anchor here; its key is not in the bundle`);
    }
    const tsaRoots = Object.fromEntries([...trust.tsaRoots.values()].map((t) => [t.name, t.pem]));
    const bundle: EvidenceBundle = {
      format: BUNDLE_FORMAT,
      memoryId: memory.id,
      memory: memory.envelope,
      sealId: seal.id,
      seal: seal.envelope,
      inclusion: {
        leafIndex: index,
        treeSize: sorted.length,
        hashes: proof.map((h) => h.toString('hex')),
      },
      keys,
      tsaRoots,
    };
    return { bundle, warnings };
  }
  throw new RemembrancerError(
    'INVALID_STATE',
    `no seal covers memory ${target.id.slice(0, 12)} yet`,
    {
      exitCode: 1,
      fix: 'run `remembrancer seal` to seal the current memories, then prove again',
    },
  );
}
