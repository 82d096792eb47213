/**
 * What `doctor` says about lock files left in the git directory: ours (with its owner's
 * pid and whether it still runs), git's index.lock (which blocks every commit; when one of
 * our processes made it, with that pid), and the journal of an interrupted write. Doctor
 * only reports them; the next other command finishes or undoes what a dead process of
 * ours left (recovery.ts), and a lock of git's own is only its owner's to remove.
 */
import { readFile, stat } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { journalPath, readJournal } from '../store/journal.js';
import { alive } from '../ground/lock.js';
import { lockPath, type Repository } from '../ground/repository.js';

export interface LockFinding {
  path: string;
  ageSeconds: number;
  /** Made by a process of ours: its pid, and whether it still runs on this host. */
  pid?: number;
  running?: boolean;
  /** The journal of an interrupted write: what it was. */
  write?: string;
}

async function ageOf(path: string): Promise<number | undefined> {
  const stats = await stat(path).catch(() => undefined);
  return stats ? Math.max(0, Math.round((Date.now() - stats.mtimeMs) / 1000)) : undefined;
}

/** A lock file and, when one of our processes wrote it, that process. */
async function lockFinding(path: string): Promise<LockFinding | undefined> {
  const ageSeconds = await ageOf(path);
  if (ageSeconds === undefined) return undefined;
  const finding: LockFinding = { path, ageSeconds };
  try {
    const owner = JSON.parse(await readFile(path, 'utf8')) as { pid?: unknown; host?: unknown };
    if (typeof owner.pid === 'number') {
      finding.pid = owner.pid;
      if (owner.host === hostname()) finding.running = alive(owner.pid);
    }
  } catch {
    // Git's own lock (it holds the new index), or an empty or torn one: its age only.
  }
  return finding;
}

export async function findLocks(repo: Repository): Promise<LockFinding[]> {
  const found: LockFinding[] = [];
  for (const path of [lockPath(repo), join(repo.gitdir, 'index.lock')]) {
    const finding = await lockFinding(path);
    if (finding) found.push(finding);
  }
  const journal = await readJournal(repo);
  const at = journalPath(repo);
  const journalAge = await ageOf(at);
  if (journal && journalAge !== undefined) {
    const { begin } = journal;
    found.push({
      path: at,
      ageSeconds: journalAge,
      pid: begin.pid,
      ...(begin.host === hostname() ? { running: alive(begin.pid) } : {}),
      write: `"${begin.command}" ${journal.renamed ? 'to finish' : 'to undo'}`,
    });
  }
  return found;
}

export function describeLock(lock: LockFinding): string {
  const owner =
    lock.pid === undefined
      ? ''
      : `, pid ${lock.pid}${lock.running === undefined ? '' : lock.running ? ' (running)' : ' (not running)'}`;
  const write = lock.write ? `, an interrupted write ${lock.write}` : '';
  return `${lock.path}: ${lock.ageSeconds}s old${owner}${write}`;
}
