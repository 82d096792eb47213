/**
 * Evidence bundles and roots over history (DESIGN.md §3): `prove ID` writes one JSON file
 * that `verify-proof` checks offline, outside any repository, naming the part of the bundle
 * that was tampered with; `root --at REV` recomputes the root of any commit, so every seal
 * in history can be recomputed.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EvidenceBundle } from '../../src/proof/bundle.js';
import type { BundleVerdict } from '../../src/proof/verify-bundle.js';
import { loadPkijs, parseToken } from '../../src/crypto/rfc3161.js';
import { Sandbox, type RunResult } from '../helpers/cli.js';
import { AuthorityPool, LocalTsa, type Authority } from '../helpers/tsa.js';

const authorities = new AuthorityPool();

interface Recorded {
  id: string;
  path: string;
  commit: string | null;
}

interface Sealed {
  id: string;
  root: string;
  treeSize: number;
  commit: string | null;
}

interface GeneratedKey {
  fingerprint: string;
  privateKey: string;
  publicKey: string;
}

const sandboxes: Sandbox[] = [];
let authority: Authority;
let stranger: Authority;
let tsa: LocalTsa;
let template: Sandbox;
let templateKey: GeneratedKey;

function sandbox(): Sandbox {
  const s = new Sandbox();
  sandboxes.push(s);
  return s;
}

function said(r: RunResult): string {
  return `exit ${r.code}\nstdout:\n${r.stdout}\nstderr:\n${r.stderr}`;
}

async function initRepo(s: Sandbox): Promise<GeneratedKey> {
  await s.gitInit();
  await s.ok(['init', '--policy', 'strict', '--name', 'test-node']);
  const key = await s.json<GeneratedKey>([
    'key',
    'generate',
    '--name',
    'Test Signer',
    '--email',
    'signer@example.com',
    '--trust',
  ]);
  await s.ok(['trust', 'add-tsa', authority.caCert, '--name', 'test-tsa']);
  return key;
}

async function record(s: Sandbox, text: string): Promise<Recorded> {
  return s.json<Recorded>(['record', 'decision', text], {
    env: { REMEMBRANCER_TSA_URL: tsa.url },
  });
}

async function seal(s: Sandbox, ...args: string[]): Promise<Sealed> {
  const r = await s.run(['seal', '--json', ...args], { env: { REMEMBRANCER_TSA_URL: tsa.url } });
  if (r.code !== 0) throw new Error(`seal failed\n${said(r)}`);
  return JSON.parse(r.stdout) as Sealed;
}

/** A folder outside every git repository. */
function outside(s: Sandbox): string {
  const dir = join(s.dir, 'outside');
  mkdirSync(dir, { recursive: true });
  return dir;
}

async function prove(s: Sandbox, id: string): Promise<EvidenceBundle> {
  const file = join(outside(s), `${id.slice(0, 12)}-${Math.random().toString(16).slice(2)}.json`);
  const r = await s.run(['prove', id, '--out', file]);
  if (r.code !== 0) throw new Error(`prove failed\n${said(r)}`);
  return JSON.parse(readFileSync(file, 'utf8')) as EvidenceBundle;
}

async function verifyProof(
  s: Sandbox,
  bundle: unknown,
  args: string[] = [],
): Promise<{ result: RunResult; verdict: BundleVerdict }> {
  const file = join(outside(s), `bundle-${Math.random().toString(16).slice(2)}.json`);
  writeFileSync(file, JSON.stringify(bundle, null, 2));
  const result = await s.run(['verify-proof', file, '--json', ...args], { cwd: outside(s) });
  let verdict: BundleVerdict;
  try {
    verdict = JSON.parse(result.stdout) as BundleVerdict;
  } catch {
    throw new Error(`verify-proof printed no JSON\n${said(result)}`);
  }
  return { result, verdict };
}

function copy<T>(value: T): T {
  return JSON.parse(JSON.stringify(value)) as T;
}

/** Flips one bit in the middle of the CMS signature value of a base64 token. */
async function tamperToken(base64: string): Promise<string> {
  const token = Buffer.from(base64, 'base64');
  const { pkijs } = await loadPkijs();
  const content = pkijs.ContentInfo.fromBER(new Uint8Array(token).slice().buffer);
  const signed = new pkijs.SignedData({ schema: content.content });
  const signature = Buffer.from(
    signed.signerInfos[0]?.signature.valueBlock.valueHexView as Uint8Array,
  );
  const at = token.indexOf(signature) + Math.floor(signature.length / 2);
  token[at] = (token[at] as number) ^ 0x01;
  return token.toString('base64');
}

