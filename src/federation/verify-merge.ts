/**
 * `federation verify-merge ID` and `federation cosign ID`: recompute a federation receipt
 * from git history. The commit that added the receipt must sit on exactly the memories its
 * "before" root names and add exactly the accepted ones; the merged root, the accepted
 * root and (where the peer's commit is here) the peer's root must all recompute.
 */
import { canonicalBytes } from '../ground/canonical-json.js';
import type { Signer } from '../crypto/signer.js';
import { HistoryReader } from '../git/history.js';
import { fs, isogit } from '../git/isogit.js';
import { ObjectStore } from '../git/object-store.js';
import { headCommit } from '../git/snapshots.js';
import { RemembrancerError } from '../ground/errors.js';
import { merkleRoot } from '../proof/merkle.js';
import type { FederationBody } from '../memory/memory-types.js';
import { repoRelative } from '../ground/paths.js';
import { prepareSigning } from '../record/record.js';
import type { Repository } from '../ground/repository.js';
import { WorkingTreeSnapshot } from '../ground/snapshot.js';
import { readByPrefix } from '../store/store.js';
import { transact } from '../store/transaction.js';
import { toMemory, type Memory } from '../memory/envelope.js';
import { TypeResolver } from './roots.js';

export interface MergeCheck {
  name: 'commit' | 'before' | 'accepted' | 'merged' | 'peer';
  /** null: could not be checked here (the peer's commit was never fetched into this clone). */
  ok: boolean | null;
  detail: string;
}

export interface MergeVerdict {
  id: string;
  peer: string;
  node: string;
  ok: boolean;
  /** The commit that added the receipt, when one was found. */
  commit?: string;
  checks: MergeCheck[];
}

async function startingPoints(repo: Repository): Promise<string[]> {
  const git = await isogit();
  const starts = new Set<string>();
  const head = await headCommit(repo);
  if (head) starts.add(head);
  const refs = await git
    .listRefs({ fs, gitdir: repo.gitdir, filepath: 'refs/remembrancer/peers' })
    .catch(() => [] as string[]);
  for (const ref of refs) {
    const oid = await git
      .resolveRef({ fs, gitdir: repo.gitdir, ref: `refs/remembrancer/peers/${ref}` })
      .catch(() => undefined);
    if (oid) starts.add(oid);
  }
  return [...starts];
}

/** Read through our own object reader: isomorphic-git would load a whole pack to answer. */
function hasObject(repo: Repository, oid: string): boolean {
  return new ObjectStore(repo.gitdir).has(oid);
}

export async function readReceipt(repo: Repository, prefix: string): Promise<Memory> {
  const memory = await readByPrefix(new WorkingTreeSnapshot(repo.remDir), prefix);
  if (memory.envelope.signed.type !== 'federation') {
    throw new RemembrancerError(
      'USAGE',
      `${memory.id.slice(0, 12)} is a ${memory.envelope.signed.type}, not a federation receipt`,
      {
        file: repoRelative(memory.path),
        fix: 'list receipts with `remembrancer list federation`',
      },
    );
  }
  return memory;
}

