/**
 * The covenants (DESIGN.md §4): integrity, provenance, time, continuity. One engine,
 * used by the `covenant` command, the git hooks and the GitHub Action alike. It compares a
 * candidate snapshot (working tree, index or a commit) with a base (HEAD or a ref), and
 * takes trust anchors, revocations and policy from the base (or from a governing snapshot,
 * the tip of the branch a pull request targets), never from the change under review. The
 * result is judged too: a change whose own trust anchors would fail memories the base
 * accepts is refused.
 */
import { HistoryReader, gitBlobOid } from '../git/history.js';
import { readConfig, type Config, type Policy } from '../store/config.js';
import { decodeMemory, MAX_MEMORY_BYTES, type Memory } from '../memory/envelope.js';
import { RemembrancerError, type ErrorCode } from '../ground/errors.js';
import { merkleRoot } from '../proof/merkle.js';
import { isSeal, sealBody } from '../memory/memory-types.js';
import { CONFIG_FILE, MEMORIES_DIR, REM_DIR, repoRelative } from '../ground/paths.js';
import { checkAllSignatures, judgeProvenance, type SignatureStatus } from '../proof/provenance.js';
import { checkAllTimestamps, judgeTime } from '../proof/time.js';
import { VerificationCache } from '../ground/verify-cache.js';
import type { Repository } from '../ground/repository.js';
import type { Snapshot, SnapshotEntry } from '../ground/snapshot.js';
import { loadMemories } from '../store/store.js';
import { readPeers } from '../federation/peers.js';
import { collectRevocations, judgeRevocations } from './revocation.js';
import { TrustStore } from './trust.js';
import {
  findSecretKeys,
  findSecretKeysInHistory,
  secretKeyProblem,
  type CommitRange,
} from './secret-scan.js';

export type Rule = 'integrity' | 'provenance' | 'time' | 'continuity';

export interface Finding {
  rule: Rule;
  code: ErrorCode;
  file: string | null;
  message: string;
  fix: string | null;
}

export interface CovenantReport {
  ok: boolean;
  policy: Policy;
  candidate: string;
  base: string | null;
  memories: number;
  trustAnchors: number;
  root: string;
  treeSize: number;
  violations: Finding[];
  warnings: Finding[];
  notes: string[];
}

export interface CovenantOptions {
  repo: Repository;
  candidate: Snapshot;
  /** What the candidate is compared with: nothing it holds may be removed or altered. */
  base?: Snapshot | undefined;
  /**
   * Whose trust anchors, revocations and policy apply, when not the base's: a pull request
   * behind its branch is compared with the merge base but governed by the branch's tip.
   */
  governing?: Snapshot | undefined;
  /** Commit whose history holds the candidate's committed seals (HEAD, or --head). */
  history?: string | undefined;
  onProgress?: (phase: string, done: number, total: number) => void;
  /** Clock skew tolerated for `created` (ms). */
  skewMs?: number;
  /** Verifications that passed before, by their inputs (src/ground/verify-cache.ts). */
  cache?: VerificationCache | undefined;
  /** A policy that overrides the base's (the Action's `policy` input). */
  policy?: Policy | undefined;
  /**
   * Commits whose every added file under .remembrancer/ is checked for secret key material,
   * not only the candidate's: a key added in one commit and removed in the next still leaks
   * with the history (the pre-push hook, `--base … --head …`, the Action).
   */
  range?: CommitRange | undefined;
}

function finding(rule: Rule, err: RemembrancerError): Finding {
  return {
    rule,
    code: err.code,
    file: err.file ?? null,
    message: err.message,
    fix: err.fix ?? null,
  };
}

async function tryConfig(
  snapshot: Snapshot,
): Promise<{ config?: Config; error?: RemembrancerError }> {
  try {
    const config = await readConfig(snapshot);
    return config ? { config } : {};
  } catch (err) {
    if (err instanceof RemembrancerError) return { error: err };
    throw err;
  }
}