function flipHex(hex: string): string {
  return (hex[0] === '0' ? '1' : '0') + hex.slice(1);
}

beforeAll(async () => {
  [authority, stranger] = await Promise.all([
    authorities.make('Proof'),
    authorities.make('Stranger'),
  ]);
  tsa = new LocalTsa(authority);
  await tsa.start();
  // One initialised repository that each group starts from as a copy (Sandbox.fork).
  template = sandbox();
  templateKey = await initRepo(template);
});

/** A copy of the template, with the paths of its key files. */
function fresh(): { s: Sandbox; key: GeneratedKey } {
  const s = template.fork();
  sandboxes.push(s);
  const moved = (path: string) => path.replace(template.dir, s.dir);
  return {
    s,
    key: {
      ...templateKey,
      privateKey: moved(templateKey.privateKey),
      publicKey: moved(templateKey.publicKey),
    },
  };
}

afterAll(async () => {
  authorities.removeAll();
  await tsa.stop();
  for (const s of sandboxes) s.cleanup();
});

describe.concurrent('evidence bundles: prove and verify-proof', () => {
  let s: Sandbox;
  let key: GeneratedKey;
  let first: Recorded;
  let second: Recorded;
  let sealed: Sealed;
  let bundle: EvidenceBundle;
  let otherKey: GeneratedKey;

  beforeAll(async () => {
    ({ s, key } = fresh());
    first = await record(s, 'Prove that this was decided');
    second = await record(s, 'Another decision beside it');
    sealed = await seal(s);
    bundle = await prove(s, first.id.slice(0, 10));
    // Someone else's key, made in another home, never trusted here.
    const other = sandbox();
    otherKey = await other.json<GeneratedKey>(
      ['key', 'generate', '--name', 'Mallory', '--email', 'mallory@example.com'],
      { cwd: other.dir },
    );
  });

  it('holds the memory, its seal, the inclusion proof, the keys, the tokens and the TSA root', () => {
    expect(bundle.memoryId).toBe(first.id);
    expect(bundle.sealId).toBe(sealed.id);
    expect(bundle.inclusion.treeSize).toBe(2);
    expect(bundle.memory.signatures[0]?.timestamps).toHaveLength(1);
    expect(bundle.seal.signatures[0]?.timestamps).toHaveLength(1);
    expect(Object.keys(bundle.keys)).toEqual([key.fingerprint]);
    expect(bundle.keys[key.fingerprint]).toContain('BEGIN PGP PUBLIC KEY BLOCK');
    const pem = (text: string) => text.replace(/-----[^-]+-----|\s/g, '');
    expect(Object.values(bundle.tsaRoots).map(pem)).toEqual([
      pem(readFileSync(authority.caCert, 'utf8')),
    ]);
  });

  it('verifies offline outside any repository, with the key and TSA root pinned, and says what is proven', async () => {
    const dir = outside(s);
    await expect(s.git(['rev-parse', '--git-dir'], dir)).rejects.toThrow();
    const file = join(dir, 'pinned.json');
    writeFileSync(file, JSON.stringify(bundle, null, 2));
    const args = ['verify-proof', file, '--trust', key.publicKey, '--tsa-root', authority.caCert];
    const r = await s.run(args, { cwd: dir });
    expect(r.code, said(r)).toBe(0);
    const genTime = (
      await parseToken(
        Buffer.from(bundle.memory.signatures[0]?.timestamps?.[0]?.token as string, 'base64'),
      )
    ).genTime.toISOString();
    expect(r.stdout).toMatch(/✓ proven/);
    expect(r.stdout).toContain(first.id);
    expect(r.stdout).toContain('signed by Test Signer <signer@example.com>');
    expect(r.stdout).toContain(`existed   by ${genTime} (timestamp by Proof TSA)`);
    expect(r.stdout).toContain(`Merkle root ${sealed.root}`);
    expect(r.stdout).not.toMatch(/from the bundle itself/);

    const json = await s.run([...args, '--json'], { cwd: dir });
    expect(json.code, said(json)).toBe(0);
    const verdict = JSON.parse(json.stdout) as BundleVerdict;
    expect(verdict).toMatchObject({
      ok: true,
      keysFrom: 'caller',
      tsaRootsFrom: 'caller',
      memory: { id: first.id },
      seal: { id: sealed.id, root: sealed.root, treeSize: 2 },
      failures: [],
    });
    expect(verdict.timestamps.memory).toEqual([
      expect.objectContaining({ ok: true, genTime, signer: 'Proof TSA' }),
    ]);
  });

  it('without --trust it still verifies, and says the key came from the bundle', async () => {
    const file = join(outside(s), 'unpinned.json');
    writeFileSync(file, JSON.stringify(bundle, null, 2));
    const r = await s.run(['verify-proof', file], { cwd: outside(s) });
    expect(r.code, said(r)).toBe(0);
    expect(r.stdout).toMatch(/✓ proven/);
    expect(r.stdout).toMatch(/key from the bundle itself/);
    expect(r.stdout).toMatch(/TSA root from the bundle itself/);
    const { verdict } = await verifyProof(s, bundle);
    expect(verdict).toMatchObject({ ok: true, keysFrom: 'bundle', tsaRootsFrom: 'bundle' });
  });

  it('fails with --trust naming a different key', async () => {
    const { result, verdict } = await verifyProof(s, bundle, ['--trust', otherKey.publicKey]);
    expect(result.code, said(result)).toBe(1);
    expect(verdict.ok).toBe(false);
    const parts = verdict.failures.map((f) => f.part);
    expect(parts).toContain('memory.signatures');
    expect(parts).toContain('seal.signatures');
  });

  it('fails with --tsa-root naming a root that did not issue the TSA certificate', async () => {
    const { result, verdict } = await verifyProof(s, bundle, ['--tsa-root', stranger.caCert]);
    expect(result.code, said(result)).toBe(1);
    expect(verdict.failures).toContainEqual({
      part: 'memory.signatures.timestamps',
      message: expect.stringMatching(/does not chain to a trusted TSA root/),
    });
  });

  // Each tampering, and the part of the bundle the verifier must name.
  const tamperings: [string, string, (b: EvidenceBundle) => void | Promise<void>][] = [
    [
      'the memory body',
      'memory',
      (b) => {
        (b.memory.signed.body as { text: string }).text = 'Prove that this was never decided';
      },
    ],
    ['memoryId', 'memoryId', (b) => void (b.memoryId = second.id)],
    [
      "the memory's signature",
      `memory.signatures[${'FPR'}]`,
      async (b) => {
        const other = JSON.parse(s.read(second.path)) as EvidenceBundle['memory'];
        (b.memory.signatures[0] as { sig: string }).sig = other.signatures[0]?.sig as string;
      },
    ],
    [
      "the memory's timestamp token",
      'memory.signatures.timestamps',
      async (b) => {
        const t = b.memory.signatures[0]?.timestamps?.[0] as { token: string };
        t.token = await tamperToken(t.token);
      },
    ],
    [
      'the seal body',
      'seal',
      (b) => {
        const body = b.seal.signed.body as { root: string };
        body.root = flipHex(body.root);
      },
    ],
    [
      "the seal's timestamp token",
      'seal.signatures.timestamps',
      async (b) => {
        const t = b.seal.signatures[0]?.timestamps?.[0] as { token: string };
        t.token = await tamperToken(t.token);
      },
    ],
    [
      'inclusion.leafIndex',
      'inclusion',
      (b) => void (b.inclusion.leafIndex = 1 - b.inclusion.leafIndex),
    ],
    [
      'inclusion.leafIndex (not a number)',
      'inclusion',
      (b) =>
        void ((b.inclusion as { leafIndex: unknown }).leafIndex = String(b.inclusion.leafIndex)),
    ],
    ['inclusion.treeSize', 'inclusion.treeSize', (b) => void (b.inclusion.treeSize += 1)],
    [
      'inclusion.hashes (a hash changed)',
      'inclusion',
      (b) => void (b.inclusion.hashes[0] = flipHex(b.inclusion.hashes[0] as string)),
    ],
    [
      'inclusion.hashes (a hash added)',
      'inclusion',
      (b) => void b.inclusion.hashes.push(b.inclusion.hashes[0] as string),
    ],
    [
      'keys (another key under the signer fingerprint)',
      `keys.${'FPR'}`,
      (b) => {
        b.keys[Object.keys(b.keys)[0] as string] = readFileSync(otherKey.publicKey, 'utf8');
      },
    ],
    [
      'keys (replaced by another signer)',
      'memory.signatures',
      (b) => {
        b.keys = { [otherKey.fingerprint]: readFileSync(otherKey.publicKey, 'utf8') };
      },
    ],
    [
      'tsaRoots (replaced by another root)',
      'memory.signatures.timestamps',
      (b) => {
        b.tsaRoots = { stranger: readFileSync(stranger.caCert, 'utf8') };
      },
    ],
    ['format', 'format', (b) => void ((b as { format: string }).format = 'something/else')],
  ];

  it.each(tamperings)('tampering with %s fails, naming the part', async (_what, part, tamper) => {
    const forged = copy(bundle);
    await tamper(forged);
    const expected = part.replace('FPR', key.fingerprint);
    const { result, verdict } = await verifyProof(s, forged);
    expect(result.code, said(result)).toBe(1);
    expect(verdict.ok).toBe(false);
    expect(
      verdict.failures.map((f) => f.part),
      JSON.stringify(verdict.failures, null, 2),
    ).toContain(expected);
  });

  it('names the failing part in its human output too', async () => {
    const forged = copy(bundle);
    forged.inclusion.treeSize += 1;
    const file = join(outside(s), 'forged.json');
    writeFileSync(file, JSON.stringify(forged));
    const r = await s.run(['verify-proof', file, '--trust', key.publicKey], { cwd: outside(s) });
    expect(r.code, said(r)).toBe(1);
    expect(r.stdout).toMatch(/✗ not proven/);
    expect(r.stdout).toMatch(/inclusion\.treeSize: is 3, but the seal covers 2/);
  });
});

