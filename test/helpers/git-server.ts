/**
 * Real git servers for transport tests, on loopback only.
 * - GitHttpServer: node's http (or https) server running git's own `git http-backend` as a
 *   CGI program over the repositories under a folder, with hostile modes (garbage, HTTP
 *   errors, redirects, a server that never answers or drips forever, a pack cut short or
 *   with a wrong checksum, refs no git would write) and optional basic authentication.
 *   The mode is the server's, or one request's: a URL of `url(repo, mode)` picks it, so
 *   one server can misbehave in every way at once.
 * - GitDaemon: `git daemon` serving the same folder over git://, behind a proxy whose URL
 *   can pick a hostile mode (a daemon that accepts and never answers, one that stalls
 *   after its advertisement, garbage, hostile ref names).
 * - sshStandIn(): a program to use as GIT_SSH_COMMAND that ignores the host and runs the
 *   requested git-upload-pack locally, so ssh:// and host:path URLs work without sshd.
 * - makeCertificates(): a CA, a certificate it signs for 127.0.0.1, one it signs for
 *   another host, and a self-signed one, made by openssl at test time.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import {
  createServer,
  type IncomingMessage,
  type OutgoingHttpHeaders,
  type Server,
  type ServerResponse,
} from 'node:http';
import { createServer as createTlsServer } from 'node:https';
import { createServer as createTcpServer, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { openssl } from './tsa.js';

export const HTTP_BACKEND = '/usr/lib/git-core/git-http-backend';

export type ServerMode =
  /** git http-backend, honestly. */
  | 'git'
  /** Bytes that are no pkt-lines, under the advertisement's content type. */
  | 'garbage'
  /** The real advertisement, labelled text/html (what a login page or a proxy sends). */
  | 'wrong-type'
  | '500'
  | '404'
  /** Accepts the request and never answers. */
  | 'slow'
  /** The real advertisement, then an upload-pack request that is never answered. */
  | 'slow-pack'
  /** The advertisement's first line, then one byte every few milliseconds, forever. */
  | 'drip'
  /** The real advertisement, then a pack response that sends progress forever. */
  | 'drip-pack'
  /** The real pack, cut in its middle (the response itself ends cleanly). */
  | 'truncated-pack'
  /** The real pack with the last byte of its SHA-1 trailer flipped. */
  | 'bad-checksum'
  /** 302 to the same repository on another host name (localhost instead of 127.0.0.1). */
  | 'redirect-away'
  /** 302 to itself, forever. */
  | 'redirect-loop'
  /** The real advertisement with refs git would never write added around ours. */
  | 'hostile-refs'
  /** The real advertisement, its branch a symbolic ref to a name that climbs out of refs/. */
  | 'hostile-symref'
  /** The real advertisement's first ref, then refs without end, as fast as they go. */
  | 'endless-refs';

export interface ServerOptions {
  /** Folder whose repositories are served: http://127.0.0.1:PORT/<name>. */
  root: string;
  mode?: ServerMode;
  auth?: { user: string; password: string };
  /** Serve https with this certificate. */
  tls?: { key: string; cert: string };
}

/** What a web server says to a request it cannot read: the garbage servers' answer. */
export const GARBAGE =
  'HTTP/1.1 400 Bad Request\r\nContent-Type: text/html\r\n\r\n<html>400</html>\n';

/** Ref names an honest server never sends; each is a way to attack a client that trusts them. */
export const HOSTILE_REF_NAMES = [
  '--upload-pack=touch${IFS}pwned',
  'refs/heads/--exec=touch',
  'refs/heads/../../../../../../../../pwned',
  '../../pwned',
  'refs/heads/\u001b[2Jcleared',
  'refs/heads/new\nline',
  'refs/heads/.lock',
];

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

/** One pkt-line holding `data`. */
export function pkt(data: string | Buffer): Buffer {
  const payload = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
  return Buffer.concat([Buffer.from((payload.length + 4).toString(16).padStart(4, '0')), payload]);
}

/** The pkt-lines of `buf`: a payload, or null for a flush (0000) or delimiter. */
function pktLines(buf: Buffer): (Buffer | null)[] {
  const lines: (Buffer | null)[] = [];
  for (let at = 0; at + 4 <= buf.length;) {
    const length = Number.parseInt(buf.subarray(at, at + 4).toString('latin1'), 16);
    if (length < 4) {
      lines.push(null);
      at += 4;
      continue;
    }
    lines.push(buf.subarray(at + 4, at + length));
    at += length;
  }
  return lines;
}

