/**
 * Real git servers for transport tests, on loopback only.
 * - GitHttpServer: node's http server running git's own `git http-backend` as a CGI
 *   program over the repositories under a folder, with hostile modes (garbage, HTTP 500,
 *   a server that never answers) and optional basic authentication.
 * - sshStandIn(): a program to use as GIT_SSH_COMMAND that ignores the host and runs the
 *   requested git-upload-pack locally, so ssh:// and host:path URLs work without sshd.
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';

export const HTTP_BACKEND = '/usr/lib/git-core/git-http-backend';

export type ServerMode = 'git' | 'garbage' | '500' | 'slow';

export interface ServerOptions {
  /** Folder whose repositories are served: http://127.0.0.1:PORT/<name>. */
  root: string;
  mode?: ServerMode;
  auth?: { user: string; password: string };
}

async function body(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  const raw = Buffer.concat(chunks);
  return req.headers['content-encoding'] === 'gzip' ? gunzipSync(raw) : raw;
}

/** Splits CGI output into its status, headers and body. */
function parseCgi(out: Buffer): { status: number; headers: [string, string][]; body: Buffer } {
  let end = out.indexOf('\r\n\r\n');
  let skip = 4;
  const lf = out.indexOf('\n\n');
  if (end === -1 || (lf !== -1 && lf < end)) [end, skip] = [lf, 2];
  if (end === -1) return { status: 502, headers: [], body: Buffer.alloc(0) };
  let status = 200;
  const headers: [string, string][] = [];
  for (const line of out.subarray(0, end).toString('latin1').split(/\r?\n/)) {
    const colon = line.indexOf(':');
    if (colon === -1) continue;
    const name = line.slice(0, colon).trim();
    const value = line.slice(colon + 1).trim();
    if (name.toLowerCase() === 'status') status = Number.parseInt(value, 10);
    else headers.push([name, value]);
  }
  return { status, headers, body: out.subarray(end + skip) };
}

export class GitHttpServer {
  mode: ServerMode;
  auth: ServerOptions['auth'];
  /** Every request seen, as "METHOD /path?query". */
  readonly requests: string[] = [];
  private server: Server | undefined;
  private port = 0;

  constructor(private readonly options: ServerOptions) {
    this.mode = options.mode ?? 'git';
    this.auth = options.auth;
  }

  /** The URL of a repository under the root, e.g. url('peer.git'). */
  url(repo: string): string {
    return `http://127.0.0.1:${this.port}/${repo}`;
  }

  async start(): Promise<this> {
    if (!existsSync(HTTP_BACKEND)) throw new Error(`${HTTP_BACKEND} is missing: install git`);
    this.server = createServer((req, res) => {
      this.handle(req, res).catch((err: Error) => {
        if (!res.headersSent) res.writeHead(500);
        res.end(err.message);
      });
    });
    await new Promise<void>((resolve) => this.server?.listen(0, '127.0.0.1', resolve));
    this.port = (this.server.address() as AddressInfo).port;
    return this;
  }

  async stop(): Promise<void> {
    const server = this.server;
    if (!server) return;
    this.server = undefined;
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }

  private authorized(req: IncomingMessage): boolean {
    if (!this.auth) return true;
    const expected = Buffer.from(`${this.auth.user}:${this.auth.password}`).toString('base64');
    return req.headers.authorization === `Basic ${expected}`;
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    this.requests.push(`${req.method} ${req.url}`);
    if (this.mode === 'slow') return; // keep the connection open and never answer
    if (this.mode === '500') {
      res.writeHead(500, { 'content-type': 'text/plain' }).end('internal error');
      return;
    }
    if (this.mode === 'garbage') {
      res.writeHead(200, { 'content-type': 'application/octet-stream' }).end(randomBytes(4096));
      return;
    }
    if (!this.authorized(req)) {
      res.writeHead(401, { 'www-authenticate': 'Basic realm="git"' }).end();
      return;
    }
    const url = new URL(req.url ?? '/', 'http://localhost');
    const input = await body(req);
    const env: NodeJS.ProcessEnv = {
      PATH: process.env['PATH'],
      GIT_PROJECT_ROOT: this.options.root,
      GIT_HTTP_EXPORT_ALL: '1',
      GIT_CONFIG_NOSYSTEM: '1',
      HOME: this.options.root,
      PATH_INFO: decodeURIComponent(url.pathname),
      QUERY_STRING: url.search.slice(1),
      REQUEST_METHOD: req.method ?? 'GET',
      CONTENT_TYPE: req.headers['content-type'] ?? '',
      CONTENT_LENGTH: String(input.length),
      REMOTE_ADDR: '127.0.0.1',
      REMOTE_USER: this.auth?.user,
      GIT_PROTOCOL: req.headers['git-protocol'] as string | undefined,
    };
    const out = await new Promise<Buffer>((resolve, reject) => {
      const child = spawn(HTTP_BACKEND, [], { env, stdio: ['pipe', 'pipe', 'pipe'] });
      const chunks: Buffer[] = [];
      child.stdout.on('data', (d: Buffer) => chunks.push(d));
      child.stderr.resume();
      child.on('error', reject);
      child.on('close', () => resolve(Buffer.concat(chunks)));
      child.stdin.on('error', () => undefined); // it may exit before reading everything
      child.stdin.end(input);
    });
    const cgi = parseCgi(out);
    res.writeHead(cgi.status, cgi.headers.flat());
    res.end(cgi.body);
  }
}

/**
 * Writes an executable ssh stand-in into `dir` and returns its path. git runs it as
 * `<it> [options] HOST "git-upload-pack '/path'"`; it runs that command here.
 */
export function sshStandIn(dir: string): string {
  const path = join(dir, 'fake-ssh');
  writeFileSync(
    path,
    [
      '#!/bin/sh',
      '# The remote command is the last argument; the host and ssh options are ignored.',
      'for last; do :; done',
      'case "$last" in',
      '  git-upload-pack*|git-receive-pack*|"git upload-pack"*) exec sh -c "$last" ;;',
      'esac',
      'echo "fake-ssh: unexpected command: $last" >&2',
      'exit 255',
      '',
    ].join('\n'),
  );
  chmodSync(path, 0o755);
  return path;
}
