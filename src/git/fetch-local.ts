/**
 * Fetching from a repository on this machine without a git binary: isomorphic-git has no
 * file transport, so the objects we lack are read from the peer's store and written into
 * ours as one new pack.
 */
import { existsSync, statSync } from 'node:fs';
import { isAbsolute, join, resolve } from 'node:path';
import { isogit, peerFs } from './isogit.js';
import { readRegular } from './regular-file.js';
import { MAX_OBJECT_BYTES } from './limits.js';
import { ObjectStore } from './object-store.js';
import { missingObjects, type Walked } from './object-walk.js';
import type { PackEntry } from './pack-writer.js';

/**
 * What to do about a peer that cannot be fetched, by cause; the sync's one line and
 * doctor's check end with it.
 */
export const TRANSPORT_FIX = {
  unreachable:
    'check that the peer is up and its URL is right (remembrancer federation list), then sync again',
  notGit:
    "check the peer's URL: it must name the repository as `git clone` takes it (remembrancer federation list)",
  timeout:
    'check that the peer is up; if it is only slow, give it longer with REMEMBRANCER_FETCH_TIMEOUT_MS (or `federation sync --timeout SECONDS`)',
  damaged:
    "sync again; if it keeps failing, the peer's server is damaged: tell its operator, or fetch the peer over ssh or a path",
  tls: "if the peer's certificate comes from a CA of your own, trust that CA with NODE_EXTRA_CA_CERTS=CA.pem; otherwise something between you and the peer is answering for it",
  tooLarge:
    'fetch this peer over ssh or from a path on this machine: put that URL in .remembrancer/peers.json',
  notRepository:
    "the peer's repository holds what no git repository does: tell its owner, and sync once it is repaired",
  moved:
    'if the peer has moved, put its new URL in .remembrancer/peers.json (it is checked as `federation add` checks it)',
} as const;

export class TransportError extends Error {
  constructor(
    message: string,
    readonly kind: 'unreachable' | 'ref-missing' = 'unreachable',
    readonly fix: string = TRANSPORT_FIX.unreachable,
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
  if (!stats.isDirectory())
    throw new TransportError(`${path} is not a folder`, 'unreachable', TRANSPORT_FIX.notGit);
  const dotgit = join(path, '.git');
  if (existsSync(dotgit)) {
    if (statSync(dotgit).isDirectory()) return dotgit;
    const m = /^gitdir:\s*(.+)\s*$/m.exec(readRegular(dotgit, 4096).toString('utf8'));
    if (m) {
      const target = (m[1] as string).trim();
      return isAbsolute(target) ? target : resolve(path, target);
    }
  }
  if (existsSync(join(path, 'HEAD')) && existsSync(join(path, 'objects'))) return path;
  throw new TransportError(`${path} is not a git repository`, 'unreachable', TRANSPORT_FIX.notGit);
}

/** The object a ref names in the repository at `gitdir`. */
export async function resolvePeerRef(gitdir: string, ref: string): Promise<string> {
  const git = await isogit();
  const peer = peerFs();
  let oid: string | undefined;
  try {
    oid = await git.resolveRef({ fs: peer.fs, gitdir, ref });
  } catch {
    oid = undefined;
  }
  // A ref file that is a FIFO or a device is refused, not taken for a missing ref.
  const refused = peer.refused();
  if (refused)
    throw new TransportError(refused.message, 'unreachable', TRANSPORT_FIX.notRepository);
  if (oid === undefined) throw new TransportError(`it has no ref ${ref}`, 'ref-missing');
  return oid;
}

export interface LocalFetch {
  /** What the peer's ref points to. */
  oid: string;
  /** The objects we lacked, as the peer's store holds them, to be written as one pack. */
  objects: PackEntry[];
}

/**
 * How each object is copied from the peer's store, none of them inflated whole unless it
 * must be: packed data is copied as it is (a delta along with its base when that comes too),
 * a large loose object is deflated again as a stream. Only a delta whose base does not come
 * is rebuilt, when it is small enough to hold; a larger one brings its bases along instead
 * (objects we already have, stored twice, which git allows).
 */
function packEntries(theirs: ObjectStore, walked: Walked[], signal: AbortSignal): PackEntry[] {
  const entries: PackEntry[] = [];
  const coming = new Set(walked.map((w) => w.oid));
  const queue = walked.map((w) => w.oid);
  for (let i = 0; i < queue.length; i++) {
    signal.throwIfAborted();
    const oid = queue[i] as string;
    const stored = theirs.stored(oid);
    if (!stored) throw new Error(`${oid} is not in the peer's store`);
    const entry: PackEntry = { oid, type: stored.type, stored };
    if (stored.kind === 'loose' && stored.size <= MAX_OBJECT_BYTES) {
      entry.content = (theirs.read(oid) as { content: Buffer }).content;
    } else if (stored.kind === 'packed' && stored.base !== undefined && !coming.has(stored.base)) {
      const size = theirs.header(oid)?.size ?? Infinity;
      if (size <= MAX_OBJECT_BYTES) {
        entry.content = (theirs.read(oid) as { content: Buffer }).content;
      } else {
        coming.add(stored.base);
        queue.push(stored.base);
      }
    }
    entries.push(entry);
  }
  return entries;
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
  const walked = await missingObjects(
    oid,
    'commit',
    (o) => ours.has(o),
    (o) => {
      signal.throwIfAborted();
      const object = theirs.read(o);
      if (!object) throw new Error(`${o} is not in the peer's store`);
      return object;
    },
    (o) => theirs.header(o)?.type,
  );
  return { oid, objects: packEntries(theirs, walked, signal) };
}
