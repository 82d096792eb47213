/** isomorphic-git, loaded on first use (it is the heaviest module after openpgp.js). */
import type * as IsoGit from 'isomorphic-git';
import * as nodeFs from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { FileTooLargeError, NotRegularFileError, readRegularAsync } from './regular-file.js';

let loaded: Promise<typeof IsoGit> | undefined;

export function isogit(): Promise<typeof IsoGit> {
  loaded ??= import('isomorphic-git').then(
    (m) => (m as unknown as { default?: typeof IsoGit }).default ?? m,
  );
  return loaded;
}

/**
 * The file system isomorphic-git gets: node's, except that git's index is replaced
 * atomically (written beside it, then renamed), as git itself does. isomorphic-git writes
 * it in place, and a process killed mid-write would leave a corrupt index behind.
 */
async function writeFile(
  path: nodeFs.PathLike,
  data: string | Uint8Array,
  options?: nodeFs.WriteFileOptions,
): Promise<void> {
  const file = String(path);
  if (basename(file) === 'index' && nodeFs.existsSync(join(dirname(file), 'HEAD'))) {
    const temp = `${file}.remembrancer-${process.pid}`;
    await nodeFs.promises.writeFile(temp, data, options);
    await nodeFs.promises.rename(temp, file);
    return;
  }
  await nodeFs.promises.writeFile(path, data, options);
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
