/**
 * RFC 3161 timestamps end to end (DESIGN.md §2, covenant rule 3 "Time"): the real CLI asks
 * a real local TSA (`openssl ts -reply` behind an HTTP server on loopback), stores the
 * token beside the signature it vouches for, and the covenant rejects every token that
 * does not prove what it claims, saying why.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { createServer as createHttpServer } from 'node:http';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CovenantReport, Finding } from '../../src/policy/covenant.js';
import { serializeEnvelope, type Envelope } from '../../src/memory/envelope.js';
import { buildDecision } from '../../src/memory/memory-types.js';
import { signMemory } from '../../src/record/record.js';
import { tsaNameFromUrl } from '../../src/proof/timestamp.js';
import { loadPkijs, parseCertificates, signatureBytes } from '../../src/crypto/rfc3161.js';
import { loadKeyFileSigner } from '../../src/crypto/signer.js';
import { memoryFiles, Sandbox, type RunResult } from '../helpers/cli.js';
import {
  AuthorityPool,
  LocalTsa,
  openssl,
  opensslVerifyToken,
  type Authority,
} from '../helpers/tsa.js';

const authorities = new AuthorityPool();

interface Recorded {
  id: string;
  path: string;
  commit: string | null;
  warnings: string[];
}

interface GeneratedKey {
  fingerprint: string;
  privateKey: string;
  publicKey: string;
}

const OID_SIGNING_CERTIFICATE = Buffer.from('060b2a864886f70d010910020c', 'hex'); // ESSCertID
const OID_SIGNING_CERTIFICATE_V2 = Buffer.from('060b2a864886f70d010910022f', 'hex'); // ESSCertIDv2
const TSTINFO_OID = '1.2.840.113549.1.9.16.1.4';

const sandboxes: Sandbox[] = [];
const servers: LocalTsa[] = [];

function sandbox(): Sandbox {
  const s = new Sandbox();
  sandboxes.push(s);
  return s;
}

async function serve(authority: Authority, mode: LocalTsa['mode'] = 'ok'): Promise<LocalTsa> {
  const tsa = new LocalTsa(authority);
  tsa.mode = mode;
  servers.push(tsa);
  await tsa.start();
  return tsa;
}

/** A loopback URL where nothing listens: a port that was just open and is now closed. */
async function closedUrl(): Promise<string> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return `http://127.0.0.1:${port}/tsr`;
}

function said(r: RunResult): string {
  return `exit ${r.code}\nstdout:\n${r.stdout}\nstderr:\n${r.stderr}`;
}

/** git init, `init`, and a trusted signing key whose files the test can use. */
async function initRepo(s: Sandbox): Promise<GeneratedKey> {
  await s.gitInit();
  await s.ok(['init', '--policy', 'strict', '--name', 'test-node']);
  return s.json<GeneratedKey>([
    'key',
    'generate',
    '--name',
    'Test Signer',
    '--email',
    'signer@example.com',
    '--trust',
  ]);
}

async function record(s: Sandbox, text: string, tsaUrl?: string): Promise<Recorded> {
  const r = await s.run(['record', 'decision', text, '--json'], {
    env: tsaUrl ? { REMEMBRANCER_TSA_URL: tsaUrl } : {},
  });
  if (r.code !== 0) throw new Error(`record failed\n${said(r)}`);
  return JSON.parse(r.stdout) as Recorded;
}

function envelopeAt(s: Sandbox, path: string): Envelope {
  return JSON.parse(s.read(path)) as Envelope;
}

function writeEnvelope(s: Sandbox, path: string, envelope: Envelope): void {
  s.write(path, serializeEnvelope(envelope));
}

function tokenOf(envelope: Envelope, index = 0): Buffer {
  const token = envelope.signatures[0]?.timestamps?.[index]?.token;
  if (!token) throw new Error('the memory carries no timestamp token');
  return Buffer.from(token, 'base64');
}

async function stampedBytes(envelope: Envelope): Promise<Buffer> {
  return Buffer.from(await signatureBytes(envelope.signatures[0]?.sig as string));
}

function withToken(envelope: Envelope, token: Buffer): Envelope {
  const [first, ...rest] = envelope.signatures;
  if (!first) throw new Error('unsigned');
  const timestamps = (first.timestamps ?? []).map((t, i) =>
    i === 0 ? { tsa: t.tsa, token: token.toString('base64') } : t,
  );
  return { signed: envelope.signed, signatures: [{ ...first, timestamps }, ...rest] };
}

