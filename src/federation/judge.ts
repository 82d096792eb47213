/**
 * Judging what a peer brings, with the same rules as the covenant: schema and id were
 * checked on reading; here signatures against every key this node trusts, each counted only
 * for the node it is bound to (TrustStore.bindingProblem), timestamps, revocations, scope,
 * and seals.
 */
import type { Config } from '../store/config.js';
import { mergeEnvelopes, serializeEnvelope, toMemory, type Memory } from '../memory/envelope.js';
import type { RejectedMemory, SealBody } from '../memory/memory-types.js';
import type { Peer } from './peers.js';
import { checkAllSignatures, judgeProvenance, type SignatureStatus } from '../proof/provenance.js';
import { collectRevocations, judgeRevocations } from '../policy/revocation.js';
import { checkAllTimestamps, judgeTime } from '../proof/time.js';
import type { TrustStore } from '../policy/trust.js';
import type { VerificationCache } from '../ground/verify-cache.js';
import { reasonOf, type Incoming } from './incoming.js';

export interface Judgement {
  /** New memories to add, by id. */
  accepted: Memory[];
  /** Memories we keep that gain the peer's extra signatures or timestamps. */
  updated: Memory[];
  rejected: RejectedMemory[];
  /** Out of the peer's scope: neither taken nor rejected. */
  ignored: number;
}

export interface JudgeContext {
  config: Config;
  trust: TrustStore;
  peer: Peer;
  /** Revocation memories this node already keeps. */
  ourRevocations: Memory[];
  cache: VerificationCache;
  /** Whether a memory id is kept here (committed or in the working tree). */
  have: (id: string) => boolean;
  /** Recomputes a seal of the peer's own node in the peer's history; a reason when it fails. */
  checkPeerSeal: (seal: Memory) => Promise<string | undefined>;
}

export async function judgeIncoming(items: Incoming[], ctx: JudgeContext): Promise<Judgement> {
  const result: Judgement = { accepted: [], updated: [], rejected: [], ignored: 0 };
  const reject = (m: Memory, reason: string) =>
    result.rejected.push({ id: m.id, path: m.path, reason: reasonOf(reason) });

  // Scope first: what the peer may not send is neither read further nor held against it.
  const scoped: { memory: Memory; isNew: boolean }[] = [];
  for (const item of items) {
    const type = item.memory.envelope.signed.type;
    if (ctx.peer.scope && !ctx.peer.scope.includes(type)) {
      result.ignored++;
      continue;
    }
    if (!item.ours) {
      scoped.push({ memory: item.memory, isNew: true });
      continue;
    }
    // Anyone can add a signature by a key of their own making to a memory we keep; one that
    // no key here can check is not copied onto it (it would only travel on, unchecked).
    const mine = new Set(item.ours.envelope.signatures.map((s) => s.keyid));
    const checkable = item.memory.envelope.signatures.filter(
      (s) => mine.has(s.keyid) || ctx.trust.has(s.keyid),
    );
    const merged = mergeEnvelopes(item.ours.envelope, {
      ...item.memory.envelope,
      signatures: checkable,
    });
    if (serializeEnvelope(merged) === serializeEnvelope(item.ours.envelope)) continue;
    scoped.push({ memory: toMemory(merged), isNew: false });
  }

  const memories = scoped.map((s) => s.memory);
  const statuses = await checkAllSignatures(memories, ctx.trust, undefined, ctx.cache);
  const stamps = await checkAllTimestamps(memories, ctx.trust, undefined, ctx.cache);
  const ourStatuses = await checkAllSignatures(ctx.ourRevocations, ctx.trust, undefined, ctx.cache);
  const revocations = collectRevocations(
    [...ctx.ourRevocations, ...memories],
    (m) => statuses.get(m.id) ?? ourStatuses.get(m.id),
    ctx.trust,
  );
  const incomingIds = new Set(memories.map((m) => m.id));

  for (const { memory, isNew } of scoped) {
    const st: SignatureStatus[] = statuses.get(memory.id) ?? [];
    const reasons: string[] = [];
    const provenance = judgeProvenance(memory, st, ctx.config.policy);
    reasons.push(...provenance.violations.map((v) => v.message));
    const valid = st.filter((s) => s.state === 'valid');
    if (isNew && st.length > 0 && valid.length === 0 && reasons.length === 0) {
      const unbound = st.find((s) => s.unbound);
      const keys = st.map((s) => s.keyid).join(', ');
      reasons.push(
        unbound?.reason ??
          `signed only by key ${keys}, which this node does not trust for any peer`,
      );
    }
    // Whatever the policy, nothing enters in this node's name without one of its anchors.
    if (
      isNew &&
      reasons.length === 0 &&
      memory.envelope.signed.node === ctx.config.node &&
      !valid.some((s) => ctx.trust.isAnchor(s.keyid))
    ) {
      reasons.push(
        `in the name of this node (${ctx.config.node}) but not signed by one of its trust anchors`,
      );
    }
    reasons.push(
      ...judgeTime(memory, [...(stamps.get(memory.id) ?? [])], ctx.config).map((v) => v.message),
    );
    const revoked = judgeRevocations(memory, st, stamps.get(memory.id) ?? [], revocations, isNew);
    reasons.push(...revoked.violations.map((v) => v.message));
    if (reasons.length === 0 && isNew && memory.envelope.signed.type === 'seal') {
      const reason = await judgeSeal(memory, ctx, incomingIds);
      if (reason) reasons.push(reason);
    }
    if (reasons.length > 0) {
      reject(memory, reasons[0] as string);
      continue;
    }
    if (isNew) result.accepted.push(memory);
    else result.updated.push(memory);
  }
  return result;
}

async function judgeSeal(
  seal: Memory,
  ctx: JudgeContext,
  incoming: Set<string>,
): Promise<string | undefined> {
  const node = seal.envelope.signed.node;
  const body = seal.envelope.signed.body as unknown as SealBody;
  if (node === ctx.config.node) {
    return `a seal in the name of this node (${node}) that this node never made`;
  }
  if (body.previous !== null && !ctx.have(body.previous) && !incoming.has(body.previous)) {
    return `its previous seal ${body.previous.slice(0, 12)}… is missing`;
  }
  // The peer's node is ours to name (peers.json), never its config.json: a peer that renames
  // itself or breaks its config still has its seals recomputed in its own history.
  if (node === ctx.peer.node) return ctx.checkPeerSeal(seal);
  // A third node's seal: its signature was already required to be by a key bound to that
  // node; its root is recomputed by the nodes that federate with it directly.
  return undefined;
}