export async function runCovenant(options: CovenantOptions): Promise<CovenantReport> {
  const { candidate, base } = options;
  const judge = options.governing ?? base;
  const violations: Finding[] = [];
  const warnings: Finding[] = [];
  const notes: string[] = [];
  const progress = options.onProgress;

  // --- configuration and whose trust applies ---------------------------------------
  const cand = await tryConfig(candidate);
  const baseCfg = judge ? await tryConfig(judge) : {};
  if (cand.error) violations.push(finding('integrity', cand.error));
  if (!cand.config && !cand.error) {
    if (baseCfg.config) {
      violations.push({
        rule: 'continuity',
        code: 'CONFIG_REMOVED',
        file: repoRelative(CONFIG_FILE),
        message: `${REM_DIR}/ was removed or emptied`,
        fix: 'restore it from the base; the memory of a repository is never deleted',
      });
    } else {
      throw new RemembrancerError('NOT_INITIALIZED', `${candidate.label} has no ${REM_DIR}/`, {
        fix: 'run `remembrancer init` first',
      });
    }
  }
  const governing = baseCfg.config ?? cand.config;
  const policy: Policy = options.policy ?? governing?.policy ?? 'strict';
  if (options.policy && governing && options.policy !== governing.policy) {
    notes.push(
      `policy "${options.policy}" applies, overriding "${governing.policy}" from config.json`,
    );
  }
  const trustSnapshot = baseCfg.config && judge ? judge : candidate;
  if (judge && !baseCfg.config) {
    notes.push(
      `${judge.label} has no ${REM_DIR}/: trust anchors and policy are taken from ${candidate.label}`,
    );
  }
  const trust = await TrustStore.load(trustSnapshot);
  let candidateTrust: TrustStore | undefined;
  let before = trust;
  if (trustSnapshot === candidate) {
    for (const p of trust.problems) violations.push(finding('integrity', p));
  } else {
    const after = await TrustStore.load(candidate);
    candidateTrust = after;
    // What the change itself removes is seen against what it started from.
    before = base && base !== judge ? await TrustStore.load(base) : trust;
    for (const p of after.problems) violations.push(finding('integrity', p));
    const added = [...after.keys.keys()].filter((k) => !trust.has(k));
    const removed = [...before.keys.keys()].filter((k) => !after.has(k));
    if (added.length > 0) {
      notes.push(
        `trust anchors added by this change take effect once it is merged: ${added.join(', ')}`,
      );
    }
    if (removed.length > 0)
      notes.push(`trust anchors removed by this change: ${removed.join(', ')}`);
    if (cand.config && governing && cand.config.policy !== governing.policy) {
      notes.push(
        `policy changes to "${cand.config.policy}" once this change is merged; "${policy}" applies now`,
      );
    }
  }

  // --- integrity ----------------------------------------------------------------------
  const oids = new Map<string, string>();
  const secrets: RemembrancerError[] = [];
  const loaded = await loadMemories(candidate, {
    onProgress: (d, t) => progress?.('reading', d, t),
    onBytes: (path, bytes) => {
      oids.set(path, gitBlobOid(bytes));
      const problem = secretKeyProblem(path, bytes, candidate);
      if (problem) secrets.push(problem);
    },
  });
  for (const p of loaded.problems) violations.push(finding('integrity', p));
  secrets.push(...(await findSecretKeys(candidate, (path) => path.startsWith(MEMORIES_DIR + '/'))));
  if (options.range) {
    secrets.push(...(await findSecretKeysInHistory(options.repo, options.range, candidate)));
  }
  // A trust key file that holds a secret key is reported once, as the secret it is.
  const secretFiles = new Set(secrets.map((p) => p.file));
  for (let i = violations.length - 1; i >= 0; i--) {
    const v = violations[i] as Finding;
    if (v.code === 'KEY_IS_PRIVATE' && secretFiles.has(v.file ?? undefined))
      violations.splice(i, 1);
  }
  for (const p of secrets) violations.push(finding('integrity', p));
  try {
    await readPeers(candidate);
  } catch (err) {
    if (!(err instanceof RemembrancerError)) throw err;
    violations.push(finding('integrity', err));
  }
  const memories = loaded.memories;
  const byPath = new Map(memories.map((m) => [m.path, m]));
  const byId = new Map(memories.map((m) => [m.id, m]));

  // --- provenance ---------------------------------------------------------------------
  const cache = options.cache ?? VerificationCache.disabled();
  const statuses = await checkAllSignatures(
    memories,
    trust,
    (d, t) => progress?.('verifying', d, t),
    cache,
  );
  for (const memory of memories) {
    const verdict = judgeProvenance(memory, statuses.get(memory.id) ?? [], policy);
    for (const v of verdict.violations) violations.push(finding('provenance', v));
    for (const w of verdict.warnings) warnings.push(finding('provenance', w));
  }
  if (candidateTrust && !candidateTrust.sameKeysAs(trust)) {
    const result = await judgeResult(memories, statuses, before, candidateTrust, policy, cache);
    violations.push(...result.violations);
    warnings.push(...result.warnings);
  }

  // --- time ---------------------------------------------------------------------------
  const latest = Date.now() + (options.skewMs ?? 5 * 60_000);
  for (const memory of memories) {
    if (Date.parse(memory.envelope.signed.created) > latest) {
      warnings.push({
        rule: 'time',
        code: 'CREATED_IN_FUTURE',
        file: repoRelative(memory.path),
        message: `created ${memory.envelope.signed.created}, which is in the future`,
        fix: "check the recording machine's clock",
      });
    }
  }
  const stamps = await checkAllTimestamps(
    memories,
    trust,
    (d, t) => progress?.('timestamps', d, t),
    cache,
  );
  await cache.save();
  for (const memory of memories) {
    for (const v of judgeTime(memory, stamps.get(memory.id) ?? [], governing)) {
      violations.push(finding('time', v));
    }
  }

  // --- provenance over time: revoked keys ---------------------------------------------------
  const governed =
    options.governing && options.governing !== base
      ? await revocationsOnlyIn(options.governing, loaded.entries, trust, cache)
      : { memories: [], statuses: new Map<string, SignatureStatus[]>() };
  const revocations = collectRevocations(
    [...memories, ...governed.memories],
    (m) => statuses.get(m.id) ?? governed.statuses.get(m.id),
    trust,
  );
  if (revocations.size > 0) {
    const kept = base
      ? new Set((await base.list(MEMORIES_DIR + '/')).map((e) => e.path))
      : undefined;
    for (const memory of memories) {
      const verdict = judgeRevocations(
        memory,
        statuses.get(memory.id) ?? [],
        stamps.get(memory.id) ?? [],
        revocations,
        kept !== undefined && !kept.has(memory.path),
      );
      for (const v of verdict.violations) violations.push(finding('provenance', v));
      for (const w of verdict.warnings) warnings.push(finding('provenance', w));
    }
  }

  // --- continuity: nothing removed or altered ---------------------------------------------
  if (base) {
    const baseEntries = (await base.list()).filter((e) => e.path.startsWith(MEMORIES_DIR + '/'));
    for (const entry of baseEntries) {
      const file = repoRelative(entry.path);
      const now = loaded.entries.get(entry.path);
      if (!now) {
        violations.push({
          rule: 'continuity',
          code: 'MEMORY_REMOVED',
          file,
          message: `memory was removed (it exists in ${base.label})`,
          fix: `restore it: git checkout ${base.label.split(' ')[0]} -- ${file}`,
        });
        continue;
      }
      const candidateOid = now.oid ?? oids.get(entry.path);
      if (entry.oid !== undefined && candidateOid === entry.oid) continue;
      const altered = await alteration(base, entry.path, byPath.get(entry.path));
      if (altered) {
        violations.push({
          rule: 'continuity',
          code: 'MEMORY_ALTERED',
          file,
          message: altered,
          fix: 'restore it from the base; memories never change (record a new one that links to it)',
        });
      }
    }
  }

  // --- continuity: every seal recomputes ------------------------------------------------
  const sealFindings = await checkSeals(options, memories, byId, governing?.node, notes);
  violations.push(...sealFindings);

  const nonSeals = memories.filter((m) => !isSeal(m)).map((m) => m.id);
  const { root, treeSize } = merkleRoot(nonSeals);
  if (loaded.problems.length > 0) {
    notes.push(`${loaded.problems.length} invalid file(s) are left out of the root`);
  }
  return {
    ok: violations.length === 0,
    policy,
    candidate: candidate.label,
    base: base?.label ?? null,
    memories: memories.length,
    trustAnchors: trust.keys.size,
    root,
    treeSize,
    violations,
    warnings,
    notes,
  };
}

