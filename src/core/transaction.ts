/**
 * The one way anything is written to a repository's memory: under the repository lock,
 * each file replaced atomically, then staged and committed together. If anything fails
 * before the commit, every file written is put back as it was.
 */
import { existsSync } from 'node:fs';
import { readdir, readFile, rm } from 'node:fs/promises';
import { describeSecretKey, findSecretKey } from '../crypto/secret-keys.js';
import { dirname, join } from 'node:path';
import { CommittedError, commitFiles, stageFiles, type FileChange } from '../git/commit.js';
import { gitIdentity, type GitIdentity } from '../git/identity.js';
import { removeStaleTempFiles, writeFileAtomic, writeFilesAtomic } from './atomic-write.js';
import { decodeMemory, mergeEnvelopes, serializeEnvelope, type Memory } from './envelope.js';
import { RemembrancerError } from './errors.js';
import { acquireLock } from './lock.js';
import { MEMORIES_DIR, REM_DIR } from './paths.js';
import { lockPath, type Repository } from './repository.js';
import { mapLimit } from './map-limit.js';

export type MemoryWrite = 'created' | 'merged' | 'unchanged';

interface Plan {
  id: string;
  /** Relative to the repository root. */
  path: string;
  outcome: MemoryWrite;
  /** What to write; none when the file already says it all. */
  bytes?: Uint8Array;
}

export class Transaction {
  private readonly originals = new Map<string, Buffer | null>();
  private readonly written = new Map<string, Uint8Array | null>();
  /** Paths writeMemory just found missing, so that remember() need not ask again. */
  private readonly knownAbsent = new Set<string>();
  private readonly cleaned = new Map<string, Promise<void>>();
  private swept = false;

  constructor(readonly repo: Repository) {}

  /** Paths written so far, relative to the repository root. */
  get paths(): string[] {
    return [...this.written.keys()];
  }

  private async remember(path: string): Promise<void> {
    if (this.originals.has(path)) return;
    const known = this.knownAbsent.has(path);
    if (known) {
      this.originals.set(path, null);
      return;
    }
    try {
      this.originals.set(path, await readFile(join(this.repo.root, path)));
    } catch {
      this.originals.set(path, null);
    }
  }

  /** Writes a file (path relative to the repository root) atomically. */
  async write(path: string, content: string | Uint8Array): Promise<void> {
    const bytes = typeof content === 'string' ? Buffer.from(content, 'utf8') : content;
    await this.prepare(path, bytes);
    await writeFileAtomic(join(this.repo.root, path), bytes);
    this.written.set(path, bytes);
  }

  /**
   * Everything before a file is written: refuse secrets, remember what it replaces (for a
   * rollback), and sweep its folder of what interrupted writers left.
   */
  private async prepare(path: string, bytes: Uint8Array): Promise<void> {
    // The last line of defence of "nothing secret under .remembrancer/": whatever a
    // command was given (a note, a key file), secret key material is never written there.
    const secret = path.startsWith(`${REM_DIR}/`) ? findSecretKey(bytes) : undefined;
    if (secret) {
      throw new RemembrancerError(
        'PRIVATE_KEY_IN_REPOSITORY',
        `refusing to write a private key into the repository: ${describeSecretKey(secret)}`,
        {
          file: path,
          fix: 'remove the private key from the text you passed; only public keys belong in .remembrancer/',
        },
      );
    }
    await this.remember(path);
    const dir = dirname(join(this.repo.root, path));
    // One sweep per folder, shared by parallel writers, and always before any of them
    // writes its own temporary file there.
    let cleaning = this.cleaned.get(dir);
    if (!cleaning) this.cleaned.set(dir, (cleaning = removeStaleTempFiles(dir)));
    await cleaning;
  }