function joinPkts(lines: (Buffer | null)[]): Buffer {
  return Buffer.concat(lines.map((l) => (l === null ? Buffer.from('0000') : pkt(l))));
}

/**
 * A v0 ref advertisement (`oid name\0caps`, `oid name`…, flush) rewritten: `extra` ref
 * lines after the first one, and `caps` changed on the first.
 */
export function rewriteAdvertisement(
  lines: (Buffer | null)[],
  extra: string[],
  caps: (caps: string) => string = (c) => c,
): (Buffer | null)[] {
  const first = lines.findIndex((l) => l !== null && l.includes(0));
  if (first === -1) return lines;
  const line = lines[first] as Buffer;
  const nul = line.indexOf(0);
  const capText = line
    .subarray(nul + 1)
    .toString('latin1')
    .replace(/\n$/, '');
  const rewritten = Buffer.concat([
    line.subarray(0, nul + 1),
    Buffer.from(`${caps(capText)}\n`, 'latin1'),
  ]);
  return [
    ...lines.slice(0, first),
    rewritten,
    ...extra.map((e) => Buffer.from(`${e}\n`, 'utf8')),
    ...lines.slice(first + 1),
  ];
}

/** The oid the first ref line of an advertisement names. */
function firstOid(lines: (Buffer | null)[]): string {
  const line = lines.find((l) => l !== null && l.includes(0));
  return line ? line.subarray(0, 40).toString('latin1') : '0'.repeat(40);
}

/** The positions of every side-band 1 (pack data) payload in an upload-pack result. */
function packPayloads(buf: Buffer): { start: number; end: number }[] {
  const out: { start: number; end: number }[] = [];
  for (let at = 0; at + 4 <= buf.length;) {
    const length = Number.parseInt(buf.subarray(at, at + 4).toString('latin1'), 16);
    if (length < 4) {
      at += 4;
      continue;
    }
    if (buf[at + 4] === 1) out.push({ start: at + 5, end: at + length });
    at += length;
  }
  return out;
}

export class GitHttpServer {
  mode: ServerMode;
  auth: ServerOptions['auth'];
  /** Every request seen, as "METHOD /path?query". */
  readonly requests: string[] = [];
  private server: Server | undefined;
  private port = 0;
  private readonly timers = new Set<NodeJS.Timeout>();

  constructor(private readonly options: ServerOptions) {
    this.mode = options.mode ?? 'git';
    this.auth = options.auth;
  }

  /**
   * The URL of a repository under the root, e.g. url('peer.git'); with `mode`, one that
   * this server answers in that mode whatever its own.
   */
  url(repo: string, mode?: ServerMode, host = '127.0.0.1'): string {
    const scheme = this.options.tls ? 'https' : 'http';
    return `${scheme}://${host}:${this.port}/${mode ? `_/${mode}/` : ''}${repo}`;
  }

  async start(): Promise<this> {
    if (!existsSync(HTTP_BACKEND)) throw new Error(`${HTTP_BACKEND} is missing: install git`);
    const listener = (req: IncomingMessage, res: ServerResponse) => {
      this.handle(req, res).catch((err: Error) => {
        if (!res.headersSent) res.writeHead(500);
        res.end(err.message);
      });
    };
    this.server = this.options.tls
      ? createTlsServer({ key: this.options.tls.key, cert: this.options.tls.cert }, listener)
      : createServer(listener);
    await new Promise<void>((resolve) => this.server?.listen(0, '127.0.0.1', resolve));
    this.port = (this.server.address() as AddressInfo).port;
    return this;
  }

  async stop(): Promise<void> {
    const server = this.server;
    if (!server) return;
    this.server = undefined;
    for (const t of this.timers) clearInterval(t);
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }

  private authorized(req: IncomingMessage): boolean {
    if (!this.auth) return true;
    const expected = Buffer.from(`${this.auth.user}:${this.auth.password}`).toString('base64');
    return req.headers.authorization === `Basic ${expected}`;
  }

