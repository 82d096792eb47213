/**
 * A snapshot is one state of `.remembrancer/`: the working tree, the index, or a commit.
 * Covenants compare two of them; everything else reads the working tree.
 */
import { lstat, open, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { RemembrancerError } from './errors.js';
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
  /** Every entry under .remembrancer/, or an empty list where it does not exist. */
  list(): Promise<SnapshotEntry[]>;
  /** The bytes at `path`, or undefined where there is no such file. */
  read(path: string, maxBytes?: number): Promise<Uint8Array | undefined>;
}

export class WorkingTreeSnapshot implements Snapshot {
  readonly label = 'working tree';

  constructor(private readonly remDir: string) {}

  async list(): Promise<SnapshotEntry[]> {
    const entries: SnapshotEntry[] = [];
    const walk = async (dir: string, prefix: string): Promise<void> => {
      let names;
      try {
        names = await readdir(dir, { withFileTypes: true });
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'ENOENT') return;
        throw err;
      }
      const subdirs: Promise<void>[] = [];
      for (const d of names) {
        const path = prefix + d.name;
        if (d.isDirectory()) subdirs.push(walk(join(dir, d.name), path + '/'));
        else if (d.isFile()) entries.push({ path, kind: 'file' });
        else if (d.isSymbolicLink()) entries.push({ path, kind: 'symlink' });
        else entries.push({ path, kind: 'other' });
      }
      await Promise.all(subdirs);
    };
    await walk(this.remDir, '');
    return entries.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  }

  async read(path: string, maxBytes?: number): Promise<Uint8Array | undefined> {
    const full = join(this.remDir, path);
    let handle;
    try {
      const stats = await lstat(full);
      if (!stats.isFile()) return undefined;
      handle = await open(full, 'r');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw err;
    }
    try {
      if (maxBytes !== undefined) {
        const { size } = await handle.stat();
        if (size > maxBytes) {
          throw new RemembrancerError(
            'FILE_TOO_LARGE',
            `file is ${size} bytes, over the ${maxBytes}-byte limit`,
            { file: repoRelative(path), fix: 'remove it; memories are small JSON files' },
          );
        }
      }
      return await handle.readFile();
    } finally {
      await handle.close();
    }
  }
}
