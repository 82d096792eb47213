/**
 * Finishing or undoing a write that a crash interrupted, from the journal it left
 * (journal.ts). Runs under the repository lock, so the process that wrote the journal is
 * gone. The rule is the journal's last step:
 *
 * - before every file was renamed in, the write is undone: each file it had replaced is put
 *   back from the blob kept of it, each file it had created is removed;
 * - once every file was in place, the write is finished: committed (or staged, for
 *   --no-commit) as the interrupted command would have, or, when the branch had already
 *   moved to its commit, only git's index brought up to date.
 *
 * A file that changed again since the crash is left as it is and named. Either way the
 * command says what it did, on stderr.
 */
import { existsSync } from 'node:fs';
import { readdir, readFile, rm } from 'node:fs/promises';
import { dirname, isAbsolute, join, normalize } from 'node:path';
import {
  clearDeadGitLock,
  commitFiles,
  commitLocks,
  stageFiles,
  type FileChange,
} from '../git/commit.js';
import { gitBlobOid } from '../git/history.js';
import { ObjectStore } from '../git/object-store.js';
import { headCommit } from '../git/snapshots.js';
import { removeStaleTempFiles, writeFileAtomic } from '../ground/atomic-write.js';
import { readJournal, journalPath, type JournalFile, type JournalState } from './journal.js';
import { acquireLock, alive, readOwner } from '../ground/lock.js';
import { hostname } from 'node:os';
import { notice } from '../ground/notices.js';
import { findRepository, lockPath, type Repository } from '../ground/repository.js';
import { RemembrancerError } from '../ground/errors.js';

/** A path a journal may name: inside the working tree, never into the git directory. */
function safePath(path: unknown): path is string {
  if (typeof path !== 'string' || path === '' || isAbsolute(path)) return false;
  const clean = normalize(path);
  return (
    clean === path && !clean.startsWith('..') && !clean.startsWith('.git/') && clean !== '.git'
  );
}

async function diskOid(repo: Repository, path: string): Promise<string | null> {
  try {
    return gitBlobOid(await readFile(join(repo.root, path)));
  } catch {
    return null;
  }
}

function describe(state: JournalState): string {
  const b = state.begin;
  return `the interrupted "${b.command}" (pid ${b.pid}, started ${b.started})`;
}

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;

/**
 * Finishes or undoes the interrupted write a journal describes, if there is one. Call only
 * while holding the repository lock. Returns what it did, as also given to notice().
 */
export async function recoverInterrupted(repo: Repository): Promise<string | undefined> {
  await removeDeadLinkTemps(repo.gitdir);
  for (const lock of await commitLocks(repo)) await clearDeadGitLock(lock);
  const state = await readJournal(repo);
  if (!state) {
    // A journal whose first line never completed recorded no intent: nothing was written.
    await rm(journalPath(repo), { force: true });
    return undefined;
  }
  const files = state.begin.files.filter(
    (f): f is JournalFile => Array.isArray(f) && safePath(f[0]),
  );
  const message = state.renamed ? await finish(repo, state, files) : await undo(repo, state, files);
  await rm(journalPath(repo), { force: true });
  notice(message);
  return message;
}

async function undo(repo: Repository, state: JournalState, files: JournalFile[]): Promise<string> {
  const store = new ObjectStore(repo.gitdir);
  let restored = 0;
  const changed: string[] = [];
  const dirs = new Set<string>();
  for (const [path, before, after] of files) {
    dirs.add(dirname(join(repo.root, path)));
    const now = await diskOid(repo, path);
    if (now === before) continue; // not reached by the interrupted write
    if (now !== after) {
      changed.push(path);
      continue;
    }
    const full = join(repo.root, path);
    if (before === null) {
      await rm(full, { force: true });
    } else {
      const original = store.read(before, Number.MAX_SAFE_INTEGER);
      if (!original) {
        changed.push(path);
        continue;
      }
      await writeFileAtomic(full, original.content);
    }
    restored++;
  }
  // The interrupted writer's temporary files: it is gone, and we hold the lock.
  await Promise.all([...dirs].map((d) => removeStaleTempFiles(d)));
  return (
    `undid ${describe(state)}: put back ${plural(restored, 'file')}; nothing had been committed` +
    leftAlone(changed)
  );
}