  /** Writes `chunk()` every few milliseconds until the client goes away. */
  private drip(res: ServerResponse, chunk: () => Buffer): void {
    const timer = setInterval(() => {
      if (res.destroyed) clearInterval(timer);
      else res.write(chunk());
    }, 20);
    this.timers.add(timer);
    res.on('close', () => {
      clearInterval(timer);
      this.timers.delete(timer);
    });
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    this.requests.push(`${req.method} ${req.url}`);
    const url = new URL(req.url ?? '/', 'http://localhost');
    let mode = this.mode;
    const picked = /^\/_\/([a-z0-9-]+)(\/.*)$/.exec(url.pathname);
    if (picked) {
      mode = picked[1] as ServerMode;
      url.pathname = picked[2] as string;
    }
    const advertising = req.method === 'GET' && url.pathname.endsWith('/info/refs');
    const packing = req.method === 'POST' && url.pathname.endsWith('/git-upload-pack');
    const advertisement = 'application/x-git-upload-pack-advertisement';
    switch (mode) {
      case 'slow':
        return; // keep the connection open and never answer
      case '500':
        res.writeHead(500, { 'content-type': 'text/plain' }).end('internal error');
        return;
      case '404':
        res.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
        return;
      case 'garbage':
        res.writeHead(200, { 'content-type': advertisement }).end(GARBAGE);
        return;
      case 'drip':
        res.writeHead(200, { 'content-type': advertisement });
        res.write(Buffer.concat([pkt('# service=git-upload-pack\n'), Buffer.from('0000')]));
        this.drip(res, () => Buffer.from('0'));
        return;
      case 'redirect-away': {
        const away = new URL(req.url ?? '/', `http://localhost:${this.port}`);
        away.pathname = url.pathname;
        res.writeHead(302, { location: away.toString() }).end();
        return;
      }
      case 'redirect-loop':
        res.writeHead(302, { location: req.url ?? '/' }).end();
        return;
    }
    if (mode === 'slow-pack' && packing) return;
    if (mode === 'drip-pack' && packing) {
      req.resume();
      res.writeHead(200, { 'content-type': 'application/x-git-upload-pack-result' });
      res.write(pkt('NAK\n'));
      this.drip(res, () => pkt(Buffer.from('\u0002Counting objects...\r')));
      return;
    }
    if (!this.authorized(req)) {
      res.writeHead(401, { 'www-authenticate': 'Basic realm="git"' }).end();
      return;
    }
    if (mode === 'endless-refs' && advertising) {
      const real = pktLines((await this.backend(req, url)).body);
      res.writeHead(200, { 'content-type': advertisement });
      // Every real ref, then more without end instead of the flush that ends the list.
      res.write(joinPkts(real.slice(0, real.lastIndexOf(null))));
      const oid = firstOid(real);
      let n = 0;
      const more = () => {
        let ok = true;
        while (ok && !res.destroyed) {
          const batch: Buffer[] = [];
          for (let i = 0; i < 1000; i++) batch.push(pkt(`${oid} refs/heads/flood/${n++}\n`));
          ok = res.write(Buffer.concat(batch));
        }
      };
      res.on('drain', more);
      more();
      return;
    }
    const answer = await this.backend(req, url);
    if (advertising && answer.status === 200) {
      const lines = pktLines(answer.body);
      const oid = firstOid(lines);
      if (mode === 'hostile-refs') {
        answer.body = joinPkts(
          rewriteAdvertisement(
            lines,
            HOSTILE_REF_NAMES.map((name) => `${oid} ${name}`),
          ),
        );
      } else if (mode === 'hostile-symref') {
        const target = 'refs/heads/../../../../../../../../pwned';
        answer.body = joinPkts(
          rewriteAdvertisement(
            lines,
            [`${oid} ${target}`],
            (caps) => `${caps} symref=refs/heads/main:${target}`,
          ),
        );
      } else if (mode === 'wrong-type') {
        answer.headers = answer.headers.map(([n, v]) =>
          n.toLowerCase() === 'content-type' ? [n, 'text/html; charset=utf-8'] : [n, v],
        );
      }
    }
    if (packing && answer.status === 200) {
      const payloads = packPayloads(answer.body);
      const last = payloads[payloads.length - 1];
      if (mode === 'bad-checksum' && last) {
        answer.body = Buffer.from(answer.body);
        answer.body[last.end - 1] = (answer.body[last.end - 1] as number) ^ 0xff;
      } else if (mode === 'truncated-pack' && payloads.length > 0) {
        const total = payloads.reduce((n, p) => n + p.end - p.start, 0);
        // Keep the side band whole, but only half of the pack's bytes, then a flush.
        const kept: Buffer[] = [];
        let budget = Math.floor(total / 2);
        const first = payloads[0] as { start: number };
        kept.push(answer.body.subarray(0, first.start - 5));
        for (const p of payloads) {
          if (budget <= 0) break;
          const take = Math.min(budget, p.end - p.start);
          kept.push(
            pkt(Buffer.concat([Buffer.from([1]), answer.body.subarray(p.start, p.start + take)])),
          );
          budget -= take;
        }
        kept.push(Buffer.from('0000'));
        answer.body = Buffer.concat(kept);
      }
    }
    const headers: OutgoingHttpHeaders = {};
    for (const [name, value] of answer.headers) headers[name] = value;
    headers['content-length'] = String(answer.body.length);
    res.writeHead(answer.status, headers);
    res.end(answer.body);
  }

