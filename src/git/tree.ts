/**
 * A set of files as a git tree in a repository's object store: writing it gives the tree
 * id a spawn record names (the same id `git rev-parse HEAD:<folder>` shows once committed),
 * and reading it back gives the exact bytes that were generated.
 */
import type { Repository } from '../ground/repository.js';
import { fs, isogit, type TreeEntry } from './isogit.js';

export interface TreeFile {
  /** Relative path with / separators. */
  path: string;
  content: Uint8Array;
}

export async function writeFilesTree(repo: Repository, files: TreeFile[]): Promise<string> {
  const git = await isogit();
  const base = { fs, gitdir: repo.gitdir };
  const write = async (prefix: string): Promise<string> => {
    const entries = new Map<string, TreeEntry>();
    const folders = new Set<string>();
    for (const file of files) {
      if (!file.path.startsWith(prefix)) continue;
      const rest = file.path.slice(prefix.length);
      const slash = rest.indexOf('/');
      if (slash === -1) {
        const oid = await git.writeBlob({ ...base, blob: file.content });
        entries.set(rest, { mode: '100644', path: rest, oid, type: 'blob' });
      } else folders.add(rest.slice(0, slash));
    }
    for (const name of folders) {
      const oid = await write(`${prefix}${name}/`);
      entries.set(name, { mode: '040000', path: name, oid, type: 'tree' });
    }
    return git.writeTree({ ...base, tree: [...entries.values()] });
  };
  return write('');
}

/** The files of a tree, or undefined when the repository does not hold it. */
export async function readFilesTree(
  repo: Repository,
  oid: string,
): Promise<Map<string, Uint8Array> | undefined> {
  const git = await isogit();
  const base = { fs, gitdir: repo.gitdir, cache: {} };
  const out = new Map<string, Uint8Array>();
  const read = async (treeOid: string, prefix: string): Promise<void> => {
    for (const entry of (await git.readTree({ ...base, oid: treeOid })).tree) {
      if (entry.type === 'tree') await read(entry.oid, `${prefix}${entry.path}/`);
      else if (entry.type === 'blob') {
        out.set(`${prefix}${entry.path}`, (await git.readBlob({ ...base, oid: entry.oid })).blob);
      }
    }
  };
  try {
    await read(oid, '');
  } catch {
    return undefined;
  }
  return out;
}
