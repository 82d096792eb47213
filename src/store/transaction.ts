/**
 * The one way anything is written to a repository's memory: under the repository lock,
 * the work says what to write; a journal records it; each file is replaced atomically;
 * then they are staged and committed together. If anything fails before the commit, every
 * file written is put back as it was; if the process dies, the next command to take the
 * lock finishes or undoes the write from the journal (recovery.ts) and says so.
 */
import { existsSync } from 'node:fs';
import { readdir, readFile, rm } from 'node:fs/promises';
import { describeSecretKey, findSecretKey } from '../crypto/secret-keys.js';
import { dirname, join } from 'node:path';
import { CommittedError, commitFiles, stageFiles, type FileChange } from '../git/commit.js';
import { gitBlobOid } from '../git/history.js';
import { gitIdentity, type GitIdentity } from '../git/identity.js';
import { writeLooseBlob } from '../git/loose-object.js';
import { crashPoint } from '../ground/crash-points.js';
import { Journal, type JournalFile } from './journal.js';
import { recoverInterrupted } from './recovery.js';
import { removeStaleTempFiles, writeFileAtomic, writeFilesAtomic } from '../ground/atomic-write.js';
import {
  decodeMemory,
  mergeEnvelopes,
  serializeEnvelope,
  type Memory,
} from '../memory/envelope.js';
import { RemembrancerError } from '../ground/errors.js';
import { acquireLock } from '../ground/lock.js';
import { MEMORIES_DIR, REM_DIR } from '../ground/paths.js';
import { lockPath, type Repository } from '../ground/repository.js';
import { mapLimit } from '../ground/map-limit.js';

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
  /** What the work asked for, in order: new content, or null for a removal. */
  private readonly pending = new Map<string, Uint8Array | null>();
  /** Files already on disk, unchanged, that the commit must also hold (a seal's set). */
  private readonly included = new Map<string, Uint8Array>();
  private swept = false;

  constructor(readonly repo: Repository) {}

  /** Paths written so far, relative to the repository root. */
  get paths(): string[] {
    return [...new Set([...this.pending.keys(), ...this.included.keys()])];
  }

  /**
   * Writes a file (path relative to the repository root). Nothing reaches the disk until
   * the work is done and the journal says what will change (transact).
   */
  async write(path: string, content: string | Uint8Array): Promise<void> {
    const bytes = typeof content === 'string' ? Buffer.from(content, 'utf8') : content;
    refuseSecrets(path, bytes);
    this.pending.set(path, bytes);
    return Promise.resolve();
  }

  /** Writes many files at once (a generated project). */
  async writeAll(files: { path: string; content: string | Uint8Array }[]): Promise<void> {
    for (const f of files) await this.write(f.path, f.content);
  }

  /** Adds a file already on disk, unchanged, to what is staged and committed. */
  include(path: string, content: Uint8Array): void {
    if (!this.pending.has(path)) this.included.set(path, content);
  }

  async remove(path: string): Promise<void> {
    this.pending.set(path, null);
    return Promise.resolve();
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
    const { outcome, path, bytes } = await this.planMemory(memory);
    if (bytes) await this.write(path, bytes);
    return outcome;
  }

  /** Adds many memories at once (a sync), each as writeMemory would. */
  async writeMemories(memories: Memory[]): Promise<MemoryWrite[]> {
    // One file per id: copies of a memory in one batch merge before anything is written.
    const byId = new Map<string, Memory>();
    for (const memory of memories) {
      const seen = byId.get(memory.id);
      byId.set(
        memory.id,
        seen ? { ...seen, envelope: mergeEnvelopes(seen.envelope, memory.envelope) } : memory,
      );
    }
    const plans = await mapLimit([...byId.values()], 16, (memory) => this.planMemory(memory));
    for (const plan of plans) if (plan.bytes) await this.write(plan.path, plan.bytes);
    const outcomes = new Map(plans.map((p) => [p.id, p.outcome]));
    return memories.map((m) => outcomes.get(m.id) as MemoryWrite);
  }

  /** What writing a memory would do: a new file, a merged one, or nothing. */
  private async planMemory(memory: Memory): Promise<Plan> {
    const path = `${REM_DIR}/${memory.path}`;
    let existing: Uint8Array | undefined;
    if (this.pending.has(path)) {
      existing = this.pending.get(path) ?? undefined;
    } else {
      // Most memories of a sync are new: asking whether the file exists costs far less
      // than the exception a failed read throws.
      const full = join(this.repo.root, path);
      if (existsSync(full)) existing = await readFile(full).catch(() => undefined);
    }
    if (existing === undefined) {
      const bytes = Buffer.from(serializeEnvelope(memory.envelope), 'utf8');
      return { id: memory.id, path, outcome: 'created', bytes };
    }
    const current = decodeMemory(memory.path, existing);
    const merged = serializeEnvelope(mergeEnvelopes(current.envelope, memory.envelope));
    if (merged === Buffer.from(existing).toString('utf8')) {
      return { id: memory.id, path, outcome: 'unchanged' };
    }
    return { id: memory.id, path, outcome: 'merged', bytes: Buffer.from(merged, 'utf8') };
  }

  changes(): FileChange[] {
    const out: FileChange[] = [...this.pending].map(([path, content]) => ({ path, content }));
    for (const [path, content] of this.included) {
      if (!this.pending.has(path)) out.push({ path, content });
    }
    return out;
  }

  /**
   * Puts the pending files in place under a journal (journal.ts) that lets the next command
   * finish or undo this write if the process dies before it is committed. Returns the
   * originals, to put back if the commit then fails.
   */
  async apply(begin: (files: JournalFile[]) => Promise<Journal>): Promise<Applied> {
    await this.sweepShards();
    const writes: { path: string; data: Uint8Array }[] = [];
    const removals: string[] = [];
    const originals = new Map<string, Buffer | null>();
    const files: JournalFile[] = [];
    await mapLimit([...this.pending], 16, async ([path, content]) => {
      const full = join(this.repo.root, path);
      const original = existsSync(full) ? await readFile(full).catch(() => null) : null;
      originals.set(path, original);
      // What it replaces is kept as a git blob, so that an undo can put it back.
      const before = original === null ? null : await writeLooseBlob(this.repo.gitdir, original);
      files.push([path, before, content === null ? null : gitBlobOid(content)]);
    });
    for (const [path, content] of this.pending) {
      if (content === null) removals.push(path);
      else writes.push({ path: join(this.repo.root, path), data: content });
    }
    const applied: Applied = { journal: await begin(files), originals };
    crashPoint('journal');
    await Promise.all(
      [...new Set(writes.map((w) => dirname(w.path)))].map((d) => removeStaleTempFiles(d)),
    );
    await writeFilesAtomic(writes, 16, (done) => {
      if (done === 1 && writes.length > 1) crashPoint('renamed-some');
    });
    for (const path of removals) await rm(join(this.repo.root, path), { force: true });
    await applied.journal.mark({ op: 'renamed' });
    crashPoint('renamed');
    return applied;
  }

  async rollback(originals: Map<string, Buffer | null>): Promise<void> {
    for (const [path, original] of originals) {
      const full = join(this.repo.root, path);
      if (original === null) await rm(full, { force: true });
      else await writeFileAtomic(full, original);
    }
  }
}