  /** What git http-backend answers to the request, for the repository path in `url`. */
  private async backend(
    req: IncomingMessage,
    url: URL,
  ): Promise<{ status: number; headers: [string, string][]; body: Buffer }> {
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
    return parseCgi(out);
  }
}

export type DaemonMode =
  /** git daemon, honestly. */
  | 'git'
  /** Accepts the connection, reads the request, never answers. */
  | 'slow'
  /** The daemon's ref advertisement (protocol v0), then nothing: the pack never comes. */
  | 'stall'
  /** Everything up to the pack's first line ("packfile" in v2, "NAK" in v0), then nothing. */
  | 'stall-pack'
  /** Everything up to the pack's first line (v0: "NAK"), then it hangs up. */
  | 'hang-up'
  /** A web server's answer on the git port, then the connection closes. */
  | 'garbage'
  /** The real advertisement (v0) with refs git would never write added around ours. */
  | 'hostile-refs';

/**
 * `git daemon --inetd` for each connection, behind a TCP listener on loopback that reads
 * the request first: `git://127.0.0.1:PORT/_/MODE/repo` picks a hostile mode. Modes that
 * rewrite the advertisement pass the request on without its protocol-v2 parameter, so that
 * the daemon advertises refs as v0 does.
 */
export class GitDaemon {
  private server: ReturnType<typeof createTcpServer> | undefined;
  private port = 0;
  private readonly children = new Set<ChildProcess>();
  private readonly sockets = new Set<Socket>();

  constructor(private readonly root: string) {}

  url(repo: string, mode?: DaemonMode): string {
    return `git://127.0.0.1:${this.port}/${mode ? `_/${mode}/` : ''}${repo}`;
  }

  async start(): Promise<this> {
    this.server = createTcpServer((socket) => this.serve(socket));
    await new Promise<void>((resolve) => this.server?.listen(0, '127.0.0.1', resolve));
    this.port = (this.server.address() as AddressInfo).port;
    return this;
  }

  async stop(): Promise<void> {
    const server = this.server;
    if (!server) return;
    this.server = undefined;
    for (const s of this.sockets) s.destroy();
    for (const c of this.children) c.kill('SIGKILL');
    await new Promise((resolve) => server.close(resolve));
  }

  private serve(socket: Socket): void {
    this.sockets.add(socket);
    socket.on('close', () => this.sockets.delete(socket));
    socket.on('error', () => undefined);
    let request = Buffer.alloc(0);
    const onData = (d: Buffer) => {
      request = Buffer.concat([request, d]);
      if (request.length < 4) return;
      const length = Number.parseInt(request.subarray(0, 4).toString('latin1'), 16);
      if (request.length < length) return;
      socket.off('data', onData);
      socket.pause();
      this.answer(socket, request.subarray(4, length), request.subarray(length));
    };
    socket.on('data', onData);
  }