/**
 * Revocations the governing snapshot holds and the candidate does not (recorded on the
 * target branch after a pull request forked from it): they apply to the pull request too.
 */
async function revocationsOnlyIn(
  governing: Snapshot,
  have: Map<string, SnapshotEntry>,
  trust: TrustStore,
  cache: VerificationCache,
): Promise<{ memories: Memory[]; statuses: Map<string, SignatureStatus[]> }> {
  const missing = new Set(
    (await governing.list(MEMORIES_DIR + '/'))
      .filter((e) => e.kind === 'file' && !have.has(e.path))
      .map((e) => e.path),
  );
  const memories: Memory[] = [];
  if (missing.size > 0) {
    const loaded = await loadMemories(governing, { only: (path) => missing.has(path) });
    for (const m of loaded.memories) if (m.envelope.signed.type === 'revocation') memories.push(m);
  }
  const statuses = await checkAllSignatures(memories, trust, undefined, cache);
  return { memories, statuses };
}

/**
 * The change judged as it would stand once merged, by the trust anchors it brings: a
 * memory the base's anchors accept but the change's would not means an anchor that still
 * signs memories is being removed (or unbound), which must be a revocation instead.
 */
async function judgeResult(
  memories: Memory[],
  statuses: Map<string, SignatureStatus[]>,
  before: TrustStore,
  after: TrustStore,
  policy: Policy,
  cache: VerificationCache,
): Promise<{ violations: Finding[]; warnings: Finding[] }> {
  const violations: Finding[] = [];
  const warnings: Finding[] = [];
  const later = await checkAllSignatures(memories, after, undefined, cache);
  for (const memory of memories) {
    const now = judgeProvenance(memory, statuses.get(memory.id) ?? [], policy);
    if (now.violations.length > 0) continue;
    const then = judgeProvenance(memory, later.get(memory.id) ?? [], policy);
    const lost = (statuses.get(memory.id) ?? [])
      .filter((s) => s.state === 'valid' && before.has(s.keyid))
      .filter((s) => later.get(memory.id)?.find((l) => l.keyid === s.keyid)?.state !== 'valid')
      .map((s) => s.keyid);
    // Keys the target branch trusted after the change forked are not the change's to keep.
    if (lost.length === 0) continue;
    const why = `signed by ${lost.join(', ')}, whose trust this change removes`;
    const fix =
      'keep the trust anchor and revoke the key instead: `remembrancer trust revoke KEY --reason "…"` (signatures timestamped before a revocation stay valid)';
    const file = repoRelative(memory.path);
    for (const v of then.violations) {
      violations.push({
        rule: 'provenance',
        code: 'TRUST_ANCHOR_REMOVED',
        file,
        message: `${why}: once merged, ${v.message}`,
        fix,
      });
    }
    if (then.violations.length === 0 && then.warnings.length > now.warnings.length) {
      warnings.push({
        rule: 'provenance',
        code: 'TRUST_ANCHOR_REMOVED',
        file,
        message: `${why}: once merged it is no longer verified by a trusted key`,
        fix,
      });
    }
  }
  return { violations, warnings };
}