async function finish(
  repo: Repository,
  state: JournalState,
  files: JournalFile[],
): Promise<string> {
  const changes: FileChange[] = [];
  const changed: string[] = [];
  for (const [path, , after] of files) {
    if (after === null) {
      if (existsSync(join(repo.root, path))) changed.push(path);
      else changes.push({ path, content: null });
      continue;
    }
    let bytes: Buffer | undefined;
    try {
      bytes = await readFile(join(repo.root, path));
    } catch {
      bytes = undefined;
    }
    if (bytes && gitBlobOid(bytes) === after) changes.push({ path, content: bytes });
    else changed.push(path);
  }
  const head = await headCommit(repo);
  const { mode, who, message } = state.begin;
  if (state.commit !== undefined && head === state.commit) {
    // The branch moved; only the index may lag behind it.
    await stageFiles(repo, changes);
    return (
      `finished ${describe(state)}: its commit ${state.commit.slice(0, 7)} was made; git's index now matches it` +
      leftAlone(changed)
    );
  }
  if (changes.length === 0) {
    return `undid ${describe(state)}: none of its files is as it wrote them` + leftAlone(changed);
  }
  if (mode === 'commit' && who && message !== undefined) {
    const commit = await commitFiles(repo, changes, message, who);
    return (
      `finished ${describe(state)}: committed ${commit.slice(0, 7)} with ${plural(changes.length, 'file')}` +
      leftAlone(changed)
    );
  }
  await stageFiles(repo, changes);
  return (
    `finished ${describe(state)}: staged ${plural(changes.length, 'file')}` + leftAlone(changed)
  );
}

function leftAlone(paths: string[]): string {
  if (paths.length === 0) return '';
  const named =
    paths.slice(0, 3).join(', ') + (paths.length > 3 ? `, and ${paths.length - 3} more` : '');
  return `; left ${named} as ${paths.length === 1 ? 'it is' : 'they are'}: changed since`;
}

/** createExclusive's link sources (.NAME.PID-HEX.new) whose process is gone. */
async function removeDeadLinkTemps(gitdir: string): Promise<void> {
  let names: string[];
  try {
    names = await readdir(gitdir);
  } catch {
    return;
  }
  await Promise.all(
    names.map(async (name) => {
      const m = /^\..*\.(\d+)-[0-9a-f]{8}\.new$/.exec(name);
      if (m && !alive(Number(m[1]))) await rm(join(gitdir, name), { force: true });
    }),
  );
}

/**
 * Before any command: if a crash left a journal, finish or undo its write now, so that
 * reading commands too see the repository whole. Costs one stat when there is none. A
 * write in progress in another process is left to finish; a repository we cannot write to
 * (a read-only checkout) is only warned about.
 */
export async function recoverBeforeCommand(cwd: string): Promise<void> {
  let repo: Repository;
  try {
    repo = findRepository(cwd);
  } catch {
    return; // the command itself says what is wrong with the folder
  }
  const ours = lockPath(repo);
  const traces = [journalPath(repo), ours, ...(await commitLocks(repo))];
  if (!traces.some((path) => existsSync(path))) return;
  // Our own lock, left by a dead process, is taken over by acquireLock; say so here.
  const owner = existsSync(ours) ? await readOwner(ours) : undefined;
  const dead = owner && owner.host === hostname() && !alive(owner.pid) ? owner.pid : undefined;
  let lock;
  try {
    lock = await acquireLock(ours, { timeoutMs: 0 });
    if (dead !== undefined) {
      notice(`removed ${ours}, left by remembrancer (pid ${dead}) which was killed holding it`);
    }
  } catch (err) {
    if (err instanceof RemembrancerError && err.code === 'LOCKED') return; // a live writer
    notice(`could not finish an interrupted write: ${(err as Error).message.split('\n')[0]}`);
    return;
  }
  try {
    await recoverInterrupted(repo);
  } catch (err) {
    notice(
      `could not finish an interrupted write (${journalPath(repo)}): ${(err as Error).message.split('\n')[0]}`,
    );
  } finally {
    await lock.release();
  }
}
