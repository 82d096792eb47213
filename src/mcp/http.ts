/**
 * Serving over Streamable HTTP, for clients that connect rather than launch. Bound to
 * 127.0.0.1 by default; every request needs the bearer token, and a request from a web page
 * of another origin is refused (a browser sends Origin; a page must not drive the server).
 * Stateless: each POST gets a fresh server and transport, so no session can be hijacked and
 * nothing accumulates.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { RemembrancerError } from '../ground/errors.js';
import type { McpContext } from './context.js';
import { bearerToken, LOOPBACK, requestGuard, TOKEN_ENV } from './http-guard.js';
import { createServer as createMcpServer } from './server.js';

export const DEFAULT_PORT = 8765;
/** A JSON-RPC request larger than this is not a memory tool call. */
const MAX_BODY_BYTES = 4 * 1024 * 1024;
/** How much more of an oversized body is read and dropped before the connection is cut. */
const MAX_DRAIN_BYTES = 64 * 1024 * 1024;
/** A client that takes longer to send its headers, or its whole request, is cut off. */
const HEADERS_TIMEOUT_MS = 10_000;
const REQUEST_TIMEOUT_MS = 30_000;

export interface HttpOptions {
  host: string;
  port: number;
  env: NodeJS.ProcessEnv;
}

function reply(res: ServerResponse, status: number, message: string, headers = {}): void {
  res.writeHead(status, { 'content-type': 'application/json', ...headers });
  res.end(JSON.stringify({ jsonrpc: '2.0', error: { code: -32000, message }, id: null }));
}

/**
 * The body, or undefined once it is over MAX_BODY_BYTES: the rest is then read and
 * dropped (up to MAX_DRAIN_BYTES), so that the client, still sending, hears the 413
 * instead of a reset connection.
 */
function readBody(req: IncomingMessage): Promise<Buffer | undefined> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size <= MAX_BODY_BYTES) chunks.push(chunk);
      else if (chunks.length > 0) {
        chunks.length = 0;
        resolve(undefined);
      }
      if (size > MAX_BODY_BYTES + MAX_DRAIN_BYTES) req.destroy();
    });
    req.on('end', () => resolve(size > MAX_BODY_BYTES ? undefined : Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

/**
 * Over the cap: a JSON-RPC error with HTTP 413, and the connection closed. The answer goes
 * out at once, but while the client is still sending, the connection is closed only when
 * its body has ended (or the drain cap cut it): closing on unread data makes the kernel
 * reset the connection, and the client would lose the answer it was sent.
 */
function tooLarge(req: IncomingMessage, res: ServerResponse): void {
  const text = JSON.stringify({
    jsonrpc: '2.0',
    error: {
      code: -32000,
      message: `request too large: over the ${MAX_BODY_BYTES}-byte limit of a request`,
    },
    id: null,
  });
  res.writeHead(413, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(text),
    connection: 'close',
  });
  // Told not to go on (Expect: 100-continue), or done sending: nothing more is coming.
  const bodyComing = req.headers['expect'] !== '100-continue' && !req.complete && !req.destroyed;
  if (!bodyComing) return void res.end(text);
  res.write(text);
  let ended = false;
  const end = () => {
    if (ended) return;
    ended = true;
    res.end();
  };
  req.once('end', end);
  req.once('close', end);
}

/** Reads and drops a body refused unread, up to MAX_DRAIN_BYTES, so the client hears why. */
function drain(req: IncomingMessage): void {
  let size = 0;
  req.on('data', (chunk: Buffer) => {
    size += chunk.length;
    if (size > MAX_DRAIN_BYTES) req.destroy();
  });
}

/** Whether the request says, before its body, that the body is over the cap. */
function declaredTooLarge(req: IncomingMessage): boolean {
  const length = Number(req.headers['content-length']);
  return Number.isFinite(length) && length > MAX_BODY_BYTES;
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
    if (declaredTooLarge(req)) {
      drain(req);
      return tooLarge(req, res);
    }
    const body = await readBody(req);
    if (body === undefined) return tooLarge(req, res);
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

  const serve = (req: IncomingMessage, res: ServerResponse) => {
    handle(req, res).catch((err: unknown) => {
      log(err instanceof Error && err.stack ? err.stack : String(err));
      if (!res.headersSent) reply(res, 500, 'internal error');
      else res.end();
    });
  };
  const http = createServer(
    { headersTimeout: HEADERS_TIMEOUT_MS, requestTimeout: REQUEST_TIMEOUT_MS },
    serve,
  );
  // A client that asks before sending (Expect: 100-continue, as curl does for a large
  // body) is told to go on only when its body may come: over the cap, it gets its answer
  // (a 413, or whatever the checks before it say) and never sends the body.
  http.on('checkContinue', (req: IncomingMessage, res: ServerResponse) => {
    if (!declaredTooLarge(req)) res.writeContinue();
    serve(req, res);
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