/** Why a memory in the candidate is not the one in the base, or undefined if it only gained. */
async function alteration(
  base: Snapshot,
  path: string,
  now: Memory | undefined,
): Promise<string | undefined> {
  if (!now) return 'memory was altered and no longer reads as a valid memory';
  let before: Memory;
  try {
    const bytes = await base.read(path, MAX_MEMORY_BYTES);
    if (!bytes) return undefined;
    before = decodeMemory(path, bytes);
  } catch {
    return undefined; // the base copy was already broken; integrity of the base is not ours to judge
  }
  for (const old of before.envelope.signatures) {
    const kept = now.envelope.signatures.find((s) => s.keyid === old.keyid);
    if (!kept) return `signature by ${old.keyid} was removed`;
    if (kept.sig === old.sig) {
      const tokens = new Set((kept.timestamps ?? []).map((t) => `${t.tsa}\u0000${t.token}`));
      const lost = (old.timestamps ?? []).find((t) => !tokens.has(`${t.tsa}\u0000${t.token}`));
      if (lost) return `timestamp from ${lost.tsa} was removed`;
    } else if (kept.sig > old.sig) {
      // Merging keeps the smaller of two signatures by one key; a larger one is a swap.
      return `signature by ${old.keyid} was replaced`;
    }
  }
  return undefined;
}

