/**
 * Fetching over git's smart HTTP protocol with isomorphic-git, in quarantine: everything
 * isomorphic-git writes under our git directory (the pack, its index, the remote-tracking
 * refs it insists on) is redirected into a scratch folder. The pack is checked there for
 * completeness and only then moved into our store by the caller.
 */
import { readdir, writeFile } from 'node:fs/promises';
import type { PathLike } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { abortableHttp } from './http-client.js';
import { fs, isogit } from './isogit.js';
import { ObjectStore } from './object-store.js';
import { missingObjects, type ReadRaw } from './object-walk.js';
import { TRANSPORT_FIX, TransportError } from './fetch-local.js';
import type { StagedPack } from './pack-writer.js';

const REMOTE = 'remembrancer-peer';

/**
 * node's fs, with every change under `gitdir` landing in `scratch` instead, and files
 * in `scratch` read in preference to ours: the config there names the remote whose
 * tracking refs isomorphic-git insists on writing.
 */
async function quarantineFs(gitdir: string, scratch: string): Promise<typeof fs> {
  const to = (path: PathLike): string => {
    const p = String(path);
    return p === gitdir || p.startsWith(gitdir + sep) ? join(scratch, relative(gitdir, p)) : p;
  };
  await writeFile(
    join(scratch, 'config'),
    `[core]\n\trepositoryformatversion = 0\n[remote "${REMOTE}"]\n\tfetch = +refs/*:refs/remotes/${REMOTE}/*\n`,
  );
  const p = fs.promises;
  const readFile = (async (path: PathLike, options?: never) => {
    const mine = to(path);
    if (mine !== String(path) && fs.existsSync(mine)) return p.readFile(mine, options);
    return p.readFile(path, options);
  }) as typeof p.readFile;
  return {
    ...fs,
    promises: {
      ...p,
      readFile,
      writeFile: (path: PathLike, ...rest: [never, never?]) => p.writeFile(to(path), ...rest),
      mkdir: (path: PathLike, options?: never) => p.mkdir(to(path), options),
      rm: (path: PathLike, options?: never) => p.rm(to(path), options),
      rmdir: (path: PathLike, options?: never) => p.rmdir(to(path), options),
      unlink: (path: PathLike) => p.unlink(to(path)),
      rename: (from: PathLike, target: PathLike) => p.rename(to(from), to(target)),
      symlink: (target: PathLike, path: PathLike, type?: never) =>
        p.symlink(target, to(path), type),
      chmod: (path: PathLike, mode: never) => p.chmod(to(path), mode),
    },
  } as typeof fs;
}

export interface HttpFetch {
  /** What the peer's ref points to. */
  oid: string;
  /** The pack and index written in the scratch folder, if any objects came. */
  pack?: StagedPack;
}

/** node's codes for a TLS certificate it cannot trust. */
const UNTRUSTED_CERTIFICATE = new Set([
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'CERT_UNTRUSTED',
  'CERT_SIGNATURE_FAILURE',
  'CERT_REVOKED',
]);

