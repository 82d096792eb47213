/**
 * The HTTP client isomorphic-git talks through: node's own http/https, every request
 * bound to one AbortSignal so that a fetch's time-out stops its connections at once
 * (the client isomorphic-git ships cannot be aborted). What a peer's server answers is
 * judged here before isomorphic-git reads it: a redirect is followed only to the same
 * scheme, host and port, at most MAX_REDIRECTS times, and only for a GET, as git follows
 * the initial ref advertisement's; a success must carry git's smart-HTTP content type;
 * every body is capped (the list of refs, the pack, an error page) and the pack checked
 * as it comes.
 */
import * as http from 'node:http';
import * as https from 'node:https';
import type { GitHttpRequest, GitHttpResponse, HttpClient } from 'isomorphic-git';
import { TRANSPORT_FIX, TransportError } from './fetch-local.js';
import {
  bytes,
  MAX_HTTP_ADVERTISEMENT_BYTES,
  MAX_HTTP_ERROR_BYTES,
  MAX_HTTP_RESPONSE_BYTES,
} from './limits.js';
import { PackRefusedError, PackScanner, SideBand } from './pack-scan.js';
import { redactUrl } from './peer-url.js';

const MAX_REDIRECTS = 5;

/** A response's body, refused once it passes `limit` bytes. */
async function* capped(
  res: http.IncomingMessage,
  limit: number,
  refusal: string,
): AsyncIterableIterator<Uint8Array> {
  let total = 0;
  for await (const chunk of res) {
    total += (chunk as Buffer).length;
    if (total > limit) {
      res.destroy();
      throw new TransportError(refusal);
    }
    yield chunk as Buffer;
  }
}

/**
 * A body read whole before any of it is passed on, refused once it passes `limit`: for the
 * list of refs, whose reader in isomorphic-git is slow, so that a server sending refs
 * without end meets the cap as fast as it sends, not as fast as they are parsed.
 */
async function* whole(
  res: http.IncomingMessage,
  limit: number,
  refusal: string,
): AsyncIterableIterator<Uint8Array> {
  const chunks: Buffer[] = [];
  for await (const chunk of capped(res, limit, refusal)) chunks.push(chunk as Buffer);
  yield* chunks;
}

/**
 * The body, with the first error it ends with kept in `refused`: isomorphic-git reads a
 * list of refs with a reader that takes an error for the end of the stream, so the cause
 * would be lost (and a list cut short read as whole).
 */
async function* kept(
  body: AsyncIterableIterator<Uint8Array>,
  keep: (err: TransportError) => void,
): AsyncIterableIterator<Uint8Array> {
  try {
    yield* body;
  } catch (err) {
    if (err instanceof TransportError) keep(err);
    throw err;
  }
}

/**
 * An upload-pack response passed on as it comes, its pack checked on the way (see
 * pack-scan.ts): a refusal ends the body with an error, which isomorphic-git reports
 * before it indexes anything.
 */
async function* checkedUploadPack(res: http.IncomingMessage): AsyncIterableIterator<Uint8Array> {
  const scanner = new PackScanner();
  const band = new SideBand((data) => scanner.push(data));
  const refusal = `the server sent over ${bytes(MAX_HTTP_RESPONSE_BYTES)} in one response; fetch this peer over ssh or a path on this machine`;
  try {
    for await (const chunk of capped(res, MAX_HTTP_RESPONSE_BYTES, refusal)) {
      band.push(chunk as Buffer);
      yield chunk;
    }
    if (band.sawPack && band.complete) scanner.end();
  } catch (err) {
    res.destroy();
    if (err instanceof PackRefusedError) {
      throw new TransportError(
        err.message,
        'unreachable',
        err.tooLarge ? TRANSPORT_FIX.tooLarge : TRANSPORT_FIX.damaged,
      );
    }
    throw err;
  }
}

async function collect(body: AsyncIterableIterator<Uint8Array> | undefined): Promise<Buffer> {
  const chunks: Buffer[] = [];
  if (body) for await (const chunk of body) chunks.push(Buffer.from(chunk));
  return Buffer.concat(chunks);
}

