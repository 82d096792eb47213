/**
 * What the Action compares: from the event that started the workflow, a candidate commit
 * and the commit whose trust anchors and policy judge it. Only git objects are read; nothing
 * from the head of a pull request is ever run.
 */
import { runGit } from '../git/git-command.js';
import { readFileSync } from 'node:fs';
import { RemembrancerError } from '../ground/errors.js';
import type { Repository } from '../ground/repository.js';
import { fs, isogit } from '../git/isogit.js';
import { resolveCommit } from '../git/revision.js';
import { headCommit } from '../git/snapshots.js';

export interface Range {
  event: string;
  /** The commit checked. */
  head: string;
  /** The commit it is compared with; undefined when there is none (a new branch). */
  base: string | undefined;
  /**
   * Whose trust anchors, revocations and policy apply when not the base's: the tip of the
   * branch a pull request targets, when the pull request is behind it.
   */
  governing: string | undefined;
  /** Why the base is what it is, for the log and the summary. */
  notes: string[];
  /** push: the branch pushed to (refs/heads/…), where a seal is pushed back. */
  ref: string | undefined;
}

interface PullRequestEvent {
  pull_request: { base: { sha: string; ref: string }; head: { sha: string; ref: string } };
}
interface PushEvent {
  before?: string;
  after?: string;
  ref?: string;
}

const ZERO = /^0+$/;

function readEvent(env: NodeJS.ProcessEnv): Record<string, unknown> {
  const path = env['GITHUB_EVENT_PATH'];
  if (!path) return {};
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as Record<string, unknown>;
  } catch {
    throw new RemembrancerError('MALFORMED_JSON', 'the event payload cannot be read', {
      file: path,
      fix: 'run the Action from a GitHub workflow (GITHUB_EVENT_PATH names the event JSON)',
    });
  }
}

/** A commit that a shallow checkout lacks is fetched by id (GitHub serves any reachable one). */
async function fetchCommit(repo: Repository, sha: string): Promise<void> {
  await runGit(
    ['-c', 'core.hooksPath=/dev/null', 'fetch', '--no-tags', '--quiet'],
    ['origin', sha],
    {
      cwd: repo.root,
      timeoutMs: 120_000,
      stdout: false,
    },
  );
}

const FULL_ID = /^[0-9a-f]{40}$/;

/**
 * `what` names the commit in messages ("base", "pull request head"); `option` is how it was
 * given: the base-ref input, or the event payload.
 */
async function commit(
  repo: Repository,
  rev: string,
  what: string,
  option: string,
): Promise<string> {
  const resolve = () => resolveCommit(repo, rev, { option });
  try {
    return await resolve();
  } catch (err) {
    if (!(err instanceof RemembrancerError) || err.code !== 'UNKNOWN_REVISION') throw err;
  }
  if (FULL_ID.test(rev)) {
    await fetchCommit(repo, rev);
    try {
      return await resolve();
    } catch (err) {
      if (!(err instanceof RemembrancerError) || err.code !== 'UNKNOWN_REVISION') throw err;
    }
  }
  throw new RemembrancerError(
    'UNKNOWN_REVISION',
    `the ${what} commit ${rev} (from ${option}) is not in this clone`,
    { fix: 'check out with history: actions/checkout with `fetch-depth: 0`' },
  );
}

const BASE_INPUT = 'the base-ref input';
const EVENT = 'the event payload';

export async function resolveRange(
  repo: Repository,
  env: NodeJS.ProcessEnv,
  baseInput: string,
): Promise<Range> {
  const event = env['GITHUB_EVENT_NAME'] ?? 'manual';
  const payload = readEvent(env);
  const notes: string[] = [];

  if (event === 'pull_request' || event === 'pull_request_target') {
    const pr = (payload as unknown as PullRequestEvent).pull_request;
    if (!pr?.base?.sha || !pr?.head?.sha) {
      throw new RemembrancerError('USAGE', `the ${event} event has no pull_request base and head`, {
        file: env['GITHUB_EVENT_PATH'],
        fix: 'run the Action on pull_request, pull_request_target or push events',
      });
    }
    const head = await commit(repo, pr.head.sha, 'pull request head', EVENT);
    const tip = await commit(
      repo,
      baseInput || pr.base.sha,
      'base',
      baseInput ? BASE_INPUT : EVENT,
    );
    let base = tip;
    let governing: string | undefined;
    const git = await isogit();
    const where = { fs, dir: repo.root, gitdir: repo.gitdir };
    const contains =
      base === head || (await git.isDescendent({ ...where, oid: head, ancestor: base, depth: -1 }));
    if (!contains) {
      // A branch behind its base would seem to remove what the base gained since: compare
      // its content with the fork point. Trust is another matter: a key the base revoked or
      // distrusted since the fork must not sign what merges into it, so the tip governs.
      const [fork] = (await git.findMergeBase({ ...where, oids: [base, head] })) as string[];
      if (!fork) {
        throw new RemembrancerError('USAGE', 'the pull request shares no history with its base', {
          fix: 'rebase the pull request onto its base branch',
        });
      }
      notes.push(
        `the pull request is behind ${pr.base.ref}; its memories are compared with their merge base ${fork.slice(0, 7)}, and the trust anchors, revocations and policy of ${pr.base.ref} at ${tip.slice(0, 7)} apply`,
      );
      base = fork;
      governing = tip;
    }
    return { event, head, base, governing, notes, ref: undefined };
  }

  if (event === 'push') {
    const push = payload as PushEvent;
    const head = await commit(repo, push.after || env['GITHUB_SHA'] || 'HEAD', 'pushed', EVENT);
    let base: string | undefined;
    if (baseInput) base = await commit(repo, baseInput, 'base', BASE_INPUT);
    else if (push.before && !ZERO.test(push.before))
      base = await commit(repo, push.before, 'previous', EVENT);
    else
      notes.push(
        'a new branch: there is no earlier commit to compare with; trust anchors come from the pushed commit',
      );
    return { event, head, base, governing: undefined, notes, ref: push.ref ?? env['GITHUB_REF'] };
  }

  const sha = env['GITHUB_SHA'];
  const head = sha ? await commit(repo, sha, 'checked', 'GITHUB_SHA') : await headCommit(repo);
  if (!head) {
    throw new RemembrancerError('USAGE', 'the repository has no commit to check', {
      fix: 'check out a commit first (actions/checkout)',
    });
  }
  const base = baseInput ? await commit(repo, baseInput, 'base', BASE_INPUT) : undefined;
  if (!base) notes.push(`${event}: no base-ref input, so only the commit itself is checked`);
  return { event, head, base, governing: undefined, notes, ref: env['GITHUB_REF'] };
}
