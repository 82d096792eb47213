/**
 * What a covenant run compares: the working tree, the index (--staged) or a commit
 * (--head) against a base (--base, else HEAD). Shared by `covenant` and the MCP
 * `covenant_status`, so both check exactly the same thing for the same request.
 */
import { resolveCommit } from '../git/revision.js';
import { CommitSnapshot, IndexSnapshot, headCommit } from '../git/snapshots.js';
import { runCovenant, type CovenantReport } from './covenant.js';
import { RemembrancerError } from './errors.js';
import type { Repository } from './repository.js';
import { WorkingTreeSnapshot, type Snapshot } from './snapshot.js';
import { VerificationCache } from './verify-cache.js';

export interface CovenantTarget {
  base?: string | undefined;
  head?: string | undefined;
  staged?: boolean | undefined;
  /** Reuse earlier successful verifications (default true). */
  cache?: boolean | undefined;
  onProgress?: (phase: string, done: number, total: number) => void;
  /** How base and head were given, for messages (MCP names its arguments base and head). */
  names?: { base: string; head: string };
}

export async function checkCovenant(
  repo: Repository,
  target: CovenantTarget = {},
): Promise<CovenantReport> {
  if (target.staged && (target.base !== undefined || target.head !== undefined)) {
    throw new RemembrancerError(
      'USAGE',
      '--staged compares the index with HEAD; it takes no --base or --head',
      { fix: 'use either --staged, or --base REF [--head REV]' },
    );
  }
  const shared = {};
  const names = target.names ?? { base: '--base', head: '--head' };
  const head = await headCommit(repo);
  let candidate: Snapshot;
  let history = head;
  if (target.staged) candidate = new IndexSnapshot(repo, shared);
  else if (target.head !== undefined) {
    history = await resolveCommit(repo, target.head, { option: names.head, cache: shared });
    candidate = new CommitSnapshot(repo, history, target.head, shared);
  } else candidate = new WorkingTreeSnapshot(repo.remDir);

  let base: Snapshot | undefined;
  if (target.base !== undefined) {
    const commit = await resolveCommit(repo, target.base, { option: names.base, cache: shared });
    base = new CommitSnapshot(repo, commit, target.base, shared);
  } else if (head) {
    base = new CommitSnapshot(repo, head, 'HEAD', shared);
  }
  return runCovenant({
    repo,
    candidate,
    base,
    history,
    cache: target.cache === false ? undefined : VerificationCache.open(repo),
    ...(target.onProgress ? { onProgress: target.onProgress } : {}),
  });
}