  /**
   * Writes many files at once (a generated project): each atomically, their flushes to disk
   * overlapping instead of queueing one after another.
   */
  async writeAll(files: { path: string; content: string | Uint8Array }[]): Promise<void> {
    await mapLimit(files, 16, (f) => this.write(f.path, f.content));
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

  /** Removes what interrupted writers left in any shard; we hold the lock, so none is live. */
  private async sweepShards(): Promise<void> {
    if (this.swept) return;
    this.swept = true;
    const root = join(this.repo.remDir, MEMORIES_DIR);
    let shards: string[];
    try {
      shards = await readdir(root);
    } catch {
      return;
    }
    await Promise.all(shards.map((shard) => removeStaleTempFiles(join(root, shard))));
    await removeStaleTempFiles(root);
  }

  /** Adds a memory; a copy already on disk gains the new signatures instead. */
  async writeMemory(memory: Memory): Promise<MemoryWrite> {
    await this.sweepShards();
    const { outcome, path, bytes } = await this.planMemory(memory);
    if (bytes) await this.write(path, bytes);
    return outcome;
  }

  /**
   * Adds many memories at once (a sync), each as writeMemory would, their files flushed to
   * disk together (writeFilesAtomic) rather than each waiting for its own flush.
   */
  async writeMemories(memories: Memory[]): Promise<MemoryWrite[]> {
    await this.sweepShards();
    // One file per id: copies of a memory in one batch merge before anything is written.
    const byId = new Map<string, Memory>();
    for (const memory of memories) {
      const seen = byId.get(memory.id);
      byId.set(
        memory.id,
        seen ? { ...seen, envelope: mergeEnvelopes(seen.envelope, memory.envelope) } : memory,
      );
    }
    const plans = await mapLimit([...byId.values()], 16, async (memory) => {
      const plan = await this.planMemory(memory);
      if (plan.bytes) await this.prepare(plan.path, plan.bytes);
      return plan;
    });
    const writes = plans.filter((p): p is Plan & { bytes: Uint8Array } => p.bytes !== undefined);
    await writeFilesAtomic(
      writes.map((p) => ({ path: join(this.repo.root, p.path), data: p.bytes })),
    );
    for (const p of writes) this.written.set(p.path, p.bytes);
    const outcomes = new Map(plans.map((p) => [p.id, p.outcome]));
    return memories.map((m) => outcomes.get(m.id) as MemoryWrite);
  }

  /** What writing a memory would do: a new file, a merged one, or nothing. */
  private async planMemory(memory: Memory): Promise<Plan> {
    const path = `${REM_DIR}/${memory.path}`;
    // Most memories of a sync are new: asking whether the file exists costs far less than
    // the exception a failed read throws.
    const full = join(this.repo.root, path);
    let existing: Buffer | undefined;
    if (existsSync(full)) {
      try {
        existing = await readFile(full);
      } catch {
        existing = undefined;
      }
    }
    if (existing === undefined) {
      this.knownAbsent.add(path);
      const bytes = Buffer.from(serializeEnvelope(memory.envelope), 'utf8');
      return { id: memory.id, path, outcome: 'created', bytes };
    }
    const current = decodeMemory(memory.path, existing);
    const merged = serializeEnvelope(mergeEnvelopes(current.envelope, memory.envelope));
    if (merged === existing.toString('utf8')) return { id: memory.id, path, outcome: 'unchanged' };
    return { id: memory.id, path, outcome: 'merged', bytes: Buffer.from(merged, 'utf8') };
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
      if (err instanceof CommittedError) throw err;
      if (err instanceof RemembrancerError) throw err;
      const message = (err as Error).message.split('\n')[0] ?? '';
      throw new RemembrancerError('GIT_FAILED', `could not commit: ${message}`, {
        exitCode: 1,
        fix: 'check `git status`; the files written were put back as they were',
      });
    }
  } catch (err) {
    // Once the branch has moved, the files are part of history: putting them back would
    // delete a committed memory from the working tree.
    if (!(err instanceof CommittedError)) await tx.rollback();
    throw err;
  } finally {
    await lock.release();
  }
}
