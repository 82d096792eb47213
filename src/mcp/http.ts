/**
 * Serving over Streamable HTTP, for clients that connect rather than launch. Bound to
 * 127.0.0.1 by default; every request needs the bearer token, and a request from a web page
 * of another origin is refused (a browser sends Origin; a page must not drive the server).
 * Stateless: each POST gets a fresh server and transport, so no session can be hijacked and
 * nothing accumulates.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { RemembrancerError } from '../core/errors.js';
import type { McpContext } from './context.js';
import { bearerToken, LOOPBACK, requestGuard, TOKEN_ENV } from './http-guard.js';
import { createServer as createMcpServer } from './server.js';

export const DEFAULT_PORT = 8765;
/** A JSON-RPC request larger than this is not a memory tool call. */
const MAX_BODY_BYTES = 4 * 1024 * 1024;

export interface HttpOptions {
  host: string;
  port: number;
  env: NodeJS.ProcessEnv;
}

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

export async function serveHttp(
  ctx: McpContext,
  options: HttpOptions,
  log: (line: string) => void,
): Promise<void> {
  const { token, generated } = bearerToken(options.env);
  let guard = requestGuard(options.host, options.port, token);

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    if (url.pathname !== '/mcp') return reply(res, 404, 'not found: the endpoint is /mcp');
    const refusal = guard(req.headers);
    if (refusal) return reply(res, refusal.status, refusal.message, refusal.headers);
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
  guard = requestGuard(options.host, port, token);
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