describe.concurrent('prove: which seal, and when there is none', () => {
  let s: Sandbox;
  let a: Recorded;
  let b: Recorded;
  let c: Recorded;
  let rootAtA: { root: string; treeSize: number };
  let s1: Sealed;
  let s2: Sealed;

  beforeAll(async () => {
    ({ s } = fresh());
    a = await record(s, 'First');
    rootAtA = await s.json<{ root: string; treeSize: number }>(['root']);
    s1 = await seal(s);
    b = await record(s, 'Second');
    s2 = await seal(s);
    c = await record(s, 'Third, not sealed yet');
  });

  it('picks the latest seal that covers the memory', async () => {
    const bundle = await prove(s, a.id);
    expect(bundle.sealId).toBe(s2.id);
    expect(bundle.sealId).not.toBe(s1.id);
    expect(bundle.inclusion.treeSize).toBe(2);
    const { result } = await verifyProof(s, bundle);
    expect(result.code, said(result)).toBe(0);
    expect((await prove(s, b.id)).sealId).toBe(s2.id);
  });

  it('exits 1 for a memory no seal covers yet', async () => {
    const r = await s.run(['prove', c.id]);
    expect(r.code, said(r)).toBe(1);
    expect(r.stderr).toMatch(/no seal covers/);
  });

  it('exits 2 when asked to prove a seal', async () => {
    const r = await s.run(['prove', s1.id, '--out', join(outside(s), 'seal.json')]);
    expect(r.code, said(r)).toBe(2);
    expect(r.stderr).toMatch(/seal/);
  });

  describe('root --at REV', () => {
    it('at HEAD equals `root`', async () => {
      const now = await s.json<{ root: string; treeSize: number }>(['root']);
      const at = await s.json<{ root: string; treeSize: number; commit: string }>([
        'root',
        '--at',
        'HEAD',
      ]);
      expect(at).toMatchObject({ root: now.root, treeSize: now.treeSize });
      expect(at.commit).toBe((await s.git(['rev-parse', 'HEAD'])).trim());
    });

    it('at an earlier commit equals the root printed then', async () => {
      const at = await s.json<{ root: string; treeSize: number }>([
        'root',
        '--at',
        a.commit as string,
      ]);
      expect(at).toMatchObject({ root: rootAtA.root, treeSize: 1 });
    });

    it("at the commit that added each seal equals that seal's root", async () => {
      for (const sealed of [s1, s2]) {
        const shown = await s.json<{ envelope: { signed: { body: { root: string } } } }>([
          'show',
          sealed.id,
        ]);
        const at = await s.json<{ root: string; treeSize: number }>([
          'root',
          '--at',
          sealed.commit as string,
        ]);
        expect(at.root).toBe(shown.envelope.signed.body.root);
        expect(at.treeSize).toBe(sealed.treeSize);
      }
    });
  });
});

describe('prove before any seal, and with an uncommitted seal', () => {
  it('exits 1 before the first seal; a staged seal (seal --no-commit) yields a verifying bundle', async () => {
    const { s } = fresh();
    const rec = await record(s, 'Sealed but not committed');
    const before = await s.run(['prove', rec.id]);
    expect(before.code, said(before)).toBe(1);
    expect(before.stderr).toMatch(/no seal/);

    const staged = await seal(s, '--no-commit');
    expect(staged.commit).toBeNull();
    expect(await s.git(['ls-tree', '-r', '--name-only', 'HEAD'])).not.toContain(staged.id);
    const bundle = await prove(s, rec.id);
    expect(bundle.sealId).toBe(staged.id);
    const { result, verdict } = await verifyProof(s, bundle);
    expect(result.code, said(result)).toBe(0);
    expect(verdict.seal).toMatchObject({ id: staged.id, root: staged.root });
  });
});
