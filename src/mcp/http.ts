/**
 * Serving over Streamable HTTP, for clients that connect rather than launch. Bound to
 * 127.0.0.1 by default; every request needs the bearer token, and a request from a web page
 * of another origin is refused (a browser sends Origin; a page must not drive the server).
 * Stateless: each POST gets a fresh server and transport, so no session can be hijacked and
 * nothing accumulates.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { RemembrancerError } from '../core/errors.js';
import type { McpContext } from './context.js';
import { createServer as createMcpServer } from './server.js';

export const TOKEN_ENV = 'REMEMBRANCER_MCP_TOKEN';
export const DEFAULT_PORT = 8765;
/** A JSON-RPC request larger than this is not a memory tool call. */
const MAX_BODY_BYTES = 4 * 1024 * 1024;
const LOOPBACK = new Set(['127.0.0.1', 'localhost', '::1']);

export interface HttpOptions {
  host: string;
  port: number;
  env: NodeJS.ProcessEnv;
}

/** The token from the environment, or a new random one (which the caller prints once). */
export function bearerToken(env: NodeJS.ProcessEnv): { token: string; generated: boolean } {
  const given = env[TOKEN_ENV];
  if (given !== undefined && given !== '') {
    if (given.length < 16) {
      throw new RemembrancerError('USAGE', `${TOKEN_ENV} is shorter than 16 characters`, {
        fix: `set ${TOKEN_ENV} to a long random value, e.g. $(openssl rand -hex 32), or unset it to get one generated`,
      });
    }
    return { token: given, generated: false };
  }
  return { token: randomBytes(32).toString('base64url'), generated: true };
}

const digest = (text: string) => createHash('sha256').update(text).digest();

function reply(res: ServerResponse, status: number, message: string, headers = {}): void {
  res.writeHead(status, { 'content-type': 'application/json', ...headers });
  res.end(JSON.stringify({ jsonrpc: '2.0', error: { code: -32000, message }, id: null }));
}

function readBody(req: IncomingMessage): Promise<Buffer | undefined> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) {
        resolve(undefined);
        req.destroy();
      } else chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

/** The hosts a browser could call this server by; an Origin naming any other is foreign. */
function localNames(host: string, port: number): Set<string> {
  const names = LOOPBACK.has(host) ? ['127.0.0.1', 'localhost', '[::1]'] : [host];
  return new Set(names.map((h) => `${h}:${port}`));
}

export async function serveHttp(
  ctx: McpContext,
  options: HttpOptions,
  log: (line: string) => void,
): Promise<void> {
  const { token, generated } = bearerToken(options.env);
  const expected = digest(`Bearer ${token}`);
  let hosts = localNames(options.host, options.port);

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    if (url.pathname !== '/mcp') return reply(res, 404, 'not found: the endpoint is /mcp');
    // DNS rebinding: a page served from evil.example that resolves to 127.0.0.1 sends its
    // own name as Host.
    if (LOOPBACK.has(options.host) && !hosts.has(req.headers.host ?? '')) {
      return reply(res, 403, `forbidden: Host ${req.headers.host ?? '(none)'} is not this server`);
    }
    const origin = req.headers.origin;
    if (origin !== undefined) {
      let originHost: string;
      try {
        const parsed = new URL(origin);
        originHost = parsed.protocol === 'http:' ? parsed.host : '';
      } catch {
        originHost = '';
      }
      if (!hosts.has(originHost)) return reply(res, 403, `forbidden: foreign Origin ${origin}`);
    }
    const auth = req.headers.authorization ?? '';
    if (!timingSafeEqual(digest(auth), expected)) {
      return reply(res, 401, 'unauthorized: send Authorization: Bearer <token>', {
        'www-authenticate': 'Bearer realm="remembrancer"',
      });
    }
    if (req.method !== 'POST') {
      return reply(res, 405, 'method not allowed: this server is stateless; POST only', {
        allow: 'POST',
      });
    }
    const body = await readBody(req);
    if (body === undefined) return reply(res, 413, 'request too large');
    let parsed: unknown;
    try {
      parsed = JSON.parse(body.toString('utf8'));
    } catch {
      res.writeHead(400, { 'content-type': 'application/json' });
      res.end(
        JSON.stringify({
          jsonrpc: '2.0',
          error: { code: -32700, message: 'parse error' },
          id: null,
        }),
      );
      return;
    }
    const server = createMcpServer(ctx, log);
    const transport = new StreamableHTTPServerTransport({
      sessionIdGenerator: undefined,
      enableJsonResponse: true,
    });
    res.on('close', () => {
      void transport.close();
      void server.close();
    });
    await server.connect(transport);
    await transport.handleRequest(req, res, parsed);
  };

  const http = createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      log(err instanceof Error && err.stack ? err.stack : String(err));
      if (!res.headersSent) reply(res, 500, 'internal error');
      else res.end();
    });
  });
  await new Promise<void>((resolve, reject) => {
    http.once('error', (err: NodeJS.ErrnoException) => {
      reject(
        err.code === 'EADDRINUSE'
          ? new RemembrancerError('USAGE', `port ${options.port} is already in use`, {
              fix: 'choose another with --port N (--port 0 picks a free one)',
              exitCode: 1,
            })
          : err,
      );
    });
    http.listen(options.port, options.host, resolve);
  });
  const address = http.address();
  const port = typeof address === 'object' && address ? address.port : options.port;
  hosts = localNames(options.host, port);
  const shown = options.host.includes(':') ? `[${options.host}]` : options.host;
  log(`remembrancer mcp: serving ${ctx.repo.root} at http://${shown}:${port}/mcp`);
  if (!LOOPBACK.has(options.host)) {
    log(`warning: listening on ${options.host}, beyond this machine; only the token guards it`);
  }
  if (generated) {
    log(`bearer token (shown once; set ${TOKEN_ENV} to choose your own): ${token}`);
  }
  await new Promise<void>((resolve) => {
    const stop = () => {
      http.close(() => resolve());
      http.closeAllConnections();
    };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
}