  private answer(socket: Socket, line: Buffer, rest: Buffer): void {
    // "git-upload-pack /path\0host=HOST\0" and, for protocol v2, "\0version=2\0"
    const [command = '', host = '', ...extra] = line.toString('latin1').split('\0');
    const m = /^git-upload-pack (?:\/_\/([a-z-]+))?(\/.*)$/.exec(command);
    const mode = (m?.[1] ?? 'git') as DaemonMode;
    if (mode === 'slow') return; // the socket stays open, unanswered
    if (mode === 'garbage') {
      socket.end(GARBAGE);
      return;
    }
    const v0 = mode === 'stall' || mode === 'hostile-refs' || mode === 'hang-up';
    const params = v0 ? '' : extra.join('\0');
    const daemon = spawn(
      'git',
      ['daemon', '--inetd', '--export-all', `--base-path=${this.root}`, this.root],
      {
        stdio: ['pipe', 'pipe', 'ignore'],
        env: { PATH: process.env['PATH'], HOME: this.root, GIT_CONFIG_NOSYSTEM: '1' },
      },
    );
    this.children.add(daemon);
    let stalled = false;
    daemon.on('close', () => {
      this.children.delete(daemon);
      // A stalling server keeps the connection open after git daemon is done.
      if (!stalled) socket.end();
    });
    daemon.stdin?.on('error', () => undefined);
    socket.on('close', () => daemon.kill('SIGKILL'));
    daemon.stdin?.write(pkt(`git-upload-pack ${m?.[2] ?? '/'}\0${host}\0${params}`));
    daemon.stdin?.write(rest);
    socket.pipe(daemon.stdin as NodeJS.WritableStream);
    socket.resume();
    // The daemon's answer, one pkt-line at a time (null: a flush or delimiter).
    let flushes = 0;
    let injected = mode !== 'hostile-refs';
    let carry = Buffer.alloc(0);
    daemon.stdout?.on('data', (d: Buffer) => {
      if (stalled) return;
      const buf = Buffer.concat([carry, d]);
      const out: Buffer[] = [];
      let at = 0;
      while (!stalled && at + 4 <= buf.length) {
        const length = Number.parseInt(buf.subarray(at, at + 4).toString('latin1'), 16);
        const size = length < 4 ? 4 : length;
        if (at + size > buf.length) break;
        const raw = buf.subarray(at, at + size);
        at += size;
        out.push(raw);
        const payload = length < 4 ? null : raw.subarray(4);
        if (payload === null) flushes++;
        if (!injected && payload?.includes(0)) {
          const oid = payload.subarray(0, 40).toString('latin1');
          out.push(...HOSTILE_REF_NAMES.map((name) => pkt(`${oid} ${name}\n`)));
          injected = true;
        }
        if (mode === 'stall' && flushes === 1) stalled = true;
        const packing = payload !== null && /^(packfile|NAK)\n?$/.test(payload.toString());
        if ((mode === 'stall-pack' || mode === 'hang-up') && packing) stalled = true;
      }
      carry = buf.subarray(at);
      socket.write(Buffer.concat(out));
      if (stalled && mode === 'hang-up') socket.end();
    });
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

export interface Certificates {
  /** The CA that signs `good` and `wrongHost`: trust it with NODE_EXTRA_CA_CERTS. */
  caFile: string;
  /** Signed by the CA for 127.0.0.1. */
  good: { key: string; cert: string };
  /** Signed by the CA for another host (wrong.example). */
  wrongHost: { key: string; cert: string };
  /** Self-signed for 127.0.0.1: no one trusts it. */
  untrusted: { key: string; cert: string };
}

/** Makes the certificates of Certificates in `dir` with openssl. */
export async function makeCertificates(dir: string): Promise<Certificates> {
  mkdirSync(dir, { recursive: true });
  const key = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes'];
  await openssl(
    [
      'req',
      '-x509',
      ...key,
      '-keyout',
      'ca.key',
      '-out',
      'ca.pem',
      '-days',
      '2',
      '-subj',
      '/CN=Test Peer CA',
      '-addext',
      'basicConstraints=critical,CA:TRUE',
      '-addext',
      'keyUsage=critical,keyCertSign',
    ],
    dir,
  );
  const signed = async (name: string, san: string) => {
    await openssl(
      ['req', ...key, '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', `/CN=${name}`],
      dir,
    );
    writeFileSync(join(dir, `${name}.ext`), `subjectAltName=${san}\n`);
    await openssl(
      [
        'x509',
        '-req',
        '-in',
        `${name}.csr`,
        '-CA',
        'ca.pem',
        '-CAkey',
        'ca.key',
        '-CAcreateserial',
        '-days',
        '2',
        '-extfile',
        `${name}.ext`,
        '-out',
        `${name}.pem`,
      ],
      dir,
    );
  };
  await signed('good', 'IP:127.0.0.1');
  await signed('wrong-host', 'DNS:wrong.example');
  await openssl(
    [
      'req',
      '-x509',
      ...key,
      '-keyout',
      'untrusted.key',
      '-out',
      'untrusted.pem',
      '-days',
      '2',
      '-subj',
      '/CN=127.0.0.1',
      '-addext',
      'subjectAltName=IP:127.0.0.1',
    ],
    dir,
  );
  const read = (name: string) => ({
    key: readFileSync(join(dir, `${name}.key`), 'utf8'),
    cert: readFileSync(join(dir, `${name}.pem`), 'utf8'),
  });
  return {
    caFile: join(dir, 'ca.pem'),
    good: read('good'),
    wrongHost: read('wrong-host'),
    untrusted: read('untrusted'),
  };
}
