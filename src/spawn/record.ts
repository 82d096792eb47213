/**
 * Finding what was generated in a folder: the repository that holds it, the newest spawn
 * record for it, and how the files on disk differ from that record (drift).
 */
import { existsSync, realpathSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { dirname, join, relative, resolve, sep } from 'node:path';
import type { Memory } from '../memory/envelope.js';
import { RemembrancerError } from '../ground/errors.js';
import { sha256Hex } from '../ground/hash.js';
import type { SpawnBody } from '../memory/memory-types.js';
import { REM_DIR } from '../ground/paths.js';
import { findRepository, requireInitialized, type Repository } from '../ground/repository.js';
import { WorkingTreeSnapshot } from '../ground/snapshot.js';
import { loadMemories, newestFirst } from '../store/store.js';
import { fs, isogit } from '../git/isogit.js';

/** The repository holding `dir` (which may not exist yet), or undefined outside any. */
export function containingRepository(dir: string): Repository | undefined {
  let existing = resolve(dir);
  while (!existsSync(existing)) existing = dirname(existing);
  try {
    return findRepository(realpathSync(existing));
  } catch (err) {
    // Only "no repository at all" means we may create one; a worktree error stands.
    if (err instanceof RemembrancerError && err.message.startsWith('not inside')) return undefined;
    throw err;
  }
}

/** `dir` relative to the repository root with / separators; "." for the root itself. */
export function projectPath(repo: Repository, dir: string): string {
  let existing = resolve(dir);
  const missing: string[] = [];
  while (!existsSync(existing)) {
    missing.unshift(existing.slice(dirname(existing).length + 1));
    existing = dirname(existing);
  }
  const rel = relative(realpathSync(repo.root), join(realpathSync(existing), ...missing));
  if (rel === '') return '.';
  const parts = rel.split(sep);
  if (parts[0] === '..' || parts[0] === '.git' || parts[0] === REM_DIR) {
    throw new RemembrancerError('USAGE', `${dir} is not a place for a project`, {
      fix: 'choose a folder inside the working tree, outside .git and .remembrancer',
    });
  }
  return parts.join('/');
}

export interface SpawnRecord {
  memory: Memory;
  body: SpawnBody;
  /** Generated path (relative to the project) → sha256. */
  files: Map<string, string>;
}

export function toRecord(memory: Memory): SpawnRecord {
  const body = memory.envelope.signed.body as unknown as SpawnBody;
  const files = new Map<string, string>();
  for (const s of memory.envelope.signed.subject ?? []) files.set(s.name, s.digest.sha256);
  return { memory, body, files };
}

/** The current record for a project folder: the newest one no other record updates. */
/**
 * The spawned project in `dir` as `spawn check` and `spawn update` start from it: its
 * repository (which must be initialised), its path there, and its spawn record.
 */
export async function openSpawnedProject(
  dir: string,
): Promise<{ repo: Repository; path: string; record: SpawnRecord }> {
  const found = containingRepository(dir);
  if (!found) {
    throw new RemembrancerError('NOT_A_GIT_REPOSITORY', `${dir} is not inside a git repository`, {
      fix: 'give the folder `remembrancer spawn` generated',
    });
  }
  const repo = requireInitialized(found);
  const path = projectPath(repo, dir);
  return { repo, path, record: await findSpawnRecord(repo, path) };
}

export async function findSpawnRecord(repo: Repository, path: string): Promise<SpawnRecord> {
  const { memories } = await loadMemories(new WorkingTreeSnapshot(repo.remDir));
  const spawns = memories.filter(
    (m) =>
      m.envelope.signed.type === 'spawn' &&
      (m.envelope.signed.body as unknown as SpawnBody).path === path,
  );
  const replaced = new Set(
    spawns.flatMap((m) =>
      (m.envelope.signed.links ?? []).filter((l) => l.rel === 'updates').map((l) => l.id),
    ),
  );
  const current = spawns.filter((m) => !replaced.has(m.id)).sort(newestFirst)[0];
  if (current === undefined) {
    throw new RemembrancerError('SPAWN_NOT_FOUND', `no spawn record for ${path} in ${repo.root}`, {
      file: path,
      fix: 'give the folder `remembrancer spawn` generated (the one holding .remembrancer-answers.yml)',
    });
  }
  return toRecord(current);
}

/** Files in the project folder that git would track (ignored ones are left out). */
async function presentFiles(repo: Repository, path: string): Promise<string[]> {
  const git = await isogit();
  const rows = await git.statusMatrix({
    fs,
    dir: repo.root,
    gitdir: repo.gitdir,
    ...(path === '.' ? {} : { filepaths: [path] }),
  });
  const prefix = path === '.' ? '' : `${path}/`;
  return rows
    .filter(([, , workdir]) => workdir !== 0)
    .map(([file]) => file)
    .filter((file) => file.startsWith(prefix))
    .map((file) => file.slice(prefix.length))
    .filter(
      (file) => !file.startsWith(`${REM_DIR}/`) && !(path === '.' && file === '.gitattributes'),
    );
}

export interface Drift {
  changed: string[];
  added: string[];
  removed: string[];
}

export async function measureDrift(
  repo: Repository,
  path: string,
  record: SpawnRecord,
): Promise<Drift> {
  const dir = path === '.' ? repo.root : join(repo.root, path);
  const drift: Drift = { changed: [], added: [], removed: [] };
  for (const [file, sha256] of record.files) {
    let bytes: Buffer;
    try {
      bytes = await readFile(join(dir, file));
    } catch {
      drift.removed.push(file);
      continue;
    }
    if (sha256Hex(bytes) !== sha256) drift.changed.push(file);
  }
  for (const file of await presentFiles(repo, path)) {
    if (!record.files.has(file)) drift.added.push(file);
  }
  drift.added.sort();
  return drift;
}
