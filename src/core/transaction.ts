/**
 * The one way anything is written to a repository's memory: under the repository lock,
 * each file replaced atomically, then staged and committed together. If anything fails
 * before the commit, every file written is put back as it was.
 */
import { readFile, rm } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { commitFiles, stageFiles, type FileChange } from '../git/commit.js';
import { gitIdentity, type GitIdentity } from '../git/identity.js';
import { removeStaleTempFiles, writeFileAtomic } from './atomic-write.js';
import { decodeMemory, mergeEnvelopes, serializeEnvelope, type Memory } from './envelope.js';
import { RemembrancerError } from './errors.js';
import { acquireLock } from './lock.js';
import { REM_DIR } from './paths.js';
import { lockPath, type Repository } from './repository.js';

export type MemoryWrite = 'created' | 'merged' | 'unchanged';

export class Transaction {
  private readonly originals = new Map<string, Buffer | null>();
  private readonly written = new Map<string, Uint8Array | null>();
  private readonly cleaned = new Set<string>();

  constructor(readonly repo: Repository) {}

  /** Paths written so far, relative to the repository root. */
  get paths(): string[] {
    return [...this.written.keys()];
  }

  private async remember(path: string): Promise<void> {
    if (this.originals.has(path)) return;
    try {
      this.originals.set(path, await readFile(join(this.repo.root, path)));
    } catch {
      this.originals.set(path, null);
    }
  }

  /** Writes a file (path relative to the repository root) atomically. */
  async write(path: string, content: string | Uint8Array): Promise<void> {
    await this.remember(path);
    const full = join(this.repo.root, path);
    const dir = dirname(full);
    if (!this.cleaned.has(dir)) {
      await removeStaleTempFiles(dir);
      this.cleaned.add(dir);
    }
    const bytes = typeof content === 'string' ? Buffer.from(content, 'utf8') : content;
    await writeFileAtomic(full, bytes);
    this.written.set(path, bytes);
  }

  /** Adds a file already on disk, unchanged, to what is staged and committed. */
  include(path: string, content: Uint8Array): void {
    if (!this.written.has(path)) this.written.set(path, content);
  }

  async remove(path: string): Promise<void> {
    await this.remember(path);
    await rm(join(this.repo.root, path), { force: true });
    this.written.set(path, null);
  }

  /** Adds a memory; a copy already on disk gains the new signatures instead. */
  async writeMemory(memory: Memory): Promise<MemoryWrite> {
    const path = `${REM_DIR}/${memory.path}`;
    let existing: Buffer | undefined;
    try {
      existing = await readFile(join(this.repo.root, path));
    } catch {
      existing = undefined;
    }
    if (existing === undefined) {
      await this.write(path, serializeEnvelope(memory.envelope));
      return 'created';
    }
    const current = decodeMemory(memory.path, existing);
    const merged = serializeEnvelope(mergeEnvelopes(current.envelope, memory.envelope));
    if (merged === existing.toString('utf8')) return 'unchanged';
    await this.write(path, merged);
    return 'merged';
  }

  changes(): FileChange[] {
    return [...this.written].map(([path, content]) => ({ path, content }));
  }

  async rollback(): Promise<void> {
    for (const [path, original] of this.originals) {
      const full = join(this.repo.root, path);
      if (original === null) await rm(full, { force: true });
      else await writeFileAtomic(full, original);
    }
  }
}

export interface TransactOptions<T> {
  /** Commit the written files (true) or only stage them (false, --no-commit). */
  commit: boolean;
  /** Commit message, computed from the work's result. */
  message: (result: T) => string;
  /** Who to commit as when git has no user configured: usually the signer. */
  fallbackIdentity?: GitIdentity | undefined;
}

export interface TransactResult<T> {
  result: T;
  /** The new commit, when one was made. */
  commit?: string;
  /** Paths written, relative to the repository root. */
  paths: string[];
}

export async function transact<T>(
  repo: Repository,
  options: TransactOptions<T>,
  work: (tx: Transaction) => Promise<T>,
): Promise<TransactResult<T>> {
  // Know who commits before touching anything, so a missing git identity changes nothing.
  const who = options.commit ? await gitIdentity(repo, options.fallbackIdentity) : undefined;
  const lock = await acquireLock(lockPath(repo), { what: `${repo.root} memory` });
  const tx = new Transaction(repo);
  try {
    const result = await work(tx);
    const changes = tx.changes();
    if (changes.length === 0) return { result, paths: [] };
    try {
      if (who) {
        const commit = await commitFiles(repo, changes, options.message(result), who);
        return { result, commit, paths: tx.paths };
      }
      await stageFiles(repo, changes);
      return { result, paths: tx.paths };
    } catch (err) {
      if (err instanceof RemembrancerError) throw err;
      throw new RemembrancerError('GIT_FAILED', `could not commit: ${(err as Error).message}`, {
        exitCode: 1,
        fix: 'check `git status`; nothing was changed',
      });
    }
  } catch (err) {
    await tx.rollback();
    throw err;
  } finally {
    await lock.release();
  }
}
