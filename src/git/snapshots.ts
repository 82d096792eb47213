/** Snapshots of .remembrancer/ as git stores it: in a commit, or in the index. */
import { RemembrancerError } from '../ground/errors.js';
import { REM_DIR, repoRelative } from '../ground/paths.js';
import type { Repository } from '../ground/repository.js';
import type { Snapshot, SnapshotEntry } from '../ground/snapshot.js';
import { HistoryReader } from './history.js';
import { ObjectTooLargeError } from './object-store.js';
import { fs, isogit } from './isogit.js';

const MODE_SYMLINK = '120000';

function kindOf(mode: string): SnapshotEntry['kind'] {
  if (mode === MODE_SYMLINK) return 'symlink';
  if (mode === '100644' || mode === '100755') return 'file';
  return 'other';
}

/** The commit HEAD points at, or undefined in a repository with no commits yet. */
export async function headCommit(repo: Repository): Promise<string | undefined> {
  const git = await isogit();
  try {
    return await git.resolveRef({ fs, dir: repo.root, gitdir: repo.gitdir, ref: 'HEAD' });
  } catch {
    return undefined;
  }
}

/** Entries listed once from git objects; blobs read by id. */
abstract class GitSnapshot implements Snapshot {
  abstract readonly label: string;
  private entriesPromise: Promise<SnapshotEntry[]> | undefined;
  private byPath: Map<string, SnapshotEntry> | undefined;

  /** Trees and blobs, read through the pack indexes directly (history.ts). */
  protected readonly objects: HistoryReader;

  constructor(
    protected readonly repo: Repository,
    protected readonly cache: object,
  ) {
    this.objects = new HistoryReader(repo);
  }

  protected abstract load(): Promise<SnapshotEntry[]>;

  async list(prefix = ''): Promise<SnapshotEntry[]> {
    this.entriesPromise ??= this.load().then((entries) => {
      this.byPath = new Map(entries.map((e) => [e.path, e]));
      return entries;
    });
    const entries = await this.entriesPromise;
    return prefix === '' ? entries : entries.filter((e) => e.path.startsWith(prefix));
  }

  async read(path: string, maxBytes?: number): Promise<Uint8Array | undefined> {
    await this.list();
    const entry = this.byPath?.get(path);
    if (!entry?.oid || entry.kind !== 'file') return undefined;
    // The size is read from the object's header: a larger blob is never inflated.
    let blob: Buffer;
    try {
      blob = await this.objects.blob(entry.oid, maxBytes);
    } catch (err) {
      if (!(err instanceof ObjectTooLargeError)) throw err;
      const limit = maxBytes ?? err.limit;
      throw new RemembrancerError(
        'FILE_TOO_LARGE',
        `file is ${err.size} bytes, over the ${limit}-byte limit`,
        {
          file: repoRelative(path),
          fix: 'remove it; memories are small JSON files',
        },
      );
    }
    return blob;
  }
}

export class CommitSnapshot extends GitSnapshot {
  readonly label: string;

  constructor(
    repo: Repository,
    readonly commit: string,
    label: string,
    cache: object = {},
  ) {
    super(repo, cache);
    this.label = `${label} (${commit.slice(0, 7)})`;
  }

  /**
   * Every file under .remembrancer/ in the commit. Trees are read byte by byte, so a name
   * such as ".." that only a hostile peer's plumbing makes shows up as a path the covenant
   * rejects, instead of failing the whole listing.
   */
  protected async load(): Promise<SnapshotEntry[]> {
    const top = await this.objects.treeAt(this.commit, REM_DIR).catch(() => undefined);
    if (top === undefined) return []; // no .remembrancer/ in that commit
    const entries: SnapshotEntry[] = [];
    const walk = async (oid: string, prefix: string): Promise<void> => {
      const subtrees: Promise<void>[] = [];
      for (const e of await this.objects.tree(oid)) {
        const path = prefix + e.path;
        if (e.type === 'tree') subtrees.push(walk(e.oid, path + '/'));
        else entries.push({ path, kind: kindOf(e.mode), oid: e.oid });
      }
      await Promise.all(subtrees);
    };
    await walk(top, '');
    return entries.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  }
}

/** What `git add` has staged: the state a pre-commit hook must judge. */
export class IndexSnapshot extends GitSnapshot {
  readonly label = 'index';

  constructor(repo: Repository, cache: object = {}) {
    super(repo, cache);
  }

  protected async load(): Promise<SnapshotEntry[]> {
    const git = await isogit();
    const prefix = REM_DIR + '/';
    const found = (await git.walk({
      fs,
      dir: this.repo.root,
      gitdir: this.repo.gitdir,
      cache: this.cache,
      trees: [git.STAGE()],
      map: async (filepath, [entry]) => {
        if (filepath === '.') return undefined;
        if (!filepath.startsWith(prefix) && filepath !== REM_DIR) return null;
        // A submodule entry is listed too (as 'other'), as CommitSnapshot lists it: the
        // covenant of a staged change must see what the covenant of its commit will.
        const type = entry ? await entry.type() : undefined;
        if (!entry || (type !== 'blob' && type !== 'commit')) return undefined;
        const mode = ((await entry.mode()) ?? 0).toString(8);
        return { path: filepath.slice(prefix.length), kind: kindOf(mode), oid: await entry.oid() };
      },
    })) as (SnapshotEntry | undefined)[];
    return found
      .filter((e): e is SnapshotEntry => e !== undefined && typeof e === 'object' && 'path' in e)
      .sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  }
}
