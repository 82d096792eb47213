/**
 * `prove ID`: builds an evidence bundle for a memory against the latest of this node's
 * seals that covers it. The sealed set of a committed seal is read from the commit that
 * added it (as the covenant checks it); of an uncommitted seal, from the working tree.
 */
import { HistoryReader } from '../git/history.js';
import { headCommit } from '../git/snapshots.js';
import { BUNDLE_FORMAT, type EvidenceBundle } from './bundle.js';
import { openCatalog, type CatalogEntry } from './catalog.js';
import { requireConfig } from './config.js';
import { decodeMemory, MAX_MEMORY_BYTES, type Memory } from './envelope.js';
import { RemembrancerError } from './errors.js';
import { inclusionProof, leafHash, rootFromLeafHashes, sortIds } from './merkle.js';
import { isSeal, sealBody } from './memory-types.js';
import type { Repository } from './repository.js';
import { WorkingTreeSnapshot } from './snapshot.js';
import { TrustStore } from './trust.js';

async function readMemory(snapshot: WorkingTreeSnapshot, entry: CatalogEntry): Promise<Memory> {
  const bytes = await snapshot.read(entry.path, MAX_MEMORY_BYTES);
  if (!bytes)
    throw new RemembrancerError('FILE_NOT_FOUND', 'memory vanished while reading', {
      file: `.remembrancer/${entry.path}`,
    });
  return decodeMemory(entry.path, bytes);
}

function findEntry(entries: Map<string, CatalogEntry>, prefix: string): CatalogEntry {
  const wanted = prefix.toLowerCase();
  if (!/^[0-9a-f]{4,64}$/.test(wanted)) {
    throw new RemembrancerError('USAGE', `"${prefix}" is not a memory id or prefix`, {
      fix: 'give at least 4 hex characters of the id (see `remembrancer list`)',
    });
  }
  const matches = [...entries.values()].filter((e) => e.id.startsWith(wanted));
  if (matches.length === 0) {
    throw new RemembrancerError(
      'MEMORY_NOT_FOUND',
      `no valid memory has an id starting with ${wanted}`,
      {
        exitCode: 1,
        fix: 'list memories with `remembrancer list`',
      },
    );
  }
  if (matches.length > 1) {
    throw new RemembrancerError(
      'MEMORY_AMBIGUOUS',
      `${wanted} matches ${matches.length} memories`,
      {
        fix: 'give more characters of the id',
      },
    );
  }
  return matches[0] as CatalogEntry;
}

export interface ProveResult {
  bundle: EvidenceBundle;
  warnings: string[];
}

export async function proveMemory(repo: Repository, prefix: string): Promise<ProveResult> {
  const snapshot = new WorkingTreeSnapshot(repo.remDir);
  const config = await requireConfig(snapshot);
  const catalog = await openCatalog(repo);
  const target = findEntry(catalog.entries, prefix);
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
  const head = await headCommit(repo);
  let committed = new Map<string, string>();
  if (head) {
    const paths: string[] = [];
    for (const s of chain) if (await history.hasMemoryFile(head, s.path)) paths.push(s.path);
    committed = (await history.introducingCommits(head, paths)).found;
  }
  const current = [...catalog.entries.values()].filter((e) => e.type !== 'seal').map((e) => e.id);

  for (const sealEntry of chain) {
    const commit = committed.get(sealEntry.path);
    const ids = commit
      ? (await history.memoryIdsAt(commit)).filter((id) => !sealIds.has(id))
      : current;
    const sorted = sortIds(ids);
    const index = sorted.indexOf(target.id);
    if (index === -1) continue;
    const leaves = sorted.map((id) => leafHash(Buffer.from(id, 'hex')));
    const root = rootFromLeafHashes(leaves).toString('hex');
    const body = sealEntry.seal as NonNullable<CatalogEntry['seal']>;
    if (root !== body.root || sorted.length !== body.treeSize) {
      warnings.push(
        `seal ${sealEntry.id.slice(0, 12)} does not recompute (run \`remembrancer covenant\`); trying an older one`,
      );
      continue;
    }
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
        hashes: inclusionProof(leaves, index).map((h) => h.toString('hex')),
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
