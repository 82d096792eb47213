/** isomorphic-git, loaded on first use (it is the heaviest module after openpgp.js). */
import type * as IsoGit from 'isomorphic-git';
import * as nodeFs from 'node:fs';
import { writeFileAtomic } from '../ground/atomic-write.js';
import { FileTooLargeError, NotRegularFileError, readRegularAsync } from './regular-file.js';

let loaded: Promise<typeof IsoGit> | undefined;

export function isogit(): Promise<typeof IsoGit> {
  loaded ??= import('isomorphic-git').then(
    (m) => (m as unknown as { default?: typeof IsoGit }).default ?? m,
  );
  return loaded;
}

/**
 * The file system isomorphic-git gets: node's, except that every file it writes (objects,
 * refs, git's index) is replaced atomically (writeFileAtomic), as git itself does.
 * isomorphic-git writes in place, and a process killed mid-write would leave an empty or
 * torn object, ref or index that git then calls corrupt. Not flushed one by one, as git
 * does not flush loose objects by default either.
 */
async function writeFile(
  path: nodeFs.PathLike,
  data: string | Uint8Array,
  options?: nodeFs.WriteFileOptions,
): Promise<void> {
  const mode = typeof options === 'object' && options !== null ? options.mode : undefined;
  await writeFileAtomic(String(path), data, {
    fsync: false,
    ...(typeof mode === 'number' ? { mode } : {}),
  });
}

export const fs = { ...nodeFs, promises: { ...nodeFs.promises, writeFile } };

export type ReadCommitResult = IsoGit.ReadCommitResult;
export type TreeEntry = IsoGit.TreeEntry;

/**
 * A file system for isomorphic-git to read a peer's repository on this machine: each
 * file read is a regular file of at most 64 MiB (readRegularAsync), and the first refusal
 * is kept, since isomorphic-git takes a ref file it cannot read for a missing ref.
 */
export function peerFs(): { fs: typeof fs; refused: () => Error | undefined } {
  let refused: Error | undefined;
  const readFile = (async (path: nodeFs.PathLike, options?: never) => {
    try {
      return await readRegularAsync(String(path), options);
    } catch (err) {
      if (err instanceof NotRegularFileError || err instanceof FileTooLargeError) refused ??= err;
      throw err;
    }
  }) as typeof nodeFs.promises.readFile;
  return {
    fs: { ...fs, promises: { ...fs.promises, readFile } },
    refused: () => refused,
  };
}
