/**
 * Everything the detail pane shows about one memory, computed when it is selected with the
 * functions `show` and `prove` use: signatures against the trust anchors, timestamp tokens,
 * the policy's verdict, and the seal whose Merkle tree includes it.
 */
import { memoryFields } from '../../present/fields.js';
import { requireConfig, type Config } from '../../store/config.js';
import type { Memory } from '../../memory/envelope.js';
import { RemembrancerError } from '../../ground/errors.js';
import type { AdrBody, DecisionBody } from '../../memory/memory-types.js';
import { proveMemory, type ProveCache } from '../../proof/prove.js';
import { checkSignatures, judgeProvenance, type SignatureStatus } from '../../proof/provenance.js';
import type { Repository } from '../../ground/repository.js';
import { WorkingTreeSnapshot } from '../../ground/snapshot.js';
import { readByPrefix } from '../../store/store.js';
import { checkTimestamps, judgeTime, type TimestampStatus } from '../../proof/time.js';
import { TrustStore } from '../../policy/trust.js';

export type SealState =
  | { state: 'sealed'; sealId: string; leafIndex: number; treeSize: number; warnings: string[] }
  | { state: 'unsealed'; reason: string }
  | { state: 'is-seal'; root: string; treeSize: number };

export interface LinkView {
  rel: string;
  id: string;
}

export interface MemoryDetail {
  kind: 'memory';
  id: string;
  type: string;
  created: string;
  node: string;
  author: string;
  file: string;
  fields: [string, string][];
  /** Free text worth reading in full (a decision's text, an ADR's decision). */
  text?: string;
  links: LinkView[];
  signatures: SignatureStatus[];
  timestamps: TimestampStatus[];
  /** Why it does not verify under the policy; empty when it does. */
  problems: string[];
  verified: boolean;
  seal: SealState;
}

/** A memory file that cannot be read as a memory at all. */
export interface BrokenMemory {
  kind: 'broken';
  id: string;
  message: string;
  file?: string;
  fix?: string;
}

export type DetailResult = MemoryDetail | BrokenMemory;

function linksOf(memory: Memory): LinkView[] {
  return (memory.envelope.signed.links ?? []).map((l) => ({ rel: l.rel, id: l.id }));
}

function textOf(memory: Memory): string | undefined {
  const s = memory.envelope.signed;
  if (s.type === 'decision') return (s.body as unknown as DecisionBody).text;
  if (s.type === 'adr') {
    const b = s.body as unknown as AdrBody;
    return [b.context && `Context: ${b.context}`, b.decision && `Decision: ${b.decision}`]
      .filter(Boolean)
      .join('\n');
  }
  return undefined;
}

async function sealState(repo: Repository, memory: Memory, cache: ProveCache): Promise<SealState> {
  const s = memory.envelope.signed;
  if (s.type === 'seal') {
    const body = s.body as unknown as { root: string; treeSize: number };
    return { state: 'is-seal', root: body.root, treeSize: body.treeSize };
  }
  try {
    const { bundle, warnings } = await proveMemory(repo, memory.id, cache);
    return {
      state: 'sealed',
      sealId: bundle.sealId,
      leafIndex: bundle.inclusion.leafIndex,
      treeSize: bundle.inclusion.treeSize,
      warnings,
    };
  } catch (err) {
    if (err instanceof RemembrancerError) return { state: 'unsealed', reason: err.message };
    throw err;
  }
}

/** Loads and verifies memories on demand; trust anchors and config are read once. */
export class DetailLoader {
  private context: Promise<{ config: Config; trust: TrustStore }> | undefined;
  private readonly cache = new Map<string, Promise<DetailResult>>();
  private readonly proofs: ProveCache = { sets: new Map() };

  constructor(private readonly repo: Repository) {}

  load(id: string): Promise<DetailResult> {
    let hit = this.cache.get(id);
    if (!hit) {
      hit = this.compute(id);
      this.cache.set(id, hit);
    }
    return hit;
  }

  private async compute(id: string): Promise<DetailResult> {
    const snapshot = new WorkingTreeSnapshot(this.repo.remDir);
    this.context ??= Promise.all([requireConfig(snapshot), TrustStore.load(snapshot)]).then(
      ([config, trust]) => ({ config, trust }),
    );
    let memory: Memory;
    try {
      memory = await readByPrefix(snapshot, id);
    } catch (err) {
      if (!(err instanceof RemembrancerError)) throw err;
      return {
        kind: 'broken',
        id,
        message: err.message,
        ...(err.file ? { file: err.file } : {}),
        ...(err.fix ? { fix: err.fix } : {}),
      };
    }
    const { config, trust } = await this.context;
    const [signatures, timestamps, seal] = await Promise.all([
      checkSignatures(memory, trust),
      checkTimestamps(memory, trust),
      sealState(this.repo, memory, this.proofs),
    ]);
    const verdict = judgeProvenance(memory, signatures, config.policy);
    const problems = [...verdict.violations, ...judgeTime(memory, timestamps, config)].map(
      (v) => v.message,
    );
    const s = memory.envelope.signed;
    const text = textOf(memory);
    return {
      kind: 'memory',
      id: memory.id,
      type: s.type,
      created: s.created,
      node: s.node,
      author: `${s.author.name} <${s.author.email}>`,
      file: `.remembrancer/${memory.path}`,
      fields: memoryFields(memory).filter(([key]) => !linksOf(memory).some((l) => l.rel === key)),
      ...(text ? { text } : {}),
      links: linksOf(memory),
      signatures,
      timestamps,
      problems,
      verified: problems.length === 0,
      seal,
    };
  }
}