async function editConfig(s: Sandbox, edit: (config: Record<string, unknown>) => void) {
  const config = JSON.parse(s.read('.remembrancer/config.json')) as Record<string, unknown>;
  edit(config);
  s.write('.remembrancer/config.json', JSON.stringify(config, null, 2) + '\n');
  await s.git(['commit', '-q', '-am', 'edit remembrancer config']);
}

/** A token's signature value (the CMS SignerInfo signature) with one bit flipped. */
async function flipSignatureBit(token: Buffer): Promise<Buffer> {
  const { pkijs } = await loadPkijs();
  const content = pkijs.ContentInfo.fromBER(new Uint8Array(token).slice().buffer);
  const signed = new pkijs.SignedData({ schema: content.content });
  const signature = Buffer.from(
    signed.signerInfos[0]?.signature.valueBlock.valueHexView as Uint8Array,
  );
  const at = token.indexOf(signature);
  expect(at).toBeGreaterThan(0);
  const copy = Buffer.from(token);
  const middle = at + Math.floor(signature.length / 2);
  copy[middle] = (copy[middle] as number) ^ 0x01;
  return copy;
}

/** The TSTInfo (the signed content) inside a token, as DER. */
async function tstInfoOf(token: Buffer, dir: string): Promise<Buffer> {
  const name = `tok-${Math.random().toString(16).slice(2)}.der`;
  writeFileSync(join(dir, name), token);
  return openssl(['cms', '-verify', '-noverify', '-binary', '-inform', 'DER', '-in', name], dir);
}

/** Signs a TSTInfo as a TimeStampToken with `openssl cms`, not with `openssl ts`. */
async function signTstInfo(
  tstInfo: Buffer,
  dir: string,
  options: { cert?: string; key?: string; cades: boolean },
): Promise<Buffer> {
  const name = `tst-${Math.random().toString(16).slice(2)}.der`;
  writeFileSync(join(dir, name), tstInfo);
  return openssl(
    [
      'cms',
      '-sign',
      '-binary',
      '-nodetach',
      '-outform',
      'DER',
      '-econtent_type',
      TSTINFO_OID,
      ...(options.cades ? ['-cades'] : []),
      '-md',
      'sha256',
      '-signer',
      options.cert ?? 'tsa.crt',
      '-inkey',
      options.key ?? 'tsa.key',
      '-in',
      name,
    ],
    dir,
  );
}

/**
 * A second certificate for the TSA's own key with the same issuer and serial number (so
 * the token's signer identifier fits both) but other bytes, thus another ESSCertID hash.
 */
async function twinCertificate(authority: Authority): Promise<string> {
  const dir = authority.dir;
  const serial = (await openssl(['x509', '-in', 'tsa.crt', '-noout', '-serial'], dir))
    .toString()
    .trim()
    .split('=')[1] as string;
  await openssl(
    [
      'x509',
      '-req',
      '-in',
      'tsa.csr',
      '-CA',
      'ca.crt',
      '-CAkey',
      'ca.key',
      '-set_serial',
      `0x${serial}`,
      '-days',
      '1000',
      '-extfile',
      'tsa.ext',
      '-out',
      'twin.crt',
    ],
    dir,
  );
  return 'twin.crt';
}

/** Replaces the certificates a token carries with `certPem` (the signature is untouched). */
async function swapCertificates(token: Buffer, certPem: Buffer): Promise<Buffer> {
  const { pkijs } = await loadPkijs();
  const content = pkijs.ContentInfo.fromBER(new Uint8Array(token).slice().buffer);
  const signed = new pkijs.SignedData({ schema: content.content });
  signed.certificates = await parseCertificates(certPem);
  const rebuilt = new pkijs.ContentInfo({
    contentType: content.contentType,
    content: signed.toSchema(true),
  });
  return Buffer.from(rebuilt.toSchema().toBER(false));
}

function findingsFor(report: CovenantReport, path: string): Finding[] {
  return report.violations.filter((v) => v.file === path);
}

let authority: Authority;
let tsa: LocalTsa;
let template: Sandbox;
let templateKey: GeneratedKey;

beforeAll(async () => {
  authority = await authorities.make('Test');
  tsa = await serve(authority);
  // One initialised repository that each test starts from as a copy (Sandbox.fork),
  // instead of running init, key generate and add-tsa again.
  template = sandbox();
  templateKey = await initRepo(template);
  await template.ok(['trust', 'add-tsa', authority.caCert, '--name', 'test-tsa']);
});