interface Applied {
  journal: Journal;
  originals: Map<string, Buffer | null>;
}

/**
 * The last line of defence of "nothing secret under .remembrancer/": whatever a command
 * was given (a note, a key file), secret key material is never written there.
 */
function refuseSecrets(path: string, bytes: Uint8Array): void {
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
}

export interface TransactOptions<T> {
  /** Commit the written files (true) or only stage them (false, --no-commit). */
  commit: boolean;
  /** Commit message, computed from the work's result. */
  message: (result: T) => string;
  /** Who to commit as when git has no user configured: usually the signer. */
  fallbackIdentity?: GitIdentity | undefined;
  /** What a recovery after a crash calls this write ("record decision"). */
  command?: string;
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
  crashPoint('locked');
  try {
    // A command killed before us left its journal: finish or undo its work first.
    await recoverInterrupted(repo);
    const tx = new Transaction(repo);
    const result = await work(tx);
    const changes = tx.changes();
    if (changes.length === 0) return { result, paths: [] };
    const message = options.message(result);
    const applied = await tx.apply((files) =>
      Journal.begin(repo, {
        command: options.command ?? (message.split('\n')[0] ?? '').replace(/^remembrancer: /, ''),
        mode: who ? 'commit' : 'stage',
        ...(who ? { message, who } : {}),
        files,
      }),
    );
    try {
      let commit: string | undefined;
      if (who) {
        commit = await commitFiles(repo, changes, message, who, (c) =>
          applied.journal.mark({ op: 'commit', commit: c }),
        );
      } else {
        await stageFiles(repo, changes);
      }
      crashPoint('committed');
      await applied.journal.end();
      return { result, ...(commit ? { commit } : {}), paths: tx.paths };
    } catch (err) {
      // Once the branch has moved, the files are part of history: putting them back would
      // delete a committed memory from the working tree.
      if (!(err instanceof CommittedError)) await tx.rollback(applied.originals);
      await applied.journal.end();
      if (err instanceof RemembrancerError) throw err;
      const first = (err as Error).message.split('\n')[0] ?? '';
      throw new RemembrancerError('GIT_FAILED', `could not commit: ${first}`, {
        exitCode: 1,
        fix: 'check `git status`; the files written were put back as they were',
      });
    }
  } finally {
    await lock.release();
  }
}
