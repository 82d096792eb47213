/**
 * `federation sync`: fetch a peer's ref, take what it brings that passes every rule, and
 * write one signed receipt of it (DESIGN.md §5). Deterministic: the memories taken are
 * decided by content alone, so nodes that gossip in any order end with the same files.
 */
import type { Signer } from '../crypto/signer.js';
import { fetchPeer } from '../git/fetch.js';
import { HistoryReader } from '../git/history.js';
import { headCommit } from '../git/snapshots.js';
import { openCatalog } from '../store/catalog.js';
import { readConfig, requireConfig } from '../store/config.js';
import { decodeMemory, type Memory } from '../memory/envelope.js';
import { RemembrancerError } from '../ground/errors.js';
import { merkleRoot } from '../proof/merkle.js';
import {
  buildFederation,
  isFederation,
  type FederationBody,
  type RejectedMemory,
  type RootRef,
  type SealBody,
} from '../memory/memory-types.js';
import { MEMORIES_DIR, REM_DIR, memoryPath } from '../ground/paths.js';
import type { Peer } from './peers.js';
import { prepareSigning, signMemory } from '../record/record.js';
import type { Repository } from '../ground/repository.js';
import { WorkingTreeSnapshot, type Snapshot } from '../ground/snapshot.js';
import { stampNew } from '../proof/timestamp.js';
import { transact } from '../store/transaction.js';
import { TrustStore } from '../policy/trust.js';
import { VerificationCache } from '../ground/verify-cache.js';
import { diffPeer, reasonOf } from './incoming.js';
import { judgeIncoming } from './judge.js';
import { redactUrl } from '../git/peer-url.js';
import { TreeRootCache, TypeResolver } from './roots.js';
import { updateStatus } from './status.js';
import { peerView, writeToView } from './peer-view.js';
import { readFederationStatus } from './peers.js';
import { existsSync } from 'node:fs';
import { join } from 'node:path';

export type SyncStatus = 'merged' | 'up-to-date' | 'read-only' | 'dry-run';

export interface SyncOutcome {
  peer: string;
  tier: Peer['tier'];
  status: SyncStatus;
  peerCommit: string;
  peerNode?: string;
  /** Memory files of the peer that differ from ours and were examined. */
  examined: number;
  accepted: string[];
  /** Memories we keep that gained the peer's signatures or timestamps. */
  updated: string[];
  rejected: RejectedMemory[];
  ignored: number;
  before: { ours: RootRef; peer: RootRef };
  merged: RootRef;
  receipt?: string;
  commit?: string;
  /** The peer's new commit does not descend from the one synced last: it rewrote history. */
  rewritten?: { from: string; to: string };
  warnings: string[];
}

export interface SyncOptions {
  signer?: Signer | undefined;
  commit: boolean;
  dryRun?: boolean;
  timeoutMs?: number;
}

const MEMORIES_TREE = `${REM_DIR}/${MEMORIES_DIR}`;

/** Another writer committed between our judging and our writing: judge again. */
class HeadMoved extends Error {}
const HEAD_MOVED = Symbol('head moved');
/** How many times a sync judges again before it gives up on writers that keep committing. */
const MERGE_ATTEMPTS = 5;
/** Receipts list up to this many accepted ids (acceptedRoot always covers all of them). */
const LISTED_ACCEPTED = 12_000;
const LISTED_REJECTED = 1_000;

/**
 * The peer commit's .remembrancer/ as a snapshot that reads single files by path: a
 * CommitSnapshot would list every memory of the peer to find config.json.
 */
function onePathSnapshot(history: HistoryReader, commit: string, peer: Peer): Snapshot {
  return {
    label: `${peer.name} ${peer.ref} (${commit.slice(0, 7)})`,
    list: () => Promise.resolve([]),
    read: async (path: string, maxBytes?: number) => {
      // Measured by its header before it is read: an oversized file is never inflated.
      return history.fileAt(commit, `${REM_DIR}/${path}`, maxBytes).catch(() => undefined);
    },
  };
}

export async function syncPeer(
  repo: Repository,
  peer: Peer,
  options: SyncOptions,
): Promise<SyncOutcome> {
  const attempt = new Date().toISOString();
  try {
    const outcome = await syncOnce(repo, peer, options);
    if (!options.dryRun) {
      await updateStatus(repo, peer.name, {
        lastAttempt: attempt,
        lastSuccess: new Date().toISOString(),
        lastError: undefined,
        peerCommit: outcome.peerCommit,
        peerRoot: outcome.before.peer.root,
        counts: {
          fetched: outcome.examined,
          accepted: outcome.accepted.length,
          rejected: outcome.rejected.length,
          ignored: outcome.ignored,
        },
        ...(outcome.rewritten ? { lastRewrite: { at: attempt, ...outcome.rewritten } } : {}),
      });
    }
    return outcome;
  } catch (err) {
    if (!options.dryRun) {
      const message = err instanceof Error ? err.message.split('\n')[0] : String(err);
      await updateStatus(repo, peer.name, { lastAttempt: attempt, lastError: message }).catch(
        () => undefined,
      );
    }
    throw err;
  }
}

