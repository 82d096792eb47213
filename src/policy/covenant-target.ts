/**
 * What a covenant run compares: the working tree, the index (--staged) or a commit
 * (--head) against a base (--base, else HEAD). Shared by `covenant` and the MCP
 * `covenant_status`, so both check exactly the same thing for the same request.
 */
import { resolveCommit } from '../git/revision.js';
import { CommitSnapshot, IndexSnapshot, headCommit } from '../git/snapshots.js';
import { runCovenant, type CovenantReport } from './covenant.js';
import { RemembrancerError } from '../ground/errors.js';
import type { Repository } from '../ground/repository.js';
import { WorkingTreeSnapshot, type Snapshot } from '../ground/snapshot.js';
import { VerificationCache } from '../ground/verify-cache.js';

export interface CovenantTarget {
  base?: string | undefined;
  head?: string | undefined;
  staged?: boolean | undefined;
  /**
   * Check every commit reachable from `head` for secret key material, not only those after
   * `base` (a history the remote has none of, in the pre-push hook).
   */
  allCommits?: boolean | undefined;
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
  if (target.allCommits && target.head === undefined) {
    throw new RemembrancerError('USAGE', '--all-commits checks the history of --head', {
      fix: 'pass --head REV with it',
    });
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
  let baseCommit = head;
  if (target.base !== undefined) {
    baseCommit = await resolveCommit(repo, target.base, { option: names.base, cache: shared });
    base = new CommitSnapshot(repo, baseCommit, target.base, shared);
  } else if (head) {
    base = new CommitSnapshot(repo, head, 'HEAD', shared);
  }
  // A commit judged against a base: every commit between them is looked at for keys.
  const range =
    target.head !== undefined && history !== undefined
      ? { head: history, base: target.allCommits ? undefined : baseCommit }
      : undefined;
  return runCovenant({
    repo,
    candidate,
    base,
    history,
    range,
    cache: target.cache === false ? undefined : VerificationCache.open(repo),
    ...(target.onProgress ? { onProgress: target.onProgress } : {}),
  });
}
