/**
 * A snapshot is one state of `.remembrancer/`: the working tree, the index, or a commit.
 * Covenants compare two of them; everything else reads the working tree.
 */
import {
  closeSync,
  constants,
  fstatSync,
  lstatSync,
  openSync,
  readdirSync,
  readSync,
} from 'node:fs';
import { join } from 'node:path';
import { RemembrancerError } from './errors.js';
import { stampOf, type Stamp } from './file-stamp.js';
import { repoRelative } from './paths.js';

export interface SnapshotEntry {
  /** Path relative to .remembrancer/, with / separators. */
  path: string;
  kind: 'file' | 'symlink' | 'other';
  /** Git blob id, where the snapshot knows it without reading the file. */
  oid?: string;
}

export interface Snapshot {
  /** What it is, for messages: "working tree", "index", "HEAD (1a2b3c4)". */
  readonly label: string;
  /**
   * Every entry under .remembrancer/ (or under `prefix` inside it, e.g. "trust/"), or an
   * empty list where it does not exist.
   */
  list(prefix?: string): Promise<SnapshotEntry[]>;
  /** The bytes at `path`, or undefined where there is no such file. */
  read(path: string, maxBytes?: number): Promise<Uint8Array | undefined>;
}

/**
 * A symbolic link where .remembrancer/ or one of its folders or files belongs: never
 * followed, since it would read the memory from wherever it points. `path` is relative to
 * .remembrancer/ ('' for the folder itself).
 */
export function symlinkRefused(path: string): RemembrancerError {
  const parts = path === '' ? [] : path.split('/');
  const what =
    parts.length === 0
      ? 'the .remembrancer/ folder'
      : parts[0] !== 'memories'
        ? 'a file or folder of .remembrancer/'
        : parts.length === 1
          ? 'the memories/ folder'
          : parts.length === 2
            ? 'a shard folder'
            : 'a memory file';
  return new RemembrancerError(
    'UNEXPECTED_FILE',
    `a symbolic link where ${what} belongs, refused: it would be read from wherever it points`,
    {
      file: path === '' ? '.remembrancer' : repoRelative(path),
      fix: 'replace the link with the real folder or file (git rm the link, then restore it from a commit)',
    },
  );
}

/**
 * The files on disk. Reads are synchronous on purpose: for thousands of small files the
 * synchronous calls are several times faster than promise-based ones (no thread-pool hop
 * per call), and nothing else needs the event loop while a command reads its memory.
 */
export class WorkingTreeSnapshot implements Snapshot {
  readonly label = 'working tree';

  /** Folders (relative to .remembrancer/) already seen to be no symbolic link. */
  private readonly realFolders = new Set<string>();

  constructor(private readonly remDir: string) {}

  /**
   * Throws symlinkRefused when .remembrancer/ or a folder on the way to `dir` (relative to
   * it) is a symbolic link: readdir and open would follow it. Each folder is looked at once.
   */
  private refuseLinkedFolders(dir: string): void {
    const parts = dir.split('/').filter(Boolean);
    for (let depth = 0; depth <= parts.length; depth++) {
      const rel = parts.slice(0, depth).join('/');
      if (this.realFolders.has(rel)) continue;
      const stats = lstatSync(join(this.remDir, rel), { throwIfNoEntry: false });
      if (stats?.isSymbolicLink()) throw symlinkRefused(rel);
      if (!stats) return; // nothing there: nothing to follow
      this.realFolders.add(rel);
    }
  }

  async list(prefix = ''): Promise<SnapshotEntry[]> {
    this.refuseLinkedFolders(prefix);
    const entries: SnapshotEntry[] = [];
    const walk = (dir: string, prefix: string): void => {
      let names;
      try {
        names = readdirSync(dir, { withFileTypes: true });
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'ENOENT') return;
        throw err;
      }
      for (const d of names) {
        const path = prefix + d.name;
        if (d.isDirectory()) walk(join(dir, d.name), path + '/');
        else if (d.isFile()) entries.push({ path, kind: 'file' });
        else if (d.isSymbolicLink()) entries.push({ path, kind: 'symlink' });
        else entries.push({ path, kind: 'other' });
      }
    };
    walk(join(this.remDir, prefix), prefix);
    return entries.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  }

  async read(path: string, maxBytes?: number): Promise<Uint8Array | undefined> {
    return this.readStamped(path, maxBytes)?.bytes;
  }

  /**
   * The bytes at `path` with the stamp of the very file they were read from, taken before
   * reading (file-stamp.ts): a cache that records the stamp beside what it learnt from the
   * bytes can tell later whether that still holds. Undefined where there is no such file.
   */
  readStamped(path: string, maxBytes?: number): { bytes: Uint8Array; stamp: Stamp } | undefined {
    this.refuseLinkedFolders(path.slice(0, Math.max(0, path.lastIndexOf('/'))));
    let fd: number;
    try {
      // O_NOFOLLOW: a symlink under .remembrancer/ is never followed out of it.
      fd = openSync(join(this.remDir, path), constants.O_RDONLY | constants.O_NOFOLLOW);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'ENOENT' || code === 'ELOOP' || code === 'EISDIR') return undefined;
      throw err;
    }
    try {
      const stats = fstatSync(fd);
      if (!stats.isFile()) return undefined;
      if (maxBytes !== undefined && stats.size > maxBytes) {
        throw new RemembrancerError(
          'FILE_TOO_LARGE',
          `file is ${stats.size} bytes, over the ${maxBytes}-byte limit`,
          { file: repoRelative(path), fix: 'remove it; memories are small JSON files' },
        );
      }
      const buffer = Buffer.allocUnsafe(stats.size);
      let offset = 0;
      while (offset < stats.size) {
        const n = readSync(fd, buffer, offset, stats.size - offset, offset);
        if (n === 0) break;
        offset += n;
      }
      return { bytes: buffer.subarray(0, offset), stamp: stampOf(stats) };
    } finally {
      closeSync(fd);
    }
  }
}
