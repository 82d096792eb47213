/**
 * One memory, read by id or prefix, with every signature and timestamp checked against
 * this repository's trust and policy: what `show` prints and the MCP `get_memory` returns.
 */
import { requireConfig, type Policy } from '../store/config.js';
import type { Memory } from '../memory/envelope.js';
import { checkSignatures, judgeProvenance, type SignatureStatus } from './provenance.js';
import type { Repository } from '../ground/repository.js';
import { WorkingTreeSnapshot, type Snapshot } from '../ground/snapshot.js';
import { readByPrefix } from '../store/store.js';
import { checkTimestamps, judgeTime, type TimestampStatus } from './time.js';
import { TrustStore } from '../policy/trust.js';

export interface MemoryVerification {
  /** No provenance or time violation under the policy. */
  ok: boolean;
  policy: Policy;
  signatures: SignatureStatus[];
  timestamps: TimestampStatus[];
  problems: string[];
}

/** `source` is where the memory is read (default: the working tree); trust is always ours. */
export async function inspectMemory(
  repo: Repository,
  prefix: string,
  source?: Snapshot,
): Promise<{ memory: Memory; verification: MemoryVerification }> {
  const snapshot = new WorkingTreeSnapshot(repo.remDir);
  const [config, memory, trust] = await Promise.all([
    requireConfig(snapshot),
    readByPrefix(source ?? snapshot, prefix),
    TrustStore.load(snapshot),
  ]);
  const signatures = await checkSignatures(memory, trust);
  const timestamps = await checkTimestamps(memory, trust);
  const problems = [
    ...judgeProvenance(memory, signatures, config.policy).violations,
    ...judgeTime(memory, timestamps, config),
  ].map((v) => v.message);
  return {
    memory,
    verification: {
      ok: problems.length === 0,
      policy: config.policy,
      signatures,
      timestamps,
      problems,
    },
  };
}
