/**
 * src/crypto/rfc3161.ts against a real local TSA (`openssl ts -reply`): the request it
 * builds, how it reads a response (status, nonce, imprint) and how it verifies a token
 * (imprint, CMS signature, chain, timeStamping usage, ESSCertID), with openssl as the
 * independent judge of what is valid.
 */
import { createHash, randomBytes } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import {
  buildTimestampRequest,
  loadPkijs,
  parseCertificates,
  readTimestampResponse,
  requestTimestamp,
  verifyToken,
} from '../../src/crypto/rfc3161.js';
import {
  AuthorityPool,
  LocalTsa,
  openssl,
  opensslVerifyToken,
  type Authority,
} from '../helpers/tsa.js';

const authorities = new AuthorityPool();

// Lets a test choose the random bytes the next nonce is made of; every other use of
// randomBytes (and the rest of node:crypto) is the real one.
const forced = vi.hoisted(() => ({ nonce: undefined as Buffer | undefined }));
vi.mock('node:crypto', async (importOriginal) => {
  const real = await importOriginal<typeof import('node:crypto')>();
  return {
    ...real,
    randomBytes: (size: number) => {
      const wanted = forced.nonce;
      if (wanted && size === wanted.length) {
        forced.nonce = undefined;
        return Buffer.from(wanted);
      }
      return real.randomBytes(size);
    },
  };
});

let authority: Authority;
let legacy: Authority;
let stranger: Authority;
const servers: LocalTsa[] = [];
let tsa: LocalTsa;

async function serve(by: Authority, mode: LocalTsa['mode'] = 'ok'): Promise<LocalTsa> {
  const server = new LocalTsa(by);
  server.mode = mode;
  servers.push(server);
  await server.start();
  return server;
}

async function post(url: string, der: Uint8Array): Promise<Uint8Array> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/timestamp-query' },
    body: der,
  });
  return new Uint8Array(await response.arrayBuffer());
}

function sha256(data: Uint8Array): Buffer {
  return createHash('sha256').update(data).digest();
}

async function roots(...of: Authority[]) {
  return (await Promise.all(of.map((a) => parseCertificates(readFileSync(a.caCert))))).flat();
}

beforeAll(async () => {
  [authority, legacy, stranger] = await Promise.all([
    authorities.make('Unit'),
    authorities.make('UnitLegacy', { ess: 'sha1' }),
    authorities.make('UnitStranger'),
  ]);
  tsa = await serve(authority);
});

afterAll(async () => {
  authorities.removeAll();
  await Promise.all(servers.map((s) => s.stop()));
});

describe('buildTimestampRequest', () => {
  it('asks for a SHA-256 imprint of the digest, with a nonce and certReq (as openssl reads it)', async () => {
    const digest = sha256(randomBytes(32));
    const request = await buildTimestampRequest(digest);
    const file = join(authority.dir, `req-${digest.toString('hex').slice(0, 8)}.tsq`);
    writeFileSync(file, request.der);
    const text = (await openssl(['ts', '-query', '-in', file, '-text'], authority.dir)).toString();
    expect(text).toMatch(/Hash Algorithm: sha256/);
    const dump = text.split('Message data:')[1]?.split('Policy OID')[0] ?? '';
    const imprint = [...dump.matchAll(/^\s+[0-9a-f]{4} - ((?:[0-9a-f]{2}[ -]){15}[0-9a-f]{2})/gm)]
      .map((m) => (m[1] as string).replace(/[ -]/g, ''))
      .join('');
    expect(imprint).toBe(digest.toString('hex'));
    expect(text).toMatch(/Certificate required: yes/);
    const nonce = /Nonce: (0x[0-9A-Fa-f]+)/.exec(text)?.[1];
    expect(nonce && BigInt(nonce)).toBe(BigInt(`0x${request.nonce}`));
  });

  it('two requests carry different nonces', async () => {
    const digest = sha256(randomBytes(32));
    const [a, b] = await Promise.all([
      buildTimestampRequest(digest),
      buildTimestampRequest(digest),
    ]);
    expect(a.nonce).not.toBe(b.nonce);
  });
});

