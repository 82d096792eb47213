/**
 * What `doctor` says about lock files left in the git directory: ours (with its owner's
 * pid and whether it still runs) and git's index.lock (which blocks every commit). Doctor
 * only reports them; it removes nothing, because only the owner knows if its work is done.
 */
import { readFile, stat } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { alive } from './lock.js';
import { lockPath, type Repository } from './repository.js';

export interface LockFinding {
  path: string;
  ageSeconds: number;
  /** Our lock only: its owner, and whether that process still runs on this host. */
  pid?: number;
  running?: boolean;
}

async function ageOf(path: string): Promise<number | undefined> {
  const stats = await stat(path).catch(() => undefined);
  return stats ? Math.max(0, Math.round((Date.now() - stats.mtimeMs) / 1000)) : undefined;
}

export async function findLocks(repo: Repository): Promise<LockFinding[]> {
  const found: LockFinding[] = [];
  const ours = lockPath(repo);
  const oursAge = await ageOf(ours);
  if (oursAge !== undefined) {
    const finding: LockFinding = { path: ours, ageSeconds: oursAge };
    try {
      const owner = JSON.parse(await readFile(ours, 'utf8')) as { pid?: unknown; host?: unknown };
      if (typeof owner.pid === 'number') {
        finding.pid = owner.pid;
        if (owner.host === hostname()) finding.running = alive(owner.pid);
      }
    } catch {
      // An empty or torn lock file: reported with its age only.
    }
    found.push(finding);
  }
  const index = join(repo.gitdir, 'index.lock');
  const indexAge = await ageOf(index);
  if (indexAge !== undefined) found.push({ path: index, ageSeconds: indexAge });
  return found;
}

export function describeLock(lock: LockFinding): string {
  const owner =
    lock.pid === undefined
      ? ''
      : `, pid ${lock.pid}${lock.running === undefined ? '' : lock.running ? ' (running)' : ' (not running)'}`;
  return `${lock.path}: ${lock.ageSeconds}s old${owner}`;
}
