/**
 * Staging and committing exactly the files a command wrote, like `git commit --only`:
 * whatever else the user has staged stays staged and out of our commit. The index and
 * the branch are updated under git's own lock files, so a concurrent `git` waits or fails
 * cleanly instead of interleaving with us.
 */
import { lstatSync } from 'node:fs';
import { appendFile, mkdir, readFile, rm } from 'node:fs/promises';
import { hostname } from 'node:os';
import { dirname, join } from 'node:path';
import { RemembrancerError } from '../ground/errors.js';
import { critical } from '../ground/signals.js';
import { alive, breakStaleLock, createExclusive, readOwner, thisProcess } from '../ground/lock.js';
import { notice } from '../ground/notices.js';
import { writeFileAtomic } from '../ground/atomic-write.js';
import { crashPoint } from '../ground/crash-points.js';
import type { Repository } from '../ground/repository.js';
import type { GitIdentity } from './identity.js';
import { fs, isogit, type TreeEntry } from './isogit.js';
import { mapLimit } from '../ground/map-limit.js';
import { gitBlobOid } from './history.js';
import { writeLooseBlob } from './loose-object.js';
import { ObjectStore } from './object-store.js';

export interface FileChange {
  /** Path relative to the repository root, with / separators. */
  path: string;
  /** Blob content, or null when the file was removed. */
  content: Uint8Array | null;
}

/**
 * Whether a lock file is one we made in a process of this machine that no longer runs.
 * Git's own lock files (which hold the new index or ref) never read as ours.
 */
async function oursAndDead(path: string): Promise<number | undefined> {
  const owner = await readOwner(path);
  if (owner?.by !== 'remembrancer' || owner.host !== hostname() || alive(owner.pid)) {
    return undefined;
  }
  return owner.pid;
}

/**
 * Removes one of git's lock files if a killed process of ours left it, and says so.
 * Returns whether it did.
 */
export async function clearDeadGitLock(path: string): Promise<boolean> {
  const dead = await oursAndDead(path);
  if (dead === undefined) return false;
  await breakStaleLock(path, async () => (await oursAndDead(path)) !== undefined);
  notice(`removed ${path}, left by remembrancer (pid ${dead}) which was killed holding it`);
  return true;
}

/**
 * Takes one of git's lock files (index.lock, a ref's .lock) the way git does, with an
 * exclusive create, but holding our pid: if we are killed while holding it, the next
 * command of ours can tell the lock is its own dead process's, remove it, and say so,
 * where git would refuse every commit until someone deleted it by hand.
 */
