/**
 * A client of `mcp --http` that sends too much, too slowly or nonsense: a body over the
 * 4 MiB cap (declared, undeclared and chunked, sent whole or announced with Expect:
 * 100-continue) gets HTTP 413 with a JSON-RPC error and a cleanly closed connection, never a
 * reset; a client that hangs half-way through its headers or its body does not stop the
 * server answering others; bytes that are not JSON get -32700. Real HTTP clients (node's
 * own, speaking raw sockets where a library would tidy things up) against the real server,
 * and the repository is left as it was.
 */
import { connect, type Socket } from 'node:net';
import { request } from 'node:http';
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Sandbox, sandboxTracker } from '../helpers/cli.js';
import { call, connectHttp, startHttp, type HttpServer } from '../helpers/mcp.js';

const track = sandboxTracker();
const CAP = 4 * 1024 * 1024;
const TOO_LARGE = {
  jsonrpc: '2.0',
  error: { code: -32000, message: `request too large: over the ${CAP}-byte limit of a request` },
  id: null,
};

let s: Sandbox;
let server: HttpServer;
let before: string;

beforeAll(async () => {
  s = track(new Sandbox());
  await s.initSigned();
  await s.ok(['record', 'decision', 'Keep requests small']);
  before = await s.state();
  server = await startHttp(s);
});
afterAll(async () => server?.stop());

interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/**
 * POSTs `size` bytes of a JSON-looking body in chunks; resolves with the answer, which must
 * come however much of the body the server chose to read.
 */
function post(size: number, headers: Record<string, string> = {}, declare = true): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request(server.url, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${server.token}`,
        'content-type': 'application/json',
        accept: 'application/json, text/event-stream',
        ...(declare ? { 'content-length': String(size) } : {}),
        ...headers,
      },
    });
    req.on('response', (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
      res.on('error', reject);
    });
    req.on('error', reject);
    const chunk = Buffer.alloc(64 * 1024, 0x20);
    let sent = 0;
    const pump = () => {
      while (sent < size) {
        const n = Math.min(chunk.length, size - sent);
        sent += n;
        if (!req.write(chunk.subarray(0, n))) return void req.once('drain', pump);
      }
      req.end();
    };
    if (headers['expect'] === '100-continue') req.once('continue', pump);
    else pump();
  });
}

/** A raw connection that has sent `text` and then waits, sending nothing more. */
function hang(text: string): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = connect(Number(server.url.port), server.url.hostname, () => {
      socket.write(text, () => resolve(socket));
    });
    socket.on('error', reject);
  });
}

async function stillServing(): Promise<void> {
  const client = await connectHttp(server.url, { Authorization: `Bearer ${server.token}` });
  try {
    expect(await call(client, 'health')).toMatchObject({ ok: true });
  } finally {
    await client.close();
  }
}

describe('a body over the cap', () => {
  it.each([
    ['declared in Content-Length', {}, true],
    ['sent chunked, with no length', {}, false],
    ['announced with Expect: 100-continue', { expect: '100-continue' }, true],
  ] as const)(
    '%s: HTTP 413, a JSON-RPC error, the connection closed',
    async (_, headers, declare) => {
      const answer = await post(CAP + 4 * 1024 * 1024, headers, declare);
      expect(answer.status).toBe(413);
      expect(answer.headers['content-type']).toBe('application/json');
      expect(answer.headers['connection']).toBe('close');
      expect(JSON.parse(answer.body)).toEqual(TOO_LARGE);
      await stillServing();
      expect(await s.state()).toBe(before);
    },
  );

  it('a body of exactly the cap is read and judged (here: not JSON-RPC, -32700)', async () => {
    const answer = await post(CAP);
    expect(answer.status).toBe(400);
    expect(JSON.parse(answer.body)).toMatchObject({ error: { code: -32700 } });
  });

  it('without the token, a large body is refused with 401, not read', async () => {
    const answer = await post(CAP + 1, { authorization: 'Bearer wrong' });
    expect(answer.status).toBe(401);
    await stillServing();
  });
});

describe('clients that hang or send nonsense', () => {
  it('one stuck in its headers and one stuck in its body do not stop others being answered', async () => {
    const host = `${server.url.hostname}:${server.url.port}`;
    const headers = await hang(`POST /mcp HTTP/1.1\r\nHost: ${host}\r\nAuthorization: Bear`);
    const body = await hang(
      `POST /mcp HTTP/1.1\r\nHost: ${host}\r\nAuthorization: Bearer ${server.token}\r\n` +
        `Content-Type: application/json\r\nContent-Length: 1000\r\n\r\n{"jsonrpc":`,
    );
    try {
      await stillServing();
      await stillServing();
    } finally {
      headers.destroy();
      body.destroy();
    }
    expect(await s.state()).toBe(before);
  });

  it('random bytes, an empty body and JSON that is not JSON-RPC are errors, not crashes', async () => {
    const send = (body: Buffer | string) =>
      fetch(server.url, {
        method: 'POST',
        headers: {
          authorization: `Bearer ${server.token}`,
          'content-type': 'application/json',
          accept: 'application/json, text/event-stream',
        },
        body,
      });
    const garbage = await send(randomBytes(4096));
    expect(garbage.status).toBe(400);
    expect(await garbage.json()).toMatchObject({ error: { code: -32700 } });
    const empty = await send('');
    expect(empty.status).toBe(400);
    expect(await empty.json()).toMatchObject({ error: { code: -32700 } });
    const strange = await send('{"hello": "world"}');
    expect(strange.status).toBe(400);
    expect(await strange.json()).toMatchObject({ jsonrpc: '2.0', error: { code: -32700 } });
    await stillServing();
    expect(await s.state()).toBe(before);
  });
});