afterAll(async () => {
  authorities.removeAll();
  await Promise.all(servers.map((s) => s.stop()));
  for (const s of sandboxes) s.cleanup();
});

/** A copy of the template: a trusted signing key and the test TSA's root, committed. */
function fresh(): Sandbox {
  const s = template.fork();
  sandboxes.push(s);
  return s;
}

describe.concurrent('RFC 3161 timestamps against a local openssl TSA', () => {
  it('stamps a recorded memory, and the token passes openssl ts -verify and the covenant', async () => {
    const sandbox = new Sandbox();
    await sandbox.initSigned();
    await sandbox.ok(['trust', 'add-tsa', authority.caCert, '--name', 'test-tsa']);
    const rec = await sandbox.json<{ id: string; path: string }>(
      ['record', 'decision', 'Stamp me'],
      {
        env: { REMEMBRANCER_TSA_URL: tsa.url },
      },
    );
    const envelope = JSON.parse(sandbox.read(rec.path)) as Envelope;
    const sig = envelope.signatures[0] as Envelope['signatures'][number];
    expect(sig.timestamps).toHaveLength(1);
    const out = await opensslVerifyToken(
      Buffer.from(sig.timestamps?.[0]?.token as string, 'base64'),
      Buffer.from(await signatureBytes(sig.sig)),
      authority,
    );
    expect(out).toMatch(/Verification: OK/);
    const cov = await sandbox.run(['covenant']);
    expect(cov.code).toBe(0);
    const show = await sandbox.json<{ verification: { timestamps: { ok: boolean }[] } }>([
      'show',
      rec.id,
    ]);
    expect(show.verification.timestamps[0]?.ok).toBe(true);
    sandbox.cleanup();
  });

  it('proves a memory with a bundle that verifies offline, and names the tampered part', async () => {
    const sandbox = new Sandbox();
    await sandbox.initSigned();
    await sandbox.ok(['trust', 'add-tsa', authority.caCert, '--name', 'test-tsa']);
    const env = { REMEMBRANCER_TSA_URL: tsa.url };
    const rec = await sandbox.json<{ id: string }>(['record', 'decision', 'Prove me'], { env });
    await sandbox.json(['record', 'decision', 'Another'], { env });
    await sandbox.ok(['seal'], { env });
    const out = join(sandbox.dir, 'bundle.json');
    await sandbox.ok(['prove', rec.id.slice(0, 8), '--out', out]);
    const keyFile = (await sandbox.json<{ keys: { path: string }[] }>(['trust', 'list'])).keys[0]
      ?.path as string;
    const elsewhere = join(sandbox.dir, 'home');
    const ok = await sandbox.run(
      ['verify-proof', out, '--trust', join(sandbox.repo, keyFile), '--tsa-root', authority.caCert],
      { cwd: elsewhere },
    );
    expect(ok.stdout).toMatch(/proven/);
    expect(ok.code).toBe(0);
    const bundle = JSON.parse(readFileSync(out, 'utf8'));
    bundle.inclusion.hashes[0] = bundle.inclusion.hashes[0].replace(/^./, (c: string) =>
      c === '0' ? '1' : '0',
    );
    writeFileSync(out, JSON.stringify(bundle));
    const bad = await sandbox.run(['verify-proof', out, '--json'], { cwd: elsewhere });
    expect(bad.code).toBe(1);
    expect(JSON.parse(bad.stdout).failures[0].part).toBe('inclusion');
    sandbox.cleanup();
  });
});