describe('requestTimestamp and readTimestampResponse', () => {
  it('gets a token that openssl ts -verify accepts, over the SHA-256 of the data', async () => {
    const data = randomBytes(64);
    const token = await requestTimestamp(tsa.url, sha256(data));
    expect(await opensslVerifyToken(Buffer.from(token), data, authority)).toMatch(
      /Verification: OK/,
    );
    const verified = await verifyToken(token, data, await roots(authority));
    expect(verified.imprint).toBe(sha256(data).toString('hex'));
    expect(verified.imprintAlgorithm).toBe('sha256');
    expect(verified.tsa).toBe('Unit TSA');
    expect(Math.abs(verified.genTime.getTime() - Date.now())).toBeLessThan(60_000);
    expect(verified.chain.length).toBeGreaterThanOrEqual(2);
  });

  it('sends a POST with content type application/timestamp-query', async () => {
    let seen: { method?: string; headers?: IncomingHttpHeaders } = {};
    const server = createServer((req, res) => {
      seen = { method: req.method, headers: req.headers };
      req.resume();
      req.on('end', () => {
        res.writeHead(503);
        res.end();
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/tsr`;
    try {
      await expect(requestTimestamp(url, sha256(randomBytes(8)))).rejects.toThrow(
        `the TSA at ${url} answered HTTP 503`,
      );
    } finally {
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
    expect(seen.method).toBe('POST');
    expect(seen.headers?.['content-type']).toBe('application/timestamp-query');
  });

  it('rejects a response to another request (its nonce is not ours)', async () => {
    const digest = sha256(randomBytes(32));
    const ours = await buildTimestampRequest(digest);
    const body = await post(tsa.url, ours.der);
    const other = await buildTimestampRequest(digest);
    await expect(readTimestampResponse(body, other, digest)).rejects.toThrow(/nonce/);
    // The same response read against the request it answers is fine.
    await expect(readTimestampResponse(body, ours, digest)).resolves.toBeInstanceOf(Uint8Array);
  });

  it('rejects a token over another digest than the one asked for', async () => {
    const digest = sha256(randomBytes(32));
    const request = await buildTimestampRequest(digest);
    const body = await post(tsa.url, request.der);
    await expect(readTimestampResponse(body, request, sha256(randomBytes(32)))).rejects.toThrow(
      /over other data than we asked for/,
    );
  });

  it('rejects something that is not a time-stamp response, and a refusal', async () => {
    const digest = sha256(randomBytes(32));
    const request = await buildTimestampRequest(digest);
    await expect(
      readTimestampResponse(Buffer.from('<html>gateway</html>'), request, digest),
    ).rejects.toThrow(/not a time-stamp response/);
    const refusing = await serve(authority, 'rejection');
    const body = await post(refusing.url, request.der);
    await expect(readTimestampResponse(body, request, digest)).rejects.toThrow(
      /the TSA refused: rejection/,
    );
  });

  it('works whatever random bytes the nonce is drawn from (a leading zero byte included)', async () => {
    // 0x80 becomes 0x00 once the sign bit is cleared: the nonce must still be a valid
    // DER INTEGER, or a TSA refuses the request (about 1 request in 256).
    forced.nonce = Buffer.from([0x80, 0x12, 0x34, 0x56, 0x78, 0x9a, 0xbc, 0xde]);
    const data = randomBytes(16);
    const token = await requestTimestamp(tsa.url, sha256(data));
    expect(forced.nonce).toBeUndefined(); // the forced bytes were used
    await expect(verifyToken(token, data, await roots(authority))).resolves.toMatchObject({
      tsa: 'Unit TSA',
    });
  });
});

describe('verifyToken', () => {
  let data: Buffer;
  let token: Uint8Array;

  beforeAll(async () => {
    data = randomBytes(48);
    token = await requestTimestamp(tsa.url, sha256(data));
  });

  it('accepts a token from an ESSCertID v1 (SHA-1) authority', async () => {
    const legacyTsa = await serve(legacy);
    const legacyToken = await requestTimestamp(legacyTsa.url, sha256(data));
    await expect(verifyToken(legacyToken, data, await roots(legacy))).resolves.toMatchObject({
      tsa: 'UnitLegacy TSA',
    });
  });

  it('rejects a token for other data', async () => {
    await expect(verifyToken(token, randomBytes(48), await roots(authority))).rejects.toThrow(
      /token is over other data/,
    );
  });

  it('rejects when no TSA root is trusted, or only one that did not issue the TSA', async () => {
    await expect(verifyToken(token, data, [])).rejects.toThrow(/no TSA root is trusted/);
    await expect(verifyToken(token, data, await roots(stranger))).rejects.toThrow(
      /does not chain to a trusted TSA root/,
    );
    await expect(verifyToken(token, data, await roots(stranger, authority))).resolves.toMatchObject(
      { tsa: 'Unit TSA' },
    );
  });

  it('rejects a token whose CMS signature was altered', async () => {
    const { pkijs } = await loadPkijs();
    const content = pkijs.ContentInfo.fromBER(new Uint8Array(token).slice().buffer);
    const signed = new pkijs.SignedData({ schema: content.content });
    const signature = Buffer.from(
      signed.signerInfos[0]?.signature.valueBlock.valueHexView as Uint8Array,
    );
    const bytes = Buffer.from(token);
    const at = bytes.indexOf(signature) + 8;
    bytes[at] = (bytes[at] as number) ^ 0x40;
    await expect(verifyToken(bytes, data, await roots(authority))).rejects.toThrow(
      /token signature does not verify/,
    );
  });

  it('rejects bytes that are not a TimeStampToken', async () => {
    await expect(
      verifyToken(Buffer.from('not a token'), data, await roots(authority)),
    ).rejects.toThrow(/not an RFC 3161 TimeStampToken/);
  });
});