/** The cause of a failed HTTP fetch, as one line with what to do about it. */
function describe(err: unknown, ref: string): TransportError {
  // Our HTTP client's own refusals (redirects, content types, caps, the pack) say it all.
  if (err instanceof TransportError) return err;
  const e = err as {
    code?: string;
    name?: string;
    message?: string;
    host?: string;
    data?: Record<string, unknown>;
  };
  if (e.name === 'AbortError' || e.code === 'ABORT_ERR') return new TransportError('timed out');
  if (e.code && UNTRUSTED_CERTIFICATE.has(e.code)) {
    return new TransportError(
      `its TLS certificate is not trusted here (${e.message ?? e.code})`,
      'unreachable',
      TRANSPORT_FIX.tls,
    );
  }
  switch (e.code) {
    case 'ERR_TLS_CERT_ALTNAME_INVALID':
      return new TransportError(
        `its TLS certificate is not for ${e.host ?? 'this host'}`,
        'unreachable',
        TRANSPORT_FIX.tls,
      );
    case 'CERT_HAS_EXPIRED':
    case 'CERT_NOT_YET_VALID':
      return new TransportError(
        `its TLS certificate is not valid now (${e.message ?? e.code})`,
        'unreachable',
        TRANSPORT_FIX.tls,
      );
    case 'ECONNREFUSED':
      return new TransportError('connection refused');
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return new TransportError('unknown host');
    case 'ECONNRESET':
      return new TransportError('connection reset');
    case 'EHOSTUNREACH':
    case 'ENETUNREACH':
      return new TransportError('host unreachable');
    case 'ETIMEDOUT':
      return new TransportError('timed out');
    case 'HttpError': {
      const status = e.data?.['statusCode'];
      if (status === 401 || status === 403) {
        return new TransportError(`HTTP ${String(status)}: authentication failed or required`);
      }
      if (status === 404) {
        return new TransportError(
          'HTTP 404: no git repository at that URL',
          'unreachable',
          TRANSPORT_FIX.notGit,
        );
      }
      return new TransportError(
        `HTTP ${String(status)} ${String(e.data?.['statusMessage'] ?? '')}`.trim(),
      );
    }
    case 'NotFoundError':
      return new TransportError('', 'ref-missing');
    case 'InvalidRefNameError': {
      // Only the link (symref) the server gave our ref can be refused here: the ref itself is
      // ours, and was checked. Shown as the server named it, not as the tracking ref.
      const written = String(e.data?.['ref'] ?? '');
      const named = written.replace(`refs/remotes/${REMOTE}/`, 'refs/');
      return new TransportError(
        `the server advertised ${ref} as a link to an invalid ref name: ${named}`,
        'unreachable',
        TRANSPORT_FIX.notGit,
      );
    }
    case 'SmartHttpError':
    case 'ParseError':
    case 'EmptyServerResponseError':
    case 'InternalError':
    case 'UnknownTransportError':
      return new TransportError(
        'the server did not answer as a git server',
        'unreachable',
        TRANSPORT_FIX.notGit,
      );
  }
  const first = (e.message ?? String(err)).split('\n')[0];
  return new TransportError(first ?? 'unknown error');
}

/** What the server says `ref` points to, read from its list of refs alone (doctor). */
export async function advertisedRef(
  url: string,
  ref: string,
  signal: AbortSignal,
): Promise<string> {
  const git = await isogit();
  const http = abortableHttp(signal);
  let refs;
  try {
    refs = await git.listServerRefs({ http, url, protocolVersion: 1 });
  } catch (err) {
    throw signal.aborted ? new TransportError('timed out') : describe(http.refused ?? err, ref);
  }
  if (http.refused) throw http.refused;
  // A list cut short by the time-out is not the server's answer.
  if (signal.aborted) throw new TransportError('timed out');
  const found = refs.find((r) => r.ref === ref);
  if (!found) throw new TransportError(`it has no ref ${ref}`, 'ref-missing');
  return found.oid;
}

export async function fetchOverHttp(
  gitdir: string,
  scratch: string,
  url: string,
  ref: string,
  trackingRef: string,
  signal: AbortSignal,
): Promise<HttpFetch> {
  const git = await isogit();
  const http = abortableHttp(signal);
  let result;
  try {
    result = await git.fetch({
      fs: await quarantineFs(gitdir, scratch),
      http,
      gitdir,
      url,
      // Our tracking ref is the "have" of the negotiation: only newer objects are sent.
      ref: trackingRef,
      remoteRef: ref,
      remote: REMOTE,
      singleBranch: true,
      tags: false,
      cache: {},
    });
  } catch (err) {
    throw signal.aborted ? new TransportError('timed out') : describe(http.refused ?? err, ref);
  }
  // A refusal isomorphic-git read as the end of the list of refs still stops the fetch.
  if (http.refused) throw http.refused;
  if (!result.fetchHead) throw new TransportError(`it has no ref ${ref}`, 'ref-missing');
  const oid = result.fetchHead;
  const packDir = join(scratch, 'objects', 'pack');
  const names = await readdir(packDir).catch(() => [] as string[]);
  const packFile = names.find((n) => n.endsWith('.pack'));
  const ours = new ObjectStore(gitdir);
  const fetched = new ObjectStore(scratch);
  // Completeness: every object reachable from the fetched commit is ours or in the pack.
  const read: ReadRaw = (o) => {
    signal.throwIfAborted();
    const object = fetched.read(o);
    if (!object) throw new Error(`${o} is not in the pack`);
    return object;
  };
  await missingObjects(
    oid,
    'commit',
    (o) => ours.has(o),
    read,
    (o) => fetched.header(o)?.type,
  );
  if (!packFile) return { oid };
  const name = packFile.slice(0, -'.pack'.length);
  return {
    oid,
    pack: { pack: join(packDir, packFile), idx: join(packDir, `${name}.idx`), name },
  };
}
