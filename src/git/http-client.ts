/**
 * The HTTP client isomorphic-git talks through: node's own http/https, every request
 * bound to one AbortSignal so that a fetch's time-out stops its connections at once
 * (the client isomorphic-git ships cannot be aborted). Redirects of GETs are followed,
 * as git does for the initial ref advertisement.
 */
import * as http from 'node:http';
import * as https from 'node:https';
import type { GitHttpRequest, GitHttpResponse, HttpClient } from 'isomorphic-git';

const MAX_REDIRECTS = 5;

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
          body: res[Symbol.asyncIterator]() as AsyncIterableIterator<Uint8Array>,
        };
      }
    },
  };
}
