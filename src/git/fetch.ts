/**
 * Fetching a peer's ref into refs/remembrancer/peers/<name>/…: the objects first, then the
 * tracking ref, so that a failure at any point leaves no ref and no pack behind. Local
 * paths and http(s) need no git binary; other URLs go through the system's git.
 */
import { mkdir, readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { printable, RemembrancerError } from '../ground/errors.js';
import { millisecondsFrom } from '../ground/settings.js';
import { cacheDir, type Repository } from '../ground/repository.js';
import { critical } from '../ground/signals.js';
import { alive } from '../ground/lock.js';
import { clearDeadGitLock, writeRefLocked } from './commit.js';
import {
  localGitdir,
  readLocalPeer,
  resolvePeerRef,
  TRANSPORT_FIX,
  TransportError,
} from './fetch-local.js';
import { advertisedRef, fetchOverHttp } from './fetch-http.js';
import { fetchWithGit, lsRemoteWithGit } from './fetch-system.js';
import { fs, isogit } from './isogit.js';
import { ObjectStore } from './object-store.js';
import { MissingObjectError } from './object-walk.js';
import { movePackIn, removePack, writePack, type StagedPack } from './pack-writer.js';
import { classifyPeerUrl, peerTrackingRef, redactUrl, scrub, type PeerSource } from './peer-url.js';
import { FileTooLargeError, NotRegularFileError } from './regular-file.js';

export interface FetchResult {
  /** The commit the peer's ref points to (a tag is peeled). */
  commit: string;
  trackingRef: string;
  transport: 'local' | 'http' | 'git';
  /** Whether the tracking ref moved. */
  updated: boolean;
}

export interface FetchOptions {
  /** Give up after this long (default: fetchTimeoutMs()); nothing is changed then. */
  timeoutMs?: number;
}

export const DEFAULT_FETCH_TIMEOUT_MS = 60_000;

/** The setting that bounds every talk with a peer, whatever its transport. */
export const FETCH_TIMEOUT_VARIABLE = 'REMEMBRANCER_FETCH_TIMEOUT_MS';

/**
 * How long one fetch (or doctor's probe) of a peer may take, over any transport:
 * REMEMBRANCER_FETCH_TIMEOUT_MS when it is set, otherwise `fallback`.
 */
export function fetchTimeoutMs(
  env: NodeJS.ProcessEnv = process.env,
  fallback = DEFAULT_FETCH_TIMEOUT_MS,
): number {
  return millisecondsFrom(env, FETCH_TIMEOUT_VARIABLE, fallback);
}

/** "1 s", "1.5 s", "60 s". */
function seconds(ms: number): string {
  return `${Number((ms / 1000).toFixed(1))} s`;
}

async function readRef(repo: Repository, ref: string): Promise<string | undefined> {
  const git = await isogit();
  try {
    return await git.resolveRef({ fs, gitdir: repo.gitdir, ref });
  } catch {
    return undefined;
  }
}

/**
 * The commit a fetched oid names, a tag peeled, read through our own object reader:
 * isomorphic-git would load the whole new pack into memory to read one commit of it.
 */
function peel(repo: Repository, oid: string): string {
  const store = new ObjectStore(repo.gitdir);
  for (let i = 0; i < 10; i++) {
    const object = store.read(oid);
    if (object?.type === 'commit') return oid;
    if (object?.type !== 'tag') break;
    const target = /^object ([0-9a-f]{40})$/m.exec(object.content.toString('latin1'));
    if (!target) break;
    oid = target[1] as string;
  }
  throw new TransportError(`its ref does not point to a commit`);
}

/** Longest cause shown: a server's complaint is its own to choose. */
const MAX_CAUSE = 500;

function failure(peer: PeerSource, err: unknown, timeoutMs: number): RemembrancerError {
  const where = `peer "${peer.name}" at ${redactUrl(peer.url)}`;
  if (err instanceof TransportError && err.kind === 'ref-missing') {
    return new RemembrancerError('PEER_REF_MISSING', `${where} has no ref ${peer.ref}`, {
      exitCode: 1,
      fix: `check the peer's branches (git ls-remote URL) and point the peer at one of them with --ref`,
    });
  }
  let cause: string;
  let fix: string = TRANSPORT_FIX.unreachable;
  if (err instanceof MissingObjectError) cause = `its repository lacks ${err.message}`;
  else if (err instanceof TransportError) [cause, fix] = [err.message, err.fix];
  else if (err instanceof NotRegularFileError || err instanceof FileTooLargeError)
    [cause, fix] = [err.message, TRANSPORT_FIX.notRepository];
  else cause = (err as Error).message?.split('\n')[0] ?? String(err);
  if (cause === 'timed out')
    [cause, fix] = [`timed out after ${seconds(timeoutMs)}`, TRANSPORT_FIX.timeout];
  // What a server or git said is shown on one printable line, never raw.
  return new RemembrancerError(
    'PEER_UNREACHABLE',
    scrub(`cannot fetch ${where}: ${printable(cause, MAX_CAUSE)}`, peer.url),
    { exitCode: 1, fix, cause: err },
  );
}

/** Scratch folders of fetches whose process was killed (SIGKILL leaves them behind). */
async function removeStaleScratch(repo: Repository): Promise<void> {
  const names = await readdir(cacheDir(repo)).catch(() => [] as string[]);
  for (const name of names) {
    const m = /^incoming-(\d+)-/.exec(name);
    if (m && !alive(Number(m[1]))) {
      await rm(join(cacheDir(repo), name), { recursive: true, force: true });
    }
  }
}

/** Fetches the peer's ref and everything reachable from it; see FetchResult. */
export async function fetchPeer(
  repo: Repository,
  peer: PeerSource,
  options: FetchOptions = {},
): Promise<FetchResult> {
  const timeoutMs = options.timeoutMs ?? fetchTimeoutMs();
  const trackingRef = peerTrackingRef(peer);
  const address = classifyPeerUrl(peer.url, repo.root);
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), timeoutMs);
  const signal = controller.signal;
  const scratch = join(
    cacheDir(repo),
    `incoming-${process.pid}-${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}`,
  );
  // A sync killed while it held this ref's lock left it; the ref may be up to date since.
  await clearDeadGitLock(join(repo.gitdir, trackingRef) + '.lock');
  const before = await readRef(repo, trackingRef);
  await removeStaleScratch(repo);
  try {
    let oid: string;
    if (address.transport === 'git') {
      await fetchWithGit(repo.gitdir, repo.root, address.url, peer.ref, trackingRef, signal);
      oid = (await readRef(repo, trackingRef)) as string;
    } else {
      await mkdir(scratch, { recursive: true });
      // The pack is written in the scratch folder first, where a time-out or a refusal
      // leaves nothing of it in our store; only moving it in is critical.
      let pack: StagedPack | undefined;
      if (address.transport === 'local') {
        const fetched = await readLocalPeer(repo.gitdir, address.path, peer.ref, signal);
        oid = fetched.oid;
        pack = await writePack(scratch, fetched.objects, signal);
      } else {
        const fetched = await fetchOverHttp(
          repo.gitdir,
          scratch,
          address.url,
          peer.ref,
          trackingRef,
          signal,
        );
        oid = fetched.oid;
        pack = fetched.pack;
      }
      const install = async () => {
        if (!pack) return undefined;
        const created = await movePackIn(repo.gitdir, pack.name, pack.pack, pack.idx);
        return created ? pack.name : undefined;
      };
      signal.throwIfAborted();
      await critical(async () => {
        const pack = await install();
        try {
          if (oid !== before) await writeRefLocked(repo, trackingRef, before, oid);
        } catch (err) {
          if (pack) await removePack(repo.gitdir, pack);
          throw err;
        }
      });
    }
    return {
      commit: peel(repo, oid),
      trackingRef,
      transport: address.transport,
      updated: oid !== before,
    };
  } catch (err) {
    if (err instanceof RemembrancerError) throw err;
    throw failure(peer, signal.aborted ? new TransportError('timed out') : err, timeoutMs);
  } finally {
    clearTimeout(timer);
    await rm(scratch, { recursive: true, force: true });
  }
}

/**
 * What the peer's ref points to, asked through the transport a fetch would use and within
 * the same time-out, fetching nothing (doctor): a peer that fails here fails the sync with
 * the same line.
 */
export async function probePeer(
  repo: Repository,
  peer: PeerSource,
  options: FetchOptions = {},
): Promise<{ oid: string; transport: FetchResult['transport'] }> {
  const timeoutMs = options.timeoutMs ?? fetchTimeoutMs();
  const address = classifyPeerUrl(peer.url, repo.root);
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), timeoutMs);
  const signal = controller.signal;
  try {
    let oid: string;
    if (address.transport === 'local') {
      oid = await resolvePeerRef(localGitdir(address.path), peer.ref);
    } else if (address.transport === 'http') {
      oid = await advertisedRef(address.url, peer.ref, signal);
    } else {
      oid = await lsRemoteWithGit(repo.root, address.url, peer.ref, signal);
    }
    return { oid, transport: address.transport };
  } catch (err) {
    if (err instanceof RemembrancerError) throw err;
    throw failure(peer, signal.aborted ? new TransportError('timed out') : err, timeoutMs);
  } finally {
    clearTimeout(timer);
  }
}
