/**
 * `verify ARTIFACT`: is this file (or digest) something we have a valid receipt for?
 * Hashes it, finds the memories that name that sha256, and checks their signatures.
 */
import { stat } from 'node:fs/promises';
import { requireConfig, type Policy } from '../store/config.js';
import type { Memory } from '../memory/envelope.js';
import { RemembrancerError } from '../ground/errors.js';
import { sha256File } from '../ground/hash.js';
import { checkSignatures, judgeProvenance, type SignatureStatus } from './provenance.js';
import type { Repository } from '../ground/repository.js';
import { WorkingTreeSnapshot } from '../ground/snapshot.js';
import { loadMemories } from '../store/store.js';
import { TrustStore } from '../policy/trust.js';

export interface ReceiptCheck {
  memory: Memory;
  valid: boolean;
  signatures: SignatureStatus[];
  problems: string[];
}

export interface ArtifactVerdict {
  sha256: string;
  source: 'file' | 'digest';
  policy: Policy;
  receipts: ReceiptCheck[];
  /** True when at least one receipt names the digest and passes provenance. */
  ok: boolean;
  reason: string;
  /** Memory files that are not valid memories, so could not be looked at (as `list` warns). */
  leftOut: RemembrancerError[];
}

const DIGEST = /^(?:sha256:)?([0-9a-fA-F]{64})$/;

/** Hashes the artifact, or takes it as a sha256 digest when it is one and no such file exists. */
export async function artifactDigest(
  artifact: string,
): Promise<{ sha256: string; source: 'file' | 'digest' }> {
  const exists = await stat(artifact).then(
    (s) => s.isFile(),
    () => false,
  );
  if (exists) return { sha256: (await sha256File(artifact)).sha256, source: 'file' };
  const m = DIGEST.exec(artifact);
  if (m) return { sha256: (m[1] as string).toLowerCase(), source: 'digest' };
  throw new RemembrancerError('FILE_NOT_FOUND', 'no such file, and not a sha256 digest either', {
    file: artifact,
    fix: 'pass the artifact file, or its digest as sha256:<64 hex>',
  });
}

export function namesDigest(memory: Memory, sha256: string): boolean {
  const { subject, body } = memory.envelope.signed;
  if (subject?.some((s) => s.digest.sha256 === sha256)) return true;
  const evidence = (body as { evidence?: { sha256?: string } }).evidence;
  return evidence?.sha256 === sha256;
}

/**
 * Receipts naming the artifact, judged with this node's trust and policy. `memoriesDir` is
 * the .remembrancer/ to look in: ours by default, or an external peer's view.
 */
export async function verifyArtifact(
  repo: Repository,
  artifact: string,
  memoriesDir: string = repo.remDir,
): Promise<ArtifactVerdict> {
  const { sha256, source } = await artifactDigest(artifact);
  return verifyDigest(repo, sha256, source, memoriesDir);
}

/** The receipts that name a sha256 (lower-case hex), each with its signatures checked. */
export async function verifyDigest(
  repo: Repository,
  sha256: string,
  source: 'file' | 'digest' = 'digest',
  memoriesDir: string = repo.remDir,
): Promise<ArtifactVerdict> {
  const snapshot = new WorkingTreeSnapshot(repo.remDir);
  const config = await requireConfig(snapshot);
  const [loaded, trust] = await Promise.all([
    loadMemories(new WorkingTreeSnapshot(memoriesDir)),
    TrustStore.load(snapshot),
  ]);
  const matching = loaded.memories.filter((m) => namesDigest(m, sha256));
  const receipts: ReceiptCheck[] = [];
  for (const memory of matching) {
    const signatures = await checkSignatures(memory, trust);
    const verdict = judgeProvenance(memory, signatures, config.policy);
    receipts.push({
      memory,
      signatures,
      valid: verdict.violations.length === 0,
      problems: verdict.violations.map((v) => v.message),
    });
  }
  const ok = receipts.some((r) => r.valid);
  let reason: string;
  if (receipts.length === 0) reason = `no receipt names sha256 ${sha256}`;
  else if (ok)
    reason = `${receipts.filter((r) => r.valid).length} valid receipt(s) name sha256 ${sha256}`;
  else
    reason = `every receipt naming sha256 ${sha256} fails: ${receipts[0]?.problems[0] ?? 'invalid'}`;
  return { sha256, source, policy: config.policy, receipts, ok, reason, leftOut: loaded.problems };
}
