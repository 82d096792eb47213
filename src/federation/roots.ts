/**
 * Merkle roots of memory sets as federation needs them: over the ids a commit or a set
 * holds, seals left out (DESIGN.md §3). A memory's type comes from the catalog when this
 * clone has it, from what the sync already decoded, or else from the commit's own blob.
 * Roots of whole memories/ trees are cached by tree id, so a no-op sync reads nothing.
 */
import { mkdir, readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { CommitSnapshot } from '../git/snapshots.js';
import { writeFileAtomic } from '../ground/atomic-write.js';
import { openCatalog } from '../store/catalog.js';
import { decodeMemory, MAX_MEMORY_BYTES } from '../memory/envelope.js';
import { merkleRoot } from '../proof/merkle.js';
import type { RootRef } from '../memory/memory-types.js';
import { memoryPath } from '../ground/paths.js';
import { cacheDir, type Repository } from '../ground/repository.js';

export class TypeResolver {
  private catalog: Promise<Map<string, string>> | undefined;
  private readonly known = new Map<string, string | null>();
  /** One snapshot per commit: each lists its tree once, however many files are read. */
  private readonly snapshots = new Map<string, CommitSnapshot>();
  /** Memories whose type could not be read (counted in roots, as non-seals). */
  unreadable = 0;

  constructor(private readonly repo: Repository) {}

  /** Tells the resolver a type it learnt by decoding a memory. */
  learn(id: string, type: string): void {
    this.known.set(id, type);
  }

  private fromCatalog(): Promise<Map<string, string>> {
    this.catalog ??= openCatalog(this.repo).then(
      (c) => new Map([...c.entries].map(([id, e]) => [id, e.type])),
    );
    return this.catalog;
  }

  private snapshot(commit: string): CommitSnapshot {
    let found = this.snapshots.get(commit);
    if (!found) this.snapshots.set(commit, (found = new CommitSnapshot(this.repo, commit, commit)));
    return found;
  }

  /** The type of a memory, reading it from `commit` if nothing else knows it. */
  async typeOf(id: string, commit: string): Promise<string | undefined> {
    const known = this.known.get(id);
    if (known !== undefined) return known ?? undefined;
    const catalogued = (await this.fromCatalog()).get(id);
    if (catalogued !== undefined) return catalogued;
    let type: string | null = null;
    try {
      const bytes = await this.snapshot(commit).read(memoryPath(id), MAX_MEMORY_BYTES);
      if (bytes) type = decodeMemory(memoryPath(id), bytes).envelope.signed.type;
    } catch {
      type = null;
    }
    if (type === null) this.unreadable++;
    this.known.set(id, type);
    return type ?? undefined;
  }

  /** The root over `ids` without seals; unknown types are read from `commit`. */
  async rootOf(ids: Iterable<string>, commit: string): Promise<RootRef> {
    const kept: string[] = [];
    for (const id of ids) if ((await this.typeOf(id, commit)) !== 'seal') kept.push(id);
    const { root, treeSize } = merkleRoot(kept);
    return { root, treeSize };
  }
}

interface RootCacheFile {
  version: 1;
  roots: Record<string, RootRef>;
}

function rootCachePath(repo: Repository): string {
  return join(cacheDir(repo), 'tree-roots-v1.json');
}

/** Roots of memories/ trees by tree id (a tree id fixes its ids, hence its root). */
export class TreeRootCache {
  private constructor(
    private readonly repo: Repository,
    private readonly file: RootCacheFile,
    private dirty = false,
  ) {}

  static async open(repo: Repository): Promise<TreeRootCache> {
    try {
      const file = JSON.parse(await readFile(rootCachePath(repo), 'utf8')) as RootCacheFile;
      if (file.version === 1 && typeof file.roots === 'object')
        return new TreeRootCache(repo, file);
    } catch {
      // none yet, or damaged: start again
    }
    return new TreeRootCache(repo, { version: 1, roots: {} });
  }

  get(tree: string | undefined): RootRef | undefined {
    if (tree === undefined) return { ...merkleRoot([]) };
    return this.file.roots[tree];
  }

  set(tree: string | undefined, root: RootRef): void {
    if (tree === undefined || this.file.roots[tree]?.root === root.root) return;
    this.file.roots[tree] = { root: root.root, treeSize: root.treeSize };
    this.dirty = true;
  }

  async save(): Promise<void> {
    if (!this.dirty) return;
    const entries = Object.entries(this.file.roots);
    // Keep the file small: the newest few hundred trees are all a sync ever asks for.
    if (entries.length > 512) this.file.roots = Object.fromEntries(entries.slice(-256));
    const path = rootCachePath(this.repo);
    await mkdir(dirname(path), { recursive: true }).catch(() => undefined);
    await writeFileAtomic(path, JSON.stringify(this.file)).catch(() => undefined);
    this.dirty = false;
  }
}
