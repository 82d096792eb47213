/**
 * Fetching from a repository on this machine without a git binary: isomorphic-git has no
 * file transport, so the objects we lack are read from the peer's store and written into
 * ours as one new pack.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { isAbsolute, join, resolve } from 'node:path';
import { fs, isogit } from './isogit.js';
import { ObjectStore } from './object-store.js';
import { missingObjects } from './object-walk.js';
import type { RawObject } from './pack-writer.js';

export class TransportError extends Error {
  constructor(
    message: string,
    readonly kind: 'unreachable' | 'ref-missing' = 'unreachable',
  ) {
    super(message);
  }
}

/** The git directory of a working tree or of a bare repository at `path`. */
export function localGitdir(path: string): string {
  let stats;
  try {
    stats = statSync(path);
  } catch {
    throw new TransportError(`${path} does not exist`);
  }
  if (!stats.isDirectory()) throw new TransportError(`${path} is not a folder`);
  const dotgit = join(path, '.git');
  if (existsSync(dotgit)) {
    if (statSync(dotgit).isDirectory()) return dotgit;
    const m = /^gitdir:\s*(.+)\s*$/m.exec(readFileSync(dotgit, 'utf8'));
    if (m) {
      const target = (m[1] as string).trim();
      return isAbsolute(target) ? target : resolve(path, target);
    }
  }
  if (existsSync(join(path, 'HEAD')) && existsSync(join(path, 'objects'))) return path;
  throw new TransportError(`${path} is not a git repository`);
}

/** The object a ref names in the repository at `gitdir`. */
export async function resolvePeerRef(gitdir: string, ref: string): Promise<string> {
  const git = await isogit();
  try {
    return await git.resolveRef({ fs, gitdir, ref });
  } catch {
    throw new TransportError(`it has no ref ${ref}`, 'ref-missing');
  }
}

export interface LocalFetch {
  /** What the peer's ref points to. */
  oid: string;
  /** The objects we lacked, read from the peer. */
  objects: RawObject[];
}

export async function readLocalPeer(
  ourGitdir: string,
  path: string,
  ref: string,
  signal: AbortSignal,
): Promise<LocalFetch> {
  const gitdir = localGitdir(path);
  const oid = await resolvePeerRef(gitdir, ref);
  const theirs = new ObjectStore(gitdir);
  const ours = new ObjectStore(ourGitdir);
  const objects = await missingObjects(
    oid,
    'commit',
    (o) => ours.has(o),
    (o) => {
      signal.throwIfAborted();
      const object = theirs.read(o);
      if (!object) throw new Error(`${o} is not in the peer's store`);
      return object;
    },
  );
  return { oid, objects };
}
