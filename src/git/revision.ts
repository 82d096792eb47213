/**
 * The one resolver of revisions to commit ids, for every option and input that takes a
 * commit (covenant --base/--head, root --at, the MCP tools, the Action's base-ref). It
 * accepts what `git rev-parse` accepts: HEAD~2, main^, v1.2^{commit}, @{-1}, a short id…
 *
 * A full commit id or a plain ref name is resolved in-process (no process to start, which is
 * what the pre-push hook and the Action pass); anything else goes to the system git, whose
 * own rules are the definition. A value starting with "-" is refused before anything else,
 * so that no revision can ever be read as an option.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { RemembrancerError } from '../ground/errors.js';
import type { Repository } from '../ground/repository.js';
import { fs, isogit } from './isogit.js';
import { gitOutput, runGit } from './git-command.js';

export interface RevisionOptions {
  /** How the user gave it, for messages: "--base", "--at", "the base-ref input"… */
  option: string;
  /** isomorphic-git's object cache, shared with the snapshots read afterwards. */
  cache?: object;
}

const SUGGESTION = 'run `git log --oneline` to see commits, or `git fetch` the one you mean';

const FULL_ID = /^[0-9a-f]{40}$/;
const SHORT_ID = /^[0-9a-f]{4,39}$/;
/** A ref name as git-check-ref-format allows it, less everything rev-parse would expand. */
const PLAIN_REF =
  /^(?!.*\.\.)(?!.*\/\/)(?!.*\/$)(?!.*\.lock(?:\/|$))(?!(?:.*\/)?\.)[A-Za-z0-9._/-]+$/;
/** Root-level names git reads from the git directory itself (HEAD, ORIG_HEAD…). */
const ROOT_REF = /^[A-Z][A-Z_]*$/;

function usage(message: string, fix: string): RemembrancerError {
  return new RemembrancerError('USAGE', message, { fix });
}

/** Well-formed, but this repository has no such commit. */
function unknown(message: string, fix: string): RemembrancerError {
  return new RemembrancerError('UNKNOWN_REVISION', message, { fix });
}

/** Refuses what must never reach git, before anything else looks at it. */
function checkShape(rev: string, option: string): void {
  const fix = 'pass a branch, tag or commit, such as main, HEAD~1, v1.2.0 or a commit id';
  if (rev === '') throw usage(`${option} is empty`, fix);
  if (rev.startsWith('-')) {
    throw usage(`${option} "${rev}" starts with "-", so git would read it as an option`, fix);
  }
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(rev) || rev.length > 1024) {
    throw usage(`${option} ${JSON.stringify(rev.slice(0, 80))} is not a revision`, fix);
  }
}

/** Annotated tags peeled down to their commit; undefined when it is not a commit at all. */
async function peel(
  repo: Repository,
  oid: string,
  cache: object,
): Promise<{ commit?: string; type: string }> {
  const git = await isogit();
  let type = 'unknown';
  for (let i = 0; i < 10; i++) {
    const read = await git.readObject({ fs, gitdir: repo.gitdir, oid, cache, format: 'parsed' });
    type = read.type;
    if (type === 'commit') return { commit: oid, type };
    if (type !== 'tag') break;
    oid = (read.object as { object: string }).object;
  }
  return { type };
}

/** In-process: a full id or a plain ref name (git's lookup order), else undefined. */
async function fastPath(
  repo: Repository,
  rev: string,
  cache: object,
): Promise<{ commit?: string; type: string } | undefined> {
  const plain = FULL_ID.test(rev) || (PLAIN_REF.test(rev) && rev !== '@');
  // A name that is a file of the git directory itself (hooks/…, logs/HEAD) is not a ref;
  // isomorphic-git would read that file, git would not.
  if (!plain || (!ROOT_REF.test(rev) && existsSync(join(repo.gitdir, rev)))) return undefined;
  const git = await isogit();
  let oid: string | undefined;
  try {
    oid = await git.resolveRef({ fs, gitdir: repo.gitdir, ref: rev });
  } catch {
    if (SHORT_ID.test(rev)) {
      // An ambiguous prefix may still name one commit (git disambiguates by type).
      oid = await git
        .expandOid({ fs, gitdir: repo.gitdir, oid: rev, cache })
        .catch(() => undefined);
    }
  }
  if (oid === undefined) return undefined;
  try {
    return await peel(repo, oid, cache);
  } catch {
    return undefined; // a missing object: let git say what it is
  }
}

/** `git rev-parse --verify --quiet --end-of-options <rev>`: the object id, or undefined. */
async function revParse(repo: Repository, rev: string) {
  const r = await runGit(['rev-parse', '--verify', '--quiet'], [rev], {
    cwd: repo.root,
    timeoutMs: 30_000,
  });
  if (r.startError?.code === 'ENOENT') {
    throw new RemembrancerError('GIT_FAILED', 'resolving this revision needs the git command', {
      fix: 'install git, or pass a branch, tag or full commit id',
    });
  }
  const oid = r.stdout.toString('utf8').trim();
  return { oid: r.code === 0 && FULL_ID.test(oid) ? oid : undefined, stderr: r.stderr };
}

/**
 * By git's rules. `<rev>^{commit}` covers nearly everything; a message search such as ":/fix"
 * swallows the suffix, so on failure the bare revision is asked for and peeled by its id.
 */
async function withGit(
  repo: Repository,
  rev: string,
  option: string,
): Promise<string | RemembrancerError> {
  const peeled = await revParse(repo, `${rev}^{commit}`);
  if (peeled.oid) return peeled.oid;
  if (/ambiguous/i.test(peeled.stderr)) {
    return unknown(
      `${option}: the short id "${rev}" is ambiguous`,
      'give more digits (`git log --oneline` shows them)',
    );
  }
  const bare = await revParse(repo, rev);
  if (bare.oid) {
    const again = await revParse(repo, `${bare.oid}^{commit}`);
    if (again.oid) return again.oid;
    const type = await gitOutput(['cat-file', '-t'], [bare.oid], { cwd: repo.root });
    return unknown(
      `${option}: "${rev}" names a ${type?.trim() || 'non-commit object'}, not a commit`,
      'pass a branch, tag or commit',
    );
  }
  if (rev.includes('..')) {
    return usage(`${option} takes one commit, not the range "${rev}"`, 'pass one end of the range');
  }
  return unknown(`${option}: unknown revision "${rev}"`, SUGGESTION);
}

/** The commit a revision names, by git's rules; a one-line error naming the option. */
export async function resolveCommit(
  repo: Repository,
  rev: string,
  options: RevisionOptions,
): Promise<string> {
  const { option } = options;
  checkShape(rev, option);
  const fast = await fastPath(repo, rev, options.cache ?? {});
  if (fast?.commit) return fast.commit;
  if (fast) {
    throw unknown(
      `${option}: "${rev}" names a ${fast.type}, not a commit`,
      'pass a branch, tag or commit',
    );
  }
  const found = await withGit(repo, rev, option);
  if (found instanceof RemembrancerError) throw found;
  return found;
}
