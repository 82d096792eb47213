/**
 * The HTTP client isomorphic-git talks through: node's own http/https, every request
 * bound to one AbortSignal so that a fetch's time-out stops its connections at once
 * (the client isomorphic-git ships cannot be aborted). Redirects of GETs are followed,
 * as git does for the initial ref advertisement.
 */
import * as http from 'node:http';
import * as https from 'node:https';
import type { GitHttpRequest, GitHttpResponse, HttpClient } from 'isomorphic-git';
import { TransportError } from './fetch-local.js';
import { bytes, MAX_HTTP_RESPONSE_BYTES } from './limits.js';
import { PackRefusedError, PackScanner, SideBand } from './pack-scan.js';

const MAX_REDIRECTS = 5;

/** A response's body, refused once it passes MAX_HTTP_RESPONSE_BYTES. */
async function* capped(res: http.IncomingMessage): AsyncIterableIterator<Uint8Array> {
  let total = 0;
  for await (const chunk of res) {
    total += (chunk as Buffer).length;
    if (total > MAX_HTTP_RESPONSE_BYTES) {
      res.destroy();
      throw new TransportError(
        `the server sent over ${bytes(MAX_HTTP_RESPONSE_BYTES)} in one response; fetch this peer over ssh or a path on this machine`,
      );
    }
    yield chunk as Buffer;
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
  try {
    for await (const chunk of capped(res)) {
      band.push(chunk as Buffer);
      yield chunk;
    }
    if (band.sawPack && band.complete) scanner.end();
  } catch (err) {
    res.destroy();
    if (err instanceof PackRefusedError) throw new TransportError(err.message);
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

export function abortableHttp(signal: AbortSignal): HttpClient {
  return {
    async request(req: GitHttpRequest): Promise<GitHttpResponse> {
      const method = req.method ?? 'GET';
      const payload = req.body ? await collect(req.body) : undefined;
      let url = req.url;
      for (let hop = 0; ; hop++) {
        const res = await once(url, method, req.headers ?? {}, payload, signal);
        const status = res.statusCode ?? 0;
        const location = res.headers.location;
        if (method === 'GET' && status >= 300 && status < 400 && location && hop < MAX_REDIRECTS) {
          res.resume();
          url = new URL(location, url).toString();
          continue;
        }
        const headers: Record<string, string> = {};
        for (const [name, value] of Object.entries(res.headers)) {
          if (value !== undefined) headers[name] = Array.isArray(value) ? value.join(', ') : value;
        }
        return {
          url,
          method,
          statusCode: status,
          statusMessage: res.statusMessage ?? '',
          headers,
          body:
            method === 'POST' && status === 200 && url.endsWith('/git-upload-pack')
              ? checkedUploadPack(res)
              : capped(res),
        };
      }
    },
  };
}