export async function takeGitLock(path: string): Promise<() => Promise<void>> {
  for (let attempt = 0; ; attempt++) {
    try {
      await createExclusive(path, JSON.stringify(thisProcess()) + '\n');
      return () => rm(path, { force: true });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    if (attempt === 0 && (await clearDeadGitLock(path))) continue;
    throw new RemembrancerError('LOCKED', 'git is busy in this repository', {
      file: path,
      exitCode: 1,
      fix: 'wait for the running git command to finish; if none runs, delete the lock file',
    });
  }
}

interface Head {
  /** The ref HEAD points to (refs/heads/main), or undefined when HEAD is detached. */
  ref: string | undefined;
  commit: string | undefined;
}

async function readHead(repo: Repository): Promise<Head> {
  const git = await isogit();
  const text = (await readFile(join(repo.gitdir, 'HEAD'), 'utf8')).trim();
  const ref = text.startsWith('ref: ') ? text.slice(5).trim() : undefined;
  let commit: string | undefined;
  try {
    commit = await git.resolveRef({ fs, gitdir: repo.gitdir, ref: 'HEAD' });
  } catch {
    commit = undefined; // unborn branch: the first commit of the repository
  }
  return { ref, commit };
}

type TreeChanges = Map<string, string | null>; // name or subpath -> blob oid, null = delete

/** Rewrites `treeOid` with the changes, reading only the trees on the changed paths. */
async function rewriteTree(
  repo: Repository,
  treeOid: string | undefined,
  changes: TreeChanges,
  cache: object,
): Promise<string | undefined> {
  const git = await isogit();
  const base = { fs, gitdir: repo.gitdir, cache };
  const entries = new Map<string, TreeEntry>();
  if (treeOid) {
    for (const e of (await git.readTree({ ...base, oid: treeOid })).tree) entries.set(e.path, e);
  }
  const nested = new Map<string, TreeChanges>();
  for (const [path, oid] of changes) {
    const slash = path.indexOf('/');
    if (slash === -1) {
      if (oid === null) entries.delete(path);
      else entries.set(path, { mode: '100644', path, oid, type: 'blob' });
    } else {
      const head = path.slice(0, slash);
      let sub = nested.get(head);
      if (!sub) nested.set(head, (sub = new Map()));
      sub.set(path.slice(slash + 1), oid);
    }
  }
  for (const [name, sub] of nested) {
    const current = entries.get(name);
    const subOid = await rewriteTree(
      repo,
      current?.type === 'tree' ? current.oid : undefined,
      sub,
      cache,
    );
    if (subOid === undefined) entries.delete(name);
    else entries.set(name, { mode: '040000', path: name, oid: subOid, type: 'tree' });
  }
  if (entries.size === 0) return undefined; // git has no empty trees
  return git.writeTree({ ...base, tree: [...entries.values()] });
}

/**
 * Moves `ref` from `expected` (undefined: absent) to `value` under git's lock file, and
 * appends `reflog` (git's "name <email> time\tmessage") to its reflog when given, and to
 * HEAD's as well when `checkedOut` (the branch HEAD points to), as git does.
 */
export async function writeRefLocked(
  repo: Repository,
  ref: string,
  expected: string | undefined,
  value: string,
  reflog?: string,
  checkedOut = false,
) {
  const git = await isogit();
  const refFile = join(repo.gitdir, ref);
  await mkdir(dirname(refFile), { recursive: true });
  const release = await takeGitLock(refFile + '.lock');
  crashPoint(`ref-locked:${ref}`);
  try {
    let current: string | undefined;
    try {
      current = await git.resolveRef({ fs, gitdir: repo.gitdir, ref });
    } catch {
      current = undefined;
    }
    if (current !== expected) {
      throw new RemembrancerError('GIT_FAILED', `${ref} moved while we were updating it`, {
        exitCode: 1,
        fix: 'run the command again',
      });
    }
    // The new value goes in beside the ref and is renamed over it while we hold the lock,
    // rather than written into the lock as git does: the lock keeps naming its owner until
    // the end. Git skips names that begin with a dot under refs/.
    await writeFileAtomic(refFile, value + '\n');
    crashPoint(`ref-moved:${ref}`);
    if (reflog === undefined) return;
    try {
      // Append to the reflog so that `git reflog` shows our commits, as git's own do.
      const line = `${expected ?? '0'.repeat(40)} ${value} ${reflog}\n`;
      for (const name of checkedOut && ref !== 'HEAD' ? [ref, 'HEAD'] : [ref]) {
        const log = join(repo.gitdir, 'logs', name);
        await mkdir(dirname(log), { recursive: true });
        await appendFile(log, line);
      }
    } catch (err) {
      throw new CommittedError(value, err);
    }
  } finally {
    await release();
  }
}

function signature(who: GitIdentity, when: Date) {
  return {
    name: who.name,
    email: who.email,
    timestamp: Math.floor(when.getTime() / 1000),
    timezoneOffset: when.getTimezoneOffset(),
  };
}

/**
 * The file system calls isomorphic-git's index manager makes, in the shape its internal
 * FileSystem wrapper gives them (a missing file reads as null). Writes go through the
 * atomic writer of isogit.ts, as every other index write does.
 */
const indexFs = {
  read: (path: string) => fs.promises.readFile(path).catch(() => null),
  write: (path: string, data: Uint8Array) => fs.promises.writeFile(path, data),
  lstat: (path: string) => fs.promises.lstat(path).catch(() => null),
};

/**
 * Past this many files, look for each blob among the objects git already has before
 * writing it: a sync's memories arrived in the peer's pack, byte for byte, and opening
 * the pack indexes costs less than writing thousands of loose objects again.
 */
const LOOK_FOR_BLOBS_FROM = 64;

/** Writes the blobs of the changes (null for removals) git does not have, a few at a time. */
async function writeBlobs(repo: Repository, changes: FileChange[]): Promise<(string | null)[]> {
  const present = changes.length >= LOOK_FOR_BLOBS_FROM ? new ObjectStore(repo.gitdir) : undefined;
  return mapLimit(changes, 16, async (change) => {
    if (change.content === null) return null;
    if (!present) return writeLooseBlob(repo.gitdir, change.content);
    const oid = gitBlobOid(change.content);
    return present.has(oid) ? oid : writeLooseBlob(repo.gitdir, change.content, oid);
  });
}

/**
 * Puts the changes in git's index in one read and one write of it: each file with the
 * blob already written and its stat data, so that `git status` sees it clean.
 */
async function updateIndex(
  repo: Repository,
  changes: FileChange[],
  oids: (string | null)[],
  cache: object,
): Promise<void> {
  const { GitIndexManager } = await import('isomorphic-git/managers');
  await GitIndexManager.acquire({ fs: indexFs, gitdir: repo.gitdir, cache }, async (index) => {
    for (const [i, change] of changes.entries()) {
      const oid = oids[i];
      if (oid === null || oid === undefined) {
        index.delete({ filepath: change.path });
        continue;
      }
      // Synchronous on purpose: ten thousand round trips through the thread pool, one after
      // another, left a sync waiting a second for what takes the kernel a tenth of that.
      const stats = lstatSync(join(repo.root, change.path));
      index.insert({ filepath: change.path, stats, oid });
    }
  });
}

function indexLock(repo: Repository): string {
  return join(repo.gitdir, 'index.lock');
}

/** Git's lock files a commit of ours takes: the index's, and the checked-out branch's. */
export async function commitLocks(repo: Repository): Promise<string[]> {
  const head = await readHead(repo).catch(() => ({ ref: undefined }));
  return [indexLock(repo), join(repo.gitdir, head.ref ?? 'HEAD') + '.lock'];
}

/** Stages the files, as `git add` would, without committing. */
export async function stageFiles(repo: Repository, changes: FileChange[]): Promise<void> {
  await critical(async () => {
    const release = await takeGitLock(indexLock(repo));
    crashPoint('index-locked');
    try {
      await updateIndex(repo, changes, await writeBlobs(repo, changes), {});
      crashPoint('index-written');
    } finally {
      await release();
    }
  });
}

/** Thrown when something failed after the branch already moved: the commit stands. */
export class CommittedError extends RemembrancerError {
  constructor(
    readonly commit: string,
    cause: unknown,
  ) {
    super(
      'GIT_FAILED',
      `committed ${commit.slice(0, 7)}, but then: ${(cause as Error).message.split('\n')[0]}`,
      {
        exitCode: 1,
        fix: 'the memory is committed; run `git status` and `git reset -q` if the index looks stale',
        cause,
      },
    );
  }
}

/**
 * Commits exactly these files on top of HEAD and stages them. Objects first, then the
 * index, then the branch: stopped at any point, the new memory is at worst staged and
 * never shown as deleted. Returns the new commit id.
 */
export function commitFiles(
  repo: Repository,
  changes: FileChange[],
  message: string,
  who: { author: GitIdentity; committer: GitIdentity },
  beforeRef?: (commit: string) => Promise<void>,
): Promise<string> {
  return critical(() => commitLocked(repo, changes, message, who, beforeRef));
}

async function commitLocked(
  repo: Repository,
  changes: FileChange[],
  message: string,
  who: { author: GitIdentity; committer: GitIdentity },
  beforeRef: ((commit: string) => Promise<void>) | undefined,
): Promise<string> {
  const git = await isogit();
  const cache = {};
  const release = await takeGitLock(indexLock(repo));
  crashPoint('index-locked');
  try {
    const written = await writeBlobs(repo, changes);
    const oids = new Map<string, string | null>();
    changes.forEach((change, i) => oids.set(change.path, written[i] as string | null));
    const head = await readHead(repo);
    let baseTree: string | undefined;
    if (head.commit) {
      baseTree = (await git.readCommit({ fs, gitdir: repo.gitdir, oid: head.commit, cache })).commit
        .tree;
    }
    const tree =
      (await rewriteTree(repo, baseTree, oids, cache)) ??
      (await git.writeTree({ fs, gitdir: repo.gitdir, tree: [] }));
    const now = new Date();
    const commit = await git.writeCommit({
      fs,
      gitdir: repo.gitdir,
      commit: {
        message: message.endsWith('\n') ? message : message + '\n',
        tree,
        parent: head.commit ? [head.commit] : [],
        author: signature(who.author, now),
        committer: signature(who.committer, now),
      },
    });
    const when = `${Math.floor(now.getTime() / 1000)} ${formatOffset(now)}`;
    const kind = head.commit ? 'commit' : 'commit (initial)';
    const reflog = `${who.committer.name} <${who.committer.email}> ${when}\t${kind}: ${message.split('\n')[0]}`;
    await updateIndex(repo, changes, written, cache);
    crashPoint('index-written');
    if (beforeRef) await beforeRef(commit);
    await writeRefLocked(repo, head.ref ?? 'HEAD', head.commit, commit, reflog, true);
    return commit;
  } finally {
    await release();
  }
}

function formatOffset(date: Date): string {
  const minutes = -date.getTimezoneOffset();
  const sign = minutes >= 0 ? '+' : '-';
  const abs = Math.abs(minutes);
  return `${sign}${String(Math.floor(abs / 60)).padStart(2, '0')}${String(abs % 60).padStart(2, '0')}`;
}
