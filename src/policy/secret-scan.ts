/**
 * "Nothing secret under .remembrancer/" (docs/threat-model.md), wherever something can enter
 * it: a snapshot the covenant judges (working tree, index, a commit), every commit of a range
 * it judges (a key added in one commit and removed in the next has still leaked), and what
 * a peer sends. What counts as secret is src/crypto/secret-keys.ts's to say.
 */
import { HistoryReader } from '../git/history.js';
import { ObjectTooLargeError } from '../git/object-store.js';
import type { TreeEntry } from '../git/isogit.js';
import { describeSecretKey, findSecretKey } from '../crypto/secret-keys.js';
import { RemembrancerError } from '../ground/errors.js';
import { REM_DIR, repoRelative } from '../ground/paths.js';
import type { Repository } from '../ground/repository.js';
import type { Snapshot } from '../ground/snapshot.js';

/**
 * Files larger than this are not read for keys, and are refused as too large to check
 * (the integrity rules refuse memories over 1 MiB).
 */
export const MAX_SCANNED_BYTES = 16 * 1024 * 1024;

/** Why a file that holds secret key material is refused, and what to do, for where it is. */
export function secretKeyProblem(
  path: string,
  bytes: Uint8Array,
  snapshot: Pick<Snapshot, 'label'>,
): RemembrancerError | undefined {
  const found = findSecretKey(bytes);
  if (!found) return undefined;
  const file = repoRelative(path);
  const fix =
    snapshot.label === 'working tree'
      ? 'delete it (private keys belong outside every repository); if it was ever committed, treat the key as compromised: revoke and replace it'
      : snapshot.label === 'index'
        ? `unstage and delete it (git rm --cached -- ${file}); if it was ever committed, treat the key as compromised: revoke and replace it`
        : 'a key in a commit that was pushed or shared is compromised: revoke and replace it, delete the file, and rewrite the history that holds it';
  return new RemembrancerError(
    'PRIVATE_KEY_IN_REPOSITORY',
    `holds a private key: ${describeSecretKey(found)}`,
    {
      file,
      fix,
    },
  );
}

/** `commit`: the commit of a range that added the file. */
function tooLarge(file: string, commit?: string): RemembrancerError {
  const where = commit ? `commit ${commit.slice(0, 7)} added this file: ` : '';
  return new RemembrancerError(
    'FILE_TOO_LARGE',
    `${where}over ${MAX_SCANNED_BYTES / 1024 / 1024} MiB, too large to be checked for private keys`,
    { file, fix: 'remove it; .remembrancer/ holds small JSON files and public keys' },
  );
}

/**
 * Files of a snapshot that hold secret key material, and files too large to tell. `skip`
 * names files the caller scans itself as it reads them (the memories).
 */
export async function findSecretKeys(
  snapshot: Snapshot,
  skip: (path: string) => boolean = () => false,
): Promise<RemembrancerError[]> {
  const found: RemembrancerError[] = [];
  for (const entry of await snapshot.list()) {
    if (entry.kind !== 'file' || skip(entry.path)) continue;
    let bytes: Uint8Array | undefined;
    try {
      bytes = await snapshot.read(entry.path, MAX_SCANNED_BYTES);
    } catch (err) {
      // A file too large to be looked at cannot be said to hold no key.
      if (err instanceof RemembrancerError && err.code === 'FILE_TOO_LARGE') {
        found.push(tooLarge(repoRelative(entry.path)));
        continue;
      }
      throw err;
    }
    const problem = bytes && secretKeyProblem(entry.path, bytes, snapshot);
    if (problem) found.push(problem);
  }
  return found;
}

export interface CommitRange {
  /** The newest commit of the range. */
  head: string;
  /** What the range starts after: its commits are those `head` has and `base` does not. */
  base?: string | undefined;
}

/**
 * Files under .remembrancer/ that some commit of the range added or changed to hold secret
 * key material, and that `tip` (the head's own snapshot, judged apart) no longer holds:
 * removing a key in a later commit does not take it out of the history that is pushed.
 * Each blob is read once, however many commits hold it.
 */
export async function findSecretKeysInHistory(
  repo: Repository,
  range: CommitRange,
  tip: Snapshot,
): Promise<RemembrancerError[]> {
  const history = new HistoryReader(repo);
  const atTip = new Set((await tip.list()).map((e) => e.oid).filter((o) => o !== undefined));
  const commits = await history.commitsBetween(range.head, range.base);
  // Oldest first, so that a blob is named with the commit that first brought it.
  const blobs = new Map<string, { path: string; commit: string }>();
  for (const commit of commits.reverse()) {
    for (const added of await addedBlobs(history, commit)) {
      if (!atTip.has(added.oid) && !blobs.has(added.oid)) {
        blobs.set(added.oid, { path: added.path, commit });
      }
    }
  }
  const found: RemembrancerError[] = [];
  for (const [oid, { path, commit }] of blobs) {
    const short = commit.slice(0, 7);
    let bytes: Buffer;
    try {
      bytes = await history.blob(oid, MAX_SCANNED_BYTES);
    } catch (err) {
      if (!(err instanceof ObjectTooLargeError)) throw err;
      found.push(tooLarge(repoRelative(path), commit));
      continue;
    }
    const secret = findSecretKey(bytes);
    if (!secret) continue;
    found.push(
      new RemembrancerError(
        'PRIVATE_KEY_IN_REPOSITORY',
        `commit ${short} added a private key here: ${describeSecretKey(secret)}; ${tip.label} no longer holds it, but the history does`,
        {
          file: repoRelative(path),
          fix: `a key in a commit that was pushed or shared is compromised: revoke and replace it, and rewrite the branch without it (git rebase -i ${short}^) before it is pushed or merged`,
        },
      ),
    );
  }
  return found;
}

/**
 * Blobs under .remembrancer/ in a commit that none of its parents has at the same path:
 * what the commit added or changed there (paths relative to .remembrancer/). A subtree equal
 * to a parent's is never opened.
 */
async function addedBlobs(
  history: HistoryReader,
  commit: string,
): Promise<{ path: string; oid: string }[]> {
  const mine = await history.treeAt(commit, REM_DIR);
  if (mine === undefined) return [];
  const { parent } = await history.commit(commit);
  const theirs = await Promise.all(
    parent.map((p) => history.treeAt(p, REM_DIR).catch(() => undefined)),
  );
  const out: { path: string; oid: string }[] = [];
  const walk = async (tree: string, parents: (string | undefined)[], prefix: string) => {
    if (parents.includes(tree)) return;
    const parentEntries = await Promise.all(
      parents.map(async (p) =>
        p === undefined
          ? new Map<string, TreeEntry>()
          : new Map((await history.tree(p)).map((e) => [e.path, e] as const)),
      ),
    );
    for (const entry of await history.tree(tree)) {
      const before = parentEntries.map((m) => m.get(entry.path));
      if (before.some((e) => e?.oid === entry.oid)) continue;
      const path = prefix + entry.path;
      if (entry.type === 'tree') {
        await walk(
          entry.oid,
          before.map((e) => (e?.type === 'tree' ? e.oid : undefined)),
          path + '/',
        );
      } else if (entry.type === 'blob') out.push({ path, oid: entry.oid });
    }
  };
  await walk(mine, theirs.length > 0 ? theirs : [undefined], '');
  return out;
}