describe.concurrent('getting timestamps', () => {
  it('record and seal stamp automatically, with ESSCertIDv2 and ESSCertID v1 authorities alike (a root trusted from DER)', async () => {
    const v1 = await authorities.make('Legacy', { ess: 'sha1' });
    const legacy = await serve(v1);
    const s = fresh();
    // `trust add-tsa` takes DER as well as PEM: this root goes in as DER.
    await openssl(['x509', '-in', 'ca.crt', '-outform', 'DER', '-out', 'ca.der'], v1.dir);
    await s.ok(['trust', 'add-tsa', join(v1.dir, 'ca.der'), '--name', 'legacy']);

    const cases = [
      { rec: await record(s, 'Stamped by an ESSCertIDv2 TSA', tsa.url), by: authority, oid: 2 },
      { rec: await record(s, 'Stamped by an ESSCertID v1 TSA', legacy.url), by: v1, oid: 1 },
    ];
    for (const { rec, by, oid } of cases) {
      expect(rec.warnings).toEqual([]);
      const envelope = envelopeAt(s, rec.path);
      expect(envelope.signatures).toHaveLength(1);
      expect(envelope.signatures[0]?.timestamps).toHaveLength(1);
      const token = tokenOf(envelope);
      // The token is the kind the case is about: the signing-certificate attribute of v1 or v2.
      expect(token.includes(OID_SIGNING_CERTIFICATE_V2)).toBe(oid === 2);
      expect(token.includes(OID_SIGNING_CERTIFICATE)).toBe(oid === 1);
      expect(await opensslVerifyToken(token, await stampedBytes(envelope), by)).toMatch(
        /Verification: OK/,
      );
    }

    // REMEMBRANCER_TSA_URL may name several TSAs: each one stamps the signature.
    const both = await record(s, 'Stamped by both TSAs', `${tsa.url},${legacy.url}`);
    const bothEnvelope = envelopeAt(s, both.path);
    expect(bothEnvelope.signatures[0]?.timestamps).toHaveLength(2);
    for (const [url, by] of [
      [tsa.url, authority],
      [legacy.url, v1],
    ] as const) {
      const stamp = bothEnvelope.signatures[0]?.timestamps?.find(
        (t) => t.tsa === tsaNameFromUrl(url),
      );
      expect(stamp, url).toBeDefined();
      const token = Buffer.from(stamp?.token as string, 'base64');
      expect(await opensslVerifyToken(token, await stampedBytes(bothEnvelope), by)).toMatch(
        /Verification: OK/,
      );
    }

    const seal = await s.run(['seal', '--json'], { env: { REMEMBRANCER_TSA_URL: tsa.url } });
    expect(seal.code, said(seal)).toBe(0);
    const sealId = (JSON.parse(seal.stdout) as { id: string }).id;
    const sealEnvelope = envelopeAt(
      s,
      `.remembrancer/memories/${sealId.slice(0, 2)}/${sealId}.json`,
    );
    expect(
      await opensslVerifyToken(tokenOf(sealEnvelope), await stampedBytes(sealEnvelope), authority),
    ).toMatch(/Verification: OK/);

    const cov = await s.run(['covenant', '--json']);
    expect(cov.code, said(cov)).toBe(0);
    const shown = await s.json<{ verification: { timestamps: { ok: boolean; signer: string }[] } }>(
      ['show', cases[1]?.rec.id as string],
    );
    expect(shown.verification.timestamps).toEqual([
      expect.objectContaining({ ok: true, signer: 'Legacy TSA' }),
    ]);
  });

  it('asks every TSA in REMEMBRANCER_TSA_URL, even two served by one host', async () => {
    // One host, two TSAs on two paths (as a provider serving several policies would).
    const second = await authorities.make('Second');
    const [one, two] = [await serve(authority), await serve(second)];
    const host = createHttpServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const target = req.url === '/one' ? one.url : two.url;
        void fetch(target, { method: 'POST', body: Buffer.concat(chunks) })
          .then(async (r) => {
            res.writeHead(r.status, { 'content-type': 'application/timestamp-reply' });
            res.end(Buffer.from(await r.arrayBuffer()));
          })
          .catch(() => res.destroy());
      });
    });
    await new Promise<void>((resolve) => host.listen(0, '127.0.0.1', resolve));
    const base = `http://127.0.0.1:${(host.address() as { port: number }).port}`;
    try {
      const s = fresh();
      await s.ok(['trust', 'add-tsa', second.caCert, '--name', 'second']);
      const rec = await record(s, 'Stamped by two TSAs on one host', `${base}/one,${base}/two`);
      expect(rec.warnings).toEqual([]);
      expect(one.requests).toBe(1);
      expect(two.requests).toBe(1);
      const envelope = envelopeAt(s, rec.path);
      expect(envelope.signatures[0]?.timestamps).toHaveLength(2);
    } finally {
      await new Promise<void>((resolve) => host.close(() => resolve()));
    }
  });

  it('`timestamp ID --tsa URL` adds a token to an existing memory without changing its id or path, and commits', async () => {
    const s = fresh();
    const rec = await record(s, 'Recorded before any TSA was around');
    const before = envelopeAt(s, rec.path);
    expect(before.signatures[0]?.timestamps).toBeUndefined();
    const filesBefore = await memoryFiles(s);

    const r = await s.run(['timestamp', rec.id.slice(0, 10), '--tsa', tsa.url, '--json']);
    expect(r.code, said(r)).toBe(0);
    const result = JSON.parse(r.stdout) as {
      ok: boolean;
      stamped: { id: string; added: number }[];
      commit: string | null;
    };
    expect(result.ok).toBe(true);
    expect(result.stamped).toEqual([{ id: rec.id, added: 1 }]);

    // Same file, same id, same signed content and signature: only a token was added.
    expect(await memoryFiles(s)).toEqual(filesBefore);
    const after = envelopeAt(s, rec.path);
    expect(after.signed).toEqual(before.signed);
    expect(after.signatures[0]?.sig).toBe(before.signatures[0]?.sig);
    expect(after.signatures[0]?.timestamps).toHaveLength(1);
    expect(await opensslVerifyToken(tokenOf(after), await stampedBytes(after), authority)).toMatch(
      /Verification: OK/,
    );
    const shown = await s.json<{ id: string }>(['show', rec.id]);
    expect(shown.id).toBe(rec.id);

    // Committed, with a message that says what happened, and nothing left over.
    const head = (await s.git(['rev-parse', 'HEAD'])).trim();
    expect(result.commit).toBe(head);
    expect((await s.git(['log', '-1', '--format=%s'])).trim()).toBe(
      'remembrancer: timestamp 1 memories',
    );
    expect((await s.git(['show', '--name-only', '--format=', 'HEAD'])).trim()).toBe(rec.path);
    expect(await s.git(['status', '--porcelain'])).toBe('');

    // Asking again adds nothing and commits nothing.
    const again = await s.run(['timestamp', rec.id, '--tsa', tsa.url, '--json']);
    expect(again.code, said(again)).toBe(0);
    expect(JSON.parse(again.stdout)).toMatchObject({
      stamped: [],
      skipped: [{ id: rec.id, reason: expect.stringMatching(/already timestamped/) }],
    });
    expect((await s.git(['rev-parse', 'HEAD'])).trim()).toBe(head);
  });

  it('`timestamp --missing` stamps only the memories that lack a token', async () => {
    const counting = await serve(authority);
    const s = fresh();
    const stamped = await record(s, 'Already stamped', counting.url);
    const bare1 = await record(s, 'Not stamped yet');
    const bare2 = await record(s, 'Not stamped either');
    const stampedBytesBefore = s.read(stamped.path);
    const requestsBefore = counting.requests;

    const r = await s.run(['timestamp', '--missing', '--tsa', counting.url, '--json']);
    expect(r.code, said(r)).toBe(0);
    const result = JSON.parse(r.stdout) as { stamped: { id: string }[] };
    expect(result.stamped.map((x) => x.id).sort()).toEqual([bare1.id, bare2.id].sort());
    expect(counting.requests - requestsBefore).toBe(2);
    expect(s.read(stamped.path)).toBe(stampedBytesBefore);
    for (const rec of [bare1, bare2]) {
      expect(envelopeAt(s, rec.path).signatures[0]?.timestamps).toHaveLength(1);
    }

    const again = await s.run(['timestamp', '--missing', '--tsa', counting.url, '--json']);
    expect(again.code, said(again)).toBe(0);
    expect((JSON.parse(again.stdout) as { stamped: unknown[] }).stamped).toEqual([]);
    expect(counting.requests - requestsBefore).toBe(2);
  });

  it('uses the `tsa` list of config.json when neither --tsa nor REMEMBRANCER_TSA_URL is given', async () => {
    const s = fresh();
    const early = await record(s, 'Recorded before the TSA was configured');
    await editConfig(s, (c) => {
      c['tsa'] = [{ name: 'office-tsa', url: tsa.url }];
    });

    const later = await record(s, 'Recorded with the TSA configured');
    const envelope = envelopeAt(s, later.path);
    expect(envelope.signatures[0]?.timestamps?.map((t) => t.tsa)).toEqual(['office-tsa']);
    expect(
      await opensslVerifyToken(tokenOf(envelope), await stampedBytes(envelope), authority),
    ).toMatch(/Verification: OK/);

    const r = await s.run(['timestamp', '--missing', '--no-commit', '--json']);
    expect(r.code, said(r)).toBe(0);
    expect((JSON.parse(r.stdout) as { commit: string | null }).commit).toBeNull();
    expect(await s.git(['status', '--porcelain'])).toBe(`M  ${early.path}\n`);
    expect((JSON.parse(r.stdout) as { stamped: { id: string }[] }).stamped).toEqual([
      { id: early.id, added: 1 },
    ]);
    expect(envelopeAt(s, early.path).signatures[0]?.timestamps?.map((t) => t.tsa)).toEqual([
      'office-tsa',
    ]);
    // Gaining a timestamp is not an alteration: the staged change passes against HEAD.
    const cov = await s.run(['covenant', '--staged', '--json']);
    expect(cov.code, said(cov)).toBe(0);
  });

  it('an unreachable TSA: record succeeds with a warning, `timestamp` exits 1 naming the TSA', async () => {
    const stopped = await serve(authority);
    const url = stopped.url;
    await stopped.stop();
    const s = fresh();

    const r = await s.run(['record', 'decision', 'Recorded while the TSA is down'], {
      env: { REMEMBRANCER_TSA_URL: url },
    });
    expect(r.code, said(r)).toBe(0);
    expect(r.stderr).toMatch(/warning/i);
    expect(r.stderr).toContain(`cannot reach the TSA at ${url}`);
    const files = await memoryFiles(s);
    expect(files).toHaveLength(1);
    expect(await s.git(['status', '--porcelain'])).toBe('');
    const envelope = envelopeAt(s, files[0] as string);
    expect(envelope.signatures).toHaveLength(1);
    expect(envelope.signatures[0]?.timestamps).toBeUndefined();

    const state = await s.state();
    const id = (files[0] as string).replace(/^.*\/([0-9a-f]{64})\.json$/, '$1');
    const down = await closedUrl();
    const t = await s.run(['timestamp', id, '--tsa', down]);
    expect(t.code, said(t)).toBe(1);
    expect(t.stdout + t.stderr).toContain(`cannot reach the TSA at ${down}`);
    expect(await s.state()).toBe(state);
  });

  it('a TSA that answers garbage, HTTP 503 or a rejection: `timestamp` says why and writes nothing', async () => {
    const s = fresh();
    const rec = await record(s, 'Nobody will stamp me');
    const cases: [LocalTsa['mode'], RegExp][] = [
      ['garbage', /not a time-stamp response/],
      ['http-error', /answered HTTP 503/],
      ['rejection', /the TSA refused: rejection/],
    ];
    for (const [mode, reason] of cases) {
      const bad = await serve(authority, mode);
      const state = await s.state();
      const r = await s.run(['timestamp', rec.id, '--tsa', bad.url]);
      expect(r.code, `${mode}: ${said(r)}`).toBe(1);
      expect(r.stdout + r.stderr, mode).toMatch(reason);
      expect(await s.state(), mode).toBe(state);
      expect(envelopeAt(s, rec.path).signatures[0]?.timestamps, mode).toBeUndefined();
    }

    // Usage errors exit 2: a URL that is not http(s), no TSA at all, nothing to stamp.
    const usage: [string[], RegExp][] = [
      [['timestamp', rec.id, '--tsa', 'ftp://127.0.0.1/tsr'], /not http/],
      [['timestamp', rec.id], /no Time-Stamp Authority is configured/],
      [['timestamp', '--tsa', tsa.url], /say which memories/],
    ];
    for (const [args, reason] of usage) {
      const r = await s.run(args);
      expect(r.code, said(r)).toBe(2);
      expect(r.stderr).toMatch(reason);
    }
  });

  it('`requireTimestamp: true`: record without a reachable TSA fails and writes nothing; the covenant flags unstamped memories', async () => {
    const s = fresh();
    const old = await record(s, 'Recorded before timestamps were required');
    await editConfig(s, (c) => {
      c['requireTimestamp'] = true;
    });
    const files = await memoryFiles(s);

    const state = await s.state();
    const none = await s.run(['record', 'decision', 'No TSA at all']);
    expect(none.code, said(none)).toBe(1);
    expect(none.stderr).toMatch(/requires/);
    expect(await s.state()).toBe(state);

    const down = await closedUrl();
    const unreachable = await s.run(['record', 'decision', 'TSA down'], {
      env: { REMEMBRANCER_TSA_URL: down },
    });
    expect(unreachable.code, said(unreachable)).toBe(1);
    expect(unreachable.stderr).toContain(`cannot reach the TSA at ${down}`);
    expect(await s.state()).toBe(state);
    expect(await memoryFiles(s)).toEqual(files);
    const sealDown = await s.run(['seal'], { env: { REMEMBRANCER_TSA_URL: down } });
    expect(sealDown.code, said(sealDown)).toBe(1);
    expect(await s.state()).toBe(state);

    const cov = await s.run(['covenant', '--json']);
    expect(cov.code, said(cov)).toBe(1);
    const report = JSON.parse(cov.stdout) as CovenantReport;
    expect(report.violations).toEqual([
      expect.objectContaining({ rule: 'time', code: 'TIMESTAMP_REQUIRED', file: old.path }),
    ]);

    // With a TSA, recording works, and stamping the old memory satisfies the covenant.
    const stamped = await record(s, 'Recorded with a TSA', tsa.url);
    expect(envelopeAt(s, stamped.path).signatures[0]?.timestamps).toHaveLength(1);
    await s.ok(['timestamp', '--missing', '--tsa', tsa.url]);
    const fixed = await s.run(['covenant', '--json']);
    expect(fixed.code, said(fixed)).toBe(0);
  });
});