async function checkSeals(
  options: CovenantOptions,
  memories: Memory[],
  byId: Map<string, Memory>,
  node: string | undefined,
  notes: string[],
): Promise<Finding[]> {
  const findings: Finding[] = [];
  const seals = memories.filter(isSeal);
  if (seals.length === 0) return findings;
  const nonSealIds = (ids: Iterable<string>) =>
    [...ids].filter((id) => {
      const m = byId.get(id);
      return m === undefined || !isSeal(m);
    });

  // The chain: each seal points at an earlier seal of the same node, and never shrinks.
  for (const seal of seals) {
    const body = sealBody(seal);
    const file = repoRelative(seal.path);
    if (body.previous === null) continue;
    const previous = byId.get(body.previous);
    if (!previous || !isSeal(previous)) {
      findings.push({
        rule: 'continuity',
        code: 'SEAL_CHAIN',
        file,
        message: `previous seal ${body.previous.slice(0, 12)}… is missing`,
        fix: 'restore the previous seal from git history',
      });
    } else if (sealBody(previous).treeSize > body.treeSize) {
      findings.push({
        rule: 'continuity',
        code: 'SEAL_CHAIN',
        file,
        message: `covers ${body.treeSize} memories, fewer than the ${sealBody(previous).treeSize} of the seal before it`,
        fix: 'memories were removed between the two seals; restore them from git history',
      });
    }
  }

  const own = seals.filter((s) => node === undefined || s.envelope.signed.node === node);
  const foreign = seals.length - own.length;
  if (foreign > 0)
    notes.push(`${foreign} seal(s) from other nodes are recomputed by federation, not here`);

  const history = new HistoryReader(options.repo);
  const head = options.history;
  const committed = new Map<string, string>();
  const skipped = new Set<string>();
  if (head) {
    const paths: string[] = [];
    for (const seal of own) if (await history.hasMemoryFile(head, seal.path)) paths.push(seal.path);
    const placed = await history.introducingCommits(head, paths);
    for (const [path, commit] of placed.found) committed.set(path, commit);
    for (const path of placed.unknown) skipped.add(path);
    if (placed.unknown.size > 0) {
      notes.push(
        `${placed.unknown.size} seal(s) predate this shallow clone and were not recomputed; run git fetch --unshallow to check them`,
      );
    }
  }
  const current = merkleRoot(nonSealIds(memories.map((m) => m.id)));
  for (const seal of own) {
    if (skipped.has(seal.path)) continue;
    const body = sealBody(seal);
    const file = repoRelative(seal.path);
    const commit = committed.get(seal.path);
    const actual = commit ? merkleRoot(nonSealIds(await history.memoryIdsAt(commit))) : current;
    if (actual.root !== body.root || actual.treeSize !== body.treeSize) {
      const where = commit
        ? `the commit that added it (${commit.slice(0, 7)})`
        : 'the memories beside it';
      findings.push({
        rule: 'continuity',
        code: 'SEAL_MISMATCH',
        file,
        message: `seal says root ${body.root.slice(0, 12)}… over ${body.treeSize}, but ${where} gives ${actual.root.slice(0, 12)}… over ${actual.treeSize}`,
        fix: commit
          ? 'the seal or the memories of that commit were tampered with; restore them from a trusted clone'
          : 'commit a seal on its own: remove it, commit the other memories, then run `remembrancer seal`',
      });
    }
  }
  return findings;
}