function once(
  url: string,
  method: string,
  headers: Record<string, string>,
  payload: Buffer | undefined,
  signal: AbortSignal,
): Promise<http.IncomingMessage> {
  const module = url.startsWith('https:') ? https : http;
  return new Promise((resolve, reject) => {
    const request = module.request(
      url,
      {
        method,
        headers: payload ? { ...headers, 'content-length': String(payload.length) } : headers,
        signal,
      },
      resolve,
    );
    request.on('error', reject);
    request.end(payload);
  });
}

/** The media type of a Content-Type header, without its parameters, in lower case. */
function mediaType(header: string | undefined): string {
  return (header ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
}

/** The content type a smart-HTTP git server gives this request's answer, if it is git's. */
function expectedType(method: string, url: string): string | undefined {
  const { pathname, searchParams } = new URL(url);
  if (method === 'GET' && pathname.endsWith('/info/refs')) {
    const service = searchParams.get('service');
    return service ? `application/x-${service}-advertisement` : undefined;
  }
  const service = /\/(git-[a-z-]+)$/.exec(pathname)?.[1];
  return method === 'POST' && service ? `application/x-${service}-result` : undefined;
}

/** isomorphic-git's HTTP client, and the first refusal of what a server sent, if any. */
export interface PeerHttpClient extends HttpClient {
  readonly refused: TransportError | undefined;
}

export function abortableHttp(signal: AbortSignal): PeerHttpClient {
  let refused: TransportError | undefined;
  const keep = (err: TransportError) => {
    refused ??= err;
  };
  const refuse = (...args: ConstructorParameters<typeof TransportError>) => {
    const err = new TransportError(...args);
    keep(err);
    return err;
  };
  return {
    get refused() {
      return refused;
    },
    async request(req: GitHttpRequest): Promise<GitHttpResponse> {
      const method = req.method ?? 'GET';
      const payload = req.body ? await collect(req.body) : undefined;
      let url = req.url;
      for (let hop = 0; ; hop++) {
        const res = await once(url, method, req.headers ?? {}, payload, signal);
        const status = res.statusCode ?? 0;
        const location = res.headers.location;
        if (method === 'GET' && status >= 300 && status < 400 && location) {
          res.resume();
          const next = new URL(location, url);
          // Another host would get the credentials and speak for the peer peers.json names.
          if (next.origin !== new URL(url).origin) {
            throw refuse(
              `the server redirected to ${redactUrl(next.toString())}, another host, which is refused`,
              'unreachable',
              TRANSPORT_FIX.moved,
            );
          }
          if (hop >= MAX_REDIRECTS) {
            throw refuse(`the server redirected more than ${MAX_REDIRECTS} times`);
          }
          url = next.toString();
          continue;
        }
        const expected = status === 200 ? expectedType(method, url) : undefined;
        const type = mediaType(res.headers['content-type']);
        if (expected && type !== expected) {
          res.destroy();
          throw refuse(
            `the server answered ${type || 'with no content type'} where a git server answers ${expected}`,
            'unreachable',
            TRANSPORT_FIX.notGit,
          );
        }
        const headers: Record<string, string> = {};
        for (const [name, value] of Object.entries(res.headers)) {
          if (value !== undefined) headers[name] = Array.isArray(value) ? value.join(', ') : value;
        }
        let body: AsyncIterableIterator<Uint8Array>;
        if (status !== 200) {
          body = capped(res, MAX_HTTP_ERROR_BYTES, `the server's HTTP ${status} page is too long`);
        } else if (method === 'POST' && url.endsWith('/git-upload-pack')) {
          body = checkedUploadPack(res);
        } else {
          const mib = Math.round(MAX_HTTP_ADVERTISEMENT_BYTES / (1024 * 1024));
          body = whole(
            res,
            MAX_HTTP_ADVERTISEMENT_BYTES,
            `the server's list of refs is over ${mib} MiB; fetch this peer over ssh or a path on this machine`,
          );
        }
        return {
          url,
          method,
          statusCode: status,
          statusMessage: res.statusMessage ?? '',
          headers,
          body: kept(body, keep),
        };
      }
    },
  };
}