async function syncOnce(repo: Repository, peer: Peer, options: SyncOptions): Promise<SyncOutcome> {
  const working = new WorkingTreeSnapshot(repo.remDir);
  const config = await requireConfig(working);
  const importing = peer.tier === 'core' && !options.dryRun;
  // A strict node needs a signer for the receipt: know it before anything is fetched.
  const signing = importing ? await prepareSigning(repo, options.signer) : undefined;
  const trust = signing?.trust ?? (await TrustStore.load(working));
  const warnings = [...(signing?.warnings ?? [])];

  const fetched = await fetchPeer(
    repo,
    peer,
    options.timeoutMs ? { timeoutMs: options.timeoutMs } : {},
  );
  const peerCommit = fetched.commit;
  const history = new HistoryReader(repo);
  const last = readFederationStatus(repo)[peer.name]?.peerCommit;
  const rewritten =
    last !== undefined && last !== peerCommit && !(await history.descendsFrom(peerCommit, last))
      ? { from: last, to: peerCommit }
      : undefined;
  if (rewritten) {
    warnings.push(
      `peer "${peer.name}" rewrote its history: ${peer.ref} is now ${peerCommit.slice(0, 7)}, which does not descend from ${last?.slice(0, 7)} synced last (force-push); what it dropped stays here, and \`federation status\` keeps the record`,
    );
  }
  const link = await history.symlinkOnPath(peerCommit, MEMORIES_TREE);
  if (link) {
    throw new RemembrancerError(
      'UNEXPECTED_FILE',
      `peer "${peer.name}": ${link} is a symbolic link in ${peer.ref} (${peerCommit.slice(0, 7)}), refused`,
      { exitCode: 1, fix: `ask the peer to commit ${link}/ as a folder` },
    );
  }
  if ((await history.treeAt(peerCommit, REM_DIR)) === undefined) {
    throw new RemembrancerError(
      'PEER_UNREACHABLE',
      `peer "${peer.name}": ${peer.ref} (${peerCommit.slice(0, 7)}) holds no ${REM_DIR}/`,
      {
        exitCode: 1,
        fix: 'point the peer at a branch of a repository that runs remembrancer (--ref)',
      },
    );
  }
  // The node the peer speaks for is ours to say; what its config.json claims is only checked.
  const peerNode = peer.node;
  let unreadable = '';
  const claimed = await readConfig(onePathSnapshot(history, peerCommit, peer)).then(
    (c) => c?.node,
    (err: unknown) => {
      // Say why (a later schema version, say), on the warning's one line.
      if (err instanceof RemembrancerError) unreadable = ` (${reasonOf(err)})`;
      return undefined;
    },
  );
  if (claimed !== peerNode) {
    warnings.push(
      claimed === undefined
        ? `peer "${peer.name}" has no readable config.json${unreadable}; its memories are judged as node "${peerNode}"`
        : `peer "${peer.name}" now calls its node "${claimed}", but peers.json binds it to "${peerNode}": what it signs as "${claimed}" is rejected (if it was renamed on purpose, re-add the peer with --node ${claimed})`,
    );
  }
  // Everything below is judged against our HEAD as it is now; if another writer moves it
  // before our commit (checked under the lock), it is judged again against the new one,
  // so that the receipt's "before" is the commit it is written on.
  const base = warnings;
  for (let attempt = 1; ; attempt++) {
    const outcome = await mergeOnto(await headCommit(repo), [...base]);
    if (outcome !== HEAD_MOVED) return outcome;
    if (attempt === MERGE_ATTEMPTS) {
      throw new RemembrancerError(
        'LOCKED',
        `other writers kept committing while the sync from "${peer.name}" was about to write; nothing was written`,
        { exitCode: 1, fix: 'sync again once they are done' },
      );
    }
  }

  async function mergeOnto(
    head: string | undefined,
    warnings: string[],
  ): Promise<SyncOutcome | typeof HEAD_MOVED> {
    const peerTree = await history.treeAt(peerCommit, MEMORIES_TREE);
    const ourTree = head ? await history.treeAt(head, MEMORIES_TREE) : undefined;

    // An external peer is compared with its own view (what we took from it last time).
    const external = peer.tier === 'external';
    const view = peerView(repo, peer.name);
    const viewTree = readFederationStatus(repo)[peer.name]?.viewTree;
    const diff = external
      ? await diffPeer(repo, history, peerTree, viewTree, view.remDir)
      : await diffPeer(repo, history, peerTree, ourTree);
    const types = new TypeResolver(repo);
    for (const item of diff.incoming) types.learn(item.memory.id, item.memory.envelope.signed.type);

    // Our revocations matter only when there is something to judge; finding them reads the
    // catalog, which a sync with nothing new must not pay for.
    const ourRevocations: Memory[] = [];
    if (diff.incoming.length > 0) {
      const catalog = await openCatalog(repo);
      for (const entry of catalog.entries.values()) {
        if (entry.type !== 'revocation') continue;
        const bytes = await working.read(entry.path);
        if (bytes) ourRevocations.push(decodeMemory(entry.path, bytes));
      }
    }
    const cache =
      diff.incoming.length > 0 ? VerificationCache.open(repo) : VerificationCache.disabled();
    const judgement = await judgeIncoming(diff.incoming, {
      config,
      trust,
      peer,
      ourRevocations,
      cache,
      have: (id) => existsSync(join(repo.remDir, memoryPath(id))),
      checkPeerSeal: async (seal) => {
        const placed = await history.introducingCommits(peerCommit, [seal.path]);
        const commit = placed.found.get(seal.path);
        if (!commit) return 'the commit that added this seal is not in the fetched history';
        const body = seal.envelope.signed.body as unknown as SealBody;
        const actual = await types.rootOf(await history.memoryIdsAt(commit), commit);
        if (actual.root === body.root && actual.treeSize === body.treeSize) return undefined;
        return `seal says root ${body.root.slice(0, 12)}… over ${body.treeSize}, but the peer's commit ${commit.slice(0, 7)} that added it gives ${actual.root.slice(0, 12)}… over ${actual.treeSize}`;
      },
    });
    await cache.save();

    // --- roots ---------------------------------------------------------------------------
    const roots = await TreeRootCache.open(repo);
    const ourIds = async () => (head ? await history.memoryIdsAt(head) : []);
    const ours = roots.get(ourTree) ?? (await types.rootOf(await ourIds(), head ?? peerCommit));
    roots.set(ourTree, ours);
    let peerRoot = roots.get(peerTree);
    if (!peerRoot) {
      peerRoot = await types.rootOf(await history.memoryIdsAt(peerCommit), peerCommit);
      roots.set(peerTree, peerRoot);
    }
    const acceptedIds = judgement.accepted.map((m) => m.id).sort();
    const merged =
      acceptedIds.length === 0
        ? ours
        : await types.rootOf([...(await ourIds()), ...acceptedIds], head ?? peerCommit);
    await roots.save();

    const rejected = [...diff.rejected, ...judgement.rejected].sort((a, b) =>
      a.path < b.path ? -1 : a.path > b.path ? 1 : 0,
    );
    const outcome: SyncOutcome = {
      peer: peer.name,
      tier: peer.tier,
      status: 'up-to-date',
      peerCommit,
      ...(peerNode ? { peerNode } : {}),
      examined: diff.examined,
      accepted: acceptedIds,
      updated: judgement.updated.map((m) => m.id).sort(),
      rejected,
      ignored: judgement.ignored,
      before: { ours, peer: peerRoot },
      merged,
      ...(rewritten ? { rewritten } : {}),
      warnings,
    };
    if (options.dryRun) return { ...outcome, status: 'dry-run' };
    if (external) {
      await writeToView(view, [...judgement.accepted, ...judgement.updated]);
      // Rejected ones are examined again next time; the view tree moves only when all passed.
      if (rejected.length === 0) await updateStatus(repo, peer.name, { viewTree: peerTree });
      return { ...outcome, status: 'read-only' };
    }
    if (judgement.accepted.length === 0 && judgement.updated.length === 0) return outcome;

    // --- write -----------------------------------------------------------------------------
    const needsReceipt = judgement.accepted.some((m) => !isFederation(m));
    let receipt: Memory | undefined;
    if (needsReceipt && signing) {
      const body: FederationBody = {
        peer: peer.name,
        ...(peerNode ? { peerNode } : {}),
        url: redactUrl(peer.url),
        ref: peer.ref,
        peerCommit,
        before: { ours, peer: peerRoot },
        merged,
        accepted: acceptedIds.length <= LISTED_ACCEPTED ? acceptedIds : [],
        acceptedCount: acceptedIds.length,
        acceptedRoot: merkleRoot(acceptedIds).root,
        rejected: rejected.slice(0, LISTED_REJECTED),
        rejectedCount: rejected.length,
        ignored: judgement.ignored,
      };
      const signed = buildFederation({ node: config.node, author: signing.author }, body);
      const stamped = await stampNew(await signMemory(signed, options.signer), config, trust);
      for (const failure of stamped.failures) warnings.push(`timestamp: ${failure}`);
      receipt = stamped.memory;
    }
    let written;
    try {
      written = await transact(
        repo,
        {
          commit: options.commit,
          message: () =>
            `remembrancer: sync from ${peer.name} (${acceptedIds.length} accepted, ${
              judgement.updated.length > 0 ? `${judgement.updated.length} gained signatures, ` : ''
            }${rejected.length} rejected)`,
          fallbackIdentity: signing?.author,
        },
        async (tx) => {
          // Under the lock, before anything is written: is HEAD still what we judged against?
          if ((await headCommit(repo)) !== head) throw new HeadMoved();
          await tx.writeMemories([...judgement.accepted, ...judgement.updated]);
          if (receipt) await tx.writeMemory(receipt);
        },
      );
    } catch (err) {
      if (err instanceof HeadMoved) return HEAD_MOVED;
      throw err;
    }
    return {
      ...outcome,
      status: 'merged',
      ...(receipt ? { receipt: receipt.id } : {}),
      ...(written.commit ? { commit: written.commit } : {}),
    };
  }
}