describe('the covenant time rule rejects tokens that do not prove what they claim', () => {
  let s: Sandbox;
  const recs: Record<string, Recorded> = {};
  let report: CovenantReport;
  let covenantExit: number;
  let future: Recorded;
  let nearFuture: Recorded;

  beforeAll(async () => {
    const twin = await twinCertificate(authority); // before any token it will be used with
    const noEku = await authorities.make('NoEku', { eku: false });
    const stranger = await authorities.make('Stranger');
    const strangerTsa = await serve(stranger);
    s = fresh();
    const key = { ...templateKey, privateKey: templateKey.privateKey.replace(template.dir, s.dir) };
    await s.ok(['trust', 'add-tsa', noEku.caCert, '--name', 'no-eku']); // trusted: only its EKU is wrong
    for (const name of ['tampered', 'victim', 'donor', 'noEku', 'noEss', 'essSwap', 'resigned']) {
      recs[name] = await record(s, `Memory ${name}`, tsa.url);
    }
    recs['untrusted'] = await record(s, 'Stamped by a TSA nobody trusts', strangerTsa.url);

    // Memories whose `created` is ahead of the clock: one by an hour, one within tolerance.
    const signer = await loadKeyFileSigner(key.privateKey, { env: s.env });
    const author = { name: 'Test Signer', email: 'signer@example.com', key: key.fingerprint };
    const ahead = async (ms: number, text: string): Promise<Recorded> => {
      const signed = buildDecision(
        { node: 'test-node', author, created: new Date(Date.now() + ms) },
        text,
        [],
      );
      const memory = await signMemory(signed, signer);
      const path = `.remembrancer/${memory.path}`;
      s.write(path, serializeEnvelope(memory.envelope));
      return { id: memory.id, path, commit: null, warnings: [] };
    };
    future = await ahead(60 * 60_000, 'Claims to be from an hour ahead');
    nearFuture = await ahead(2 * 60_000, 'Two minutes ahead: within tolerance');
    await s.git(['add', '-A']);
    await s.git(['commit', '-q', '-m', 'memories dated ahead']);
    await s.ok(['timestamp', future.id, nearFuture.id, '--tsa', tsa.url]);

    const get = (name: string) => envelopeAt(s, (recs[name] as Recorded).path);
    const put = (name: string, token: Buffer) =>
      writeEnvelope(s, (recs[name] as Recorded).path, withToken(get(name), token));

    put('tampered', await flipSignatureBit(tokenOf(get('tampered'))));
    put('victim', tokenOf(get('donor')));
    const dir = authority.dir;
    const tstOf = (name: string) => tstInfoOf(tokenOf(get(name)), dir);
    put(
      'noEku',
      await signTstInfo(await tstInfoOf(tokenOf(get('noEku')), noEku.dir), noEku.dir, {
        cades: true,
      }),
    );
    put('noEss', await signTstInfo(await tstOf('noEss'), dir, { cades: false }));
    const byTwin = await signTstInfo(await tstOf('essSwap'), dir, { cert: twin, cades: true });
    put('essSwap', await swapCertificates(byTwin, readFileSync(authority.tsaCert)));
    put('resigned', await signTstInfo(await tstOf('resigned'), dir, { cades: true }));
    await s.git(['commit', '-q', '-am', 'tokens tampered with']);

    const cov = await s.run(['covenant', '--json']);
    covenantExit = cov.code;
    report = JSON.parse(cov.stdout) as CovenantReport;
  });

  const rejected = (name: string, reason: RegExp) => {
    const findings = findingsFor(report, (recs[name] as Recorded).path);
    expect(findings, JSON.stringify(report.violations, null, 2)).toEqual([
      expect.objectContaining({
        rule: 'time',
        code: 'TIMESTAMP_INVALID',
        message: expect.stringMatching(reason),
      }),
    ]);
  };

  it('fails the covenant, on the time rule alone, and keeps valid tokens (including a re-signed one)', () => {
    expect(covenantExit).toBe(1);
    expect(report.ok).toBe(false);
    expect(report.violations.map((v) => v.rule)).toEqual(report.violations.map(() => 'time'));
    // One violation for each of the seven memories whose time claim is broken, no more.
    expect(report.violations).toHaveLength(7);
    for (const name of ['donor', 'resigned']) {
      expect(findingsFor(report, (recs[name] as Recorded).path), name).toEqual([]);
    }
    expect(findingsFor(report, nearFuture.path)).toEqual([]);
  });

  it('rejects a token whose signature was tampered with', () => {
    rejected('tampered', /token signature does not verify/);
  });

  it('rejects a token for other data (copied from another memory)', () => {
    rejected('victim', /token is over other data/);
  });

  it('rejects a token from a TSA chained to an untrusted root', () => {
    rejected('untrusted', /does not chain to a trusted TSA root/);
  });

  it('rejects a token signed by a certificate without the timeStamping usage', () => {
    rejected('noEku', /lacks the critical timeStamping extended key usage/);
  });

  it('rejects a token without a signing-certificate attribute (no ESSCertID)', () => {
    rejected('noEss', /no ESSCertID\/ESSCertIDv2/);
  });

  it('rejects a token whose ESSCertID does not match the certificate it carries', () => {
    rejected('essSwap', /ESSCertID\) does not match the signer certificate/);
  });

  it('rejects a memory created later than its token says it existed', () => {
    expect(findingsFor(report, future.path)).toEqual([
      expect.objectContaining({
        rule: 'time',
        code: 'TIMESTAMP_BEFORE_CREATED',
        message: expect.stringContaining(
          (JSON.parse(s.read(future.path)) as Envelope).signed.created,
        ),
      }),
    ]);
  });
});