export async function verifyMerge(repo: Repository, prefix: string): Promise<MergeVerdict> {
  const receipt = await readReceipt(repo, prefix);
  const body = receipt.envelope.signed.body as unknown as FederationBody;
  const history = new HistoryReader(repo);
  const types = new TypeResolver(repo);
  const verdict: MergeVerdict = {
    id: receipt.id,
    peer: body.peer,
    node: receipt.envelope.signed.node,
    ok: false,
    checks: [],
  };

  // Every commit, in our history or a peer's, that added the receipt; the writer's is the
  // one whose parent holds exactly the memories of the "before" root.
  const adding = new Set<string>();
  for (const start of await startingPoints(repo)) {
    const placed = await history.introducingCommits(start, [receipt.path]);
    const commit = placed.found.get(receipt.path);
    if (commit) adding.add(commit);
  }
  let parentIds: string[] | undefined;
  let commit: string | undefined;
  for (const candidate of [...adding].sort()) {
    const parent = (await history.commit(candidate)).parent[0];
    const ids = parent ? await history.memoryIdsAt(parent) : [];
    const before = await types.rootOf(ids, parent ?? candidate);
    if (before.root === body.before.ours.root && before.treeSize === body.before.ours.treeSize) {
      parentIds = ids;
      commit = candidate;
      break;
    }
  }
  if (!commit || !parentIds) {
    verdict.checks.push({
      name: 'commit',
      ok: false,
      detail:
        adding.size === 0
          ? 'no commit here adds the receipt (sync the node that wrote it first)'
          : `none of the ${adding.size} commit(s) that add it sits on the memories of its before-root ${body.before.ours.root.slice(0, 12)}…`,
    });
    return verdict;
  }
  verdict.commit = commit;
  verdict.checks.push({
    name: 'commit',
    ok: true,
    detail: `added by ${commit.slice(0, 7)}`,
  });
  verdict.checks.push({
    name: 'before',
    ok: true,
    detail: `its parent holds root ${body.before.ours.root.slice(0, 12)}… over ${body.before.ours.treeSize}`,
  });

  const had = new Set(parentIds);
  const added = (await history.memoryIdsAt(commit)).filter(
    (id) => !had.has(id) && id !== receipt.id,
  );
  const accepted = body.accepted.length > 0 || body.acceptedCount === 0 ? body.accepted : added;
  const addedSet = new Set(added);
  const sameSet = accepted.length === added.length && accepted.every((id) => addedSet.has(id));
  const acceptedRoot = merkleRoot(accepted).root;
  const acceptedOk =
    sameSet && acceptedRoot === body.acceptedRoot && accepted.length === body.acceptedCount;
  verdict.checks.push({
    name: 'accepted',
    ok: acceptedOk,
    detail: acceptedOk
      ? `the commit adds exactly the ${accepted.length} accepted memories`
      : `the receipt lists ${body.acceptedCount} accepted, the commit adds ${added.length} other memories`,
  });
  const merged = await types.rootOf([...parentIds, ...accepted], commit);
  const mergedOk = merged.root === body.merged.root && merged.treeSize === body.merged.treeSize;
  verdict.checks.push({
    name: 'merged',
    ok: mergedOk,
    detail: mergedOk
      ? `merged root ${merged.root.slice(0, 12)}… over ${merged.treeSize} recomputes`
      : `receipt says ${body.merged.root.slice(0, 12)}… over ${body.merged.treeSize}, recomputed ${merged.root.slice(0, 12)}… over ${merged.treeSize}`,
  });

  if (hasObject(repo, body.peerCommit)) {
    const peerIds = await history.memoryIdsAt(body.peerCommit);
    const peer = await types.rootOf(peerIds, body.peerCommit);
    const inPeer = new Set(peerIds);
    const missing = accepted.filter((id) => !inPeer.has(id));
    const ok =
      peer.root === body.before.peer.root &&
      peer.treeSize === body.before.peer.treeSize &&
      missing.length === 0;
    verdict.checks.push({
      name: 'peer',
      ok,
      detail: ok
        ? `peer commit ${body.peerCommit.slice(0, 7)} holds root ${peer.root.slice(0, 12)}… and every accepted memory`
        : missing.length > 0
          ? `${missing.length} accepted memories are not in peer commit ${body.peerCommit.slice(0, 7)}`
          : `peer commit ${body.peerCommit.slice(0, 7)} gives ${peer.root.slice(0, 12)}… over ${peer.treeSize}, receipt says ${body.before.peer.root.slice(0, 12)}… over ${body.before.peer.treeSize}`,
    });
  } else {
    verdict.checks.push({
      name: 'peer',
      ok: null,
      detail: `peer commit ${body.peerCommit.slice(0, 7)} is not in this clone; its root was not recomputed`,
    });
  }
  verdict.ok = verdict.checks.every((c) => c.ok !== false);
  return verdict;
}

export interface CosignResult {
  verdict: MergeVerdict;
  status: 'cosigned' | 'already signed';
  commit?: string;
}

export async function cosignReceipt(
  repo: Repository,
  prefix: string,
  options: { signer?: Signer | undefined; commit: boolean },
): Promise<CosignResult> {
  const verdict = await verifyMerge(repo, prefix);
  if (!verdict.ok) {
    const failed = verdict.checks.find((c) => c.ok === false);
    throw new RemembrancerError(
      'MERGE_MISMATCH',
      `receipt ${verdict.id.slice(0, 12)} does not recompute here: ${failed?.detail ?? 'unknown'}`,
      {
        exitCode: 1,
        fix: 'do not cosign it; run `remembrancer federation verify-merge` for every check',
      },
    );
  }
  const { config, author } = await prepareSigning(repo, options.signer);
  const signer = options.signer;
  if (!signer) {
    throw new RemembrancerError('SIGNER_REQUIRED', 'cosigning needs a signing key', {
      fix: 'pass --key FILE or --gpg-key ID, or set REMEMBRANCER_KEY',
    });
  }
  const receipt = await readReceipt(repo, verdict.id);
  if (receipt.envelope.signed.node === config.node) {
    throw new RemembrancerError(
      'USAGE',
      "it is this node's own receipt, signed when it was written",
      {
        fix: 'cosign the receipts your peers wrote about syncing from you',
      },
    );
  }
  if (receipt.envelope.signatures.some((s) => s.keyid === signer.fingerprint)) {
    return { verdict, status: 'already signed' };
  }
  const sig = await signer.sign(canonicalBytes(receipt.envelope.signed));
  const cosigned = toMemory({
    signed: receipt.envelope.signed,
    signatures: [...receipt.envelope.signatures, { keyid: signer.fingerprint, sig }],
  });
  const outcome = await transact(
    repo,
    {
      commit: options.commit,
      message: () =>
        `remembrancer: cosign federation receipt ${receipt.id.slice(0, 12)} (${verdict.peer})`,
      fallbackIdentity: author,
    },
    async (tx) => tx.writeMemory(cosigned),
  );
  return { verdict, status: 'cosigned', ...(outcome.commit ? { commit: outcome.commit } : {}) };
}