describe.concurrent('trusted TSA roots come from the base', () => {
  it('a staged change that adds its own TSA root does not make its tokens valid against HEAD', async () => {
    const newcomer = await authorities.make('Staged');
    const newcomerTsa = await serve(newcomer);
    const s = fresh();
    await s.ok(['trust', 'add-tsa', newcomer.caCert, '--name', 'staged', '--no-commit']);
    const r = await s.run(
      ['record', 'decision', 'Stamped by the TSA the change trusts', '--json', '--no-commit'],
      {
        env: { REMEMBRANCER_TSA_URL: newcomerTsa.url },
      },
    );
    expect(r.code, said(r)).toBe(0);
    const rec = JSON.parse(r.stdout) as Recorded;

    for (const args of [
      ['covenant', '--json'],
      ['covenant', '--staged', '--json'],
    ]) {
      const cov = await s.run(args);
      expect(cov.code, `${args.join(' ')}: ${said(cov)}`).toBe(1);
      expect((JSON.parse(cov.stdout) as CovenantReport).violations).toEqual([
        expect.objectContaining({
          rule: 'time',
          code: 'TIMESTAMP_INVALID',
          file: rec.path,
          message: expect.stringMatching(/does not chain to a trusted TSA root/),
        }),
      ]);
    }

    // Once committed, HEAD trusts the root and the same token is valid.
    await s.git(['commit', '-q', '-m', 'trust the staged TSA']);
    const merged = await s.run(['covenant', '--json']);
    expect(merged.code, said(merged)).toBe(0);
  });

  it('a branch that adds its own TSA root does not make its tokens valid under `covenant --base main`', async () => {
    const stranger = await authorities.make('Newcomer');
    const strangerTsa = await serve(stranger);
    const s = fresh();
    await s.git(['checkout', '-q', '-b', 'feature']);
    await s.ok(['trust', 'add-tsa', stranger.caCert, '--name', 'newcomer']);
    const rec = await record(s, 'Stamped by the TSA this branch trusts', strangerTsa.url);

    const underReview = await s.run(['covenant', '--base', 'main', '--json']);
    expect(underReview.code, said(underReview)).toBe(1);
    const report = JSON.parse(underReview.stdout) as CovenantReport;
    expect(report.violations).toEqual([
      expect.objectContaining({
        rule: 'time',
        code: 'TIMESTAMP_INVALID',
        file: rec.path,
        message: expect.stringMatching(/does not chain to a trusted TSA root/),
      }),
    ]);

    // The branch compared with itself trusts the root, and the same token is valid.
    const merged = await s.run(['covenant', '--base', 'feature', '--json']);
    expect(merged.code, said(merged)).toBe(0);
  });
});
