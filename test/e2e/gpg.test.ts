/**
 * Interoperability with the real GnuPG (DESIGN.md §2): keys made by `remembrancer key
 * generate` import into gpg and their signatures pass `gpg --verify`; signatures made by
 * `gpg --detach-sign` over the JCS bytes of `signed` verify in Remembrancer, whether the
 * CLI asked gpg for them (--gpg-key, REMEMBRANCER_KEY_ID) or they were put in by hand.
 */
import { createHash } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { canonicalBytes } from '../../src/ground/canonical-json.js';
import type { CovenantReport } from '../../src/policy/covenant.js';
import { serializeEnvelope, type Envelope } from '../../src/memory/envelope.js';
import { Sandbox, type RunResult } from '../helpers/cli.js';
import { GpgHome, hasGpg, minimalJcs, statusLines } from '../helpers/gpg.js';

interface Recorded {
  id: string;
  type: string;
  path: string;
  signers: string[];
  commit: string | null;
}

interface Shown {
  id: string;
  envelope: Envelope;
  verification: {
    ok: boolean;
    policy: string;
    signatures: {
      keyid: string;
      state: string;
      reason?: string;
      signer?: string;
      created?: string;
    }[];
    problems: string[];
  };
}

const sandboxes: Sandbox[] = [];
let gpg: GpgHome;

function sandbox(): Sandbox {
  const s = new Sandbox();
  sandboxes.push(s);
  s.env = { ...s.env, ...gpg.env };
  return s;
}

function said(r: RunResult): string {
  return `exit ${r.code}\nstdout:\n${r.stdout}\nstderr:\n${r.stderr}`;
}

function readEnvelope(s: Sandbox, path: string): Envelope {
  return JSON.parse(s.read(path)) as Envelope;
}

/** The bytes signatures sign, from the project's JCS; checked against an independent one. */
function signedBytes(envelope: Envelope): Uint8Array {
  const bytes = canonicalBytes(envelope.signed);
  expect(Buffer.from(bytes).toString('utf8')).toBe(minimalJcs(envelope.signed));
  return bytes;
}

function sha256(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

async function initRepo(s: Sandbox, policy: 'strict' | 'permissive' = 'strict'): Promise<void> {
  await s.gitInit();
  await s.ok(['init', '--policy', policy, '--name', 'gpg-node']);
}

/** Exports a gpg key to a file outside the repository and trusts it (committed). */
async function trustGpgKey(s: Sandbox, fingerprint: string): Promise<void> {
  const file = join(s.dir, `${fingerprint}.pub.asc`);
  writeFileSync(file, await gpg.exportPublic(fingerprint));
  await s.ok(['trust', 'add', file]);
}

async function record(
  s: Sandbox,
  text: string,
  args: string[] = [],
  env: NodeJS.ProcessEnv = {},
): Promise<Recorded> {
  const result = await s.run(['record', 'decision', text, ...args, '--json'], { env });
  expect(result.code, said(result)).toBe(0);
  return JSON.parse(result.stdout) as Recorded;
}

async function covenant(s: Sandbox): Promise<{ result: RunResult; report: CovenantReport }> {
  const result = await s.run(['covenant', '--json']);
  let report: CovenantReport;
  try {
    report = JSON.parse(result.stdout) as CovenantReport;
  } catch {
    throw new Error(`covenant --json printed no JSON\n${said(result)}`);
  }
  return { result, report };
}

async function expectCovenantHolds(s: Sandbox): Promise<void> {
  const result = await s.run(['covenant']);
  expect(result.code, said(result)).toBe(0);
  expect(result.stdout).toContain('covenant holds');
}

async function expectValid(s: Sandbox, id: string, keyid: string): Promise<Shown> {
  const shown = await s.json<Shown>(['show', id]);
  expect(shown.id).toBe(id);
  expect(shown.verification.ok, JSON.stringify(shown.verification)).toBe(true);
  expect(shown.verification.signatures).toHaveLength(1);
  expect(shown.verification.signatures[0]).toMatchObject({ keyid, state: 'valid' });
  return shown;
}

/** The one-line error contract of the CLI: exit 2, a single `error:` line on stderr. */
function expectUsageError(r: RunResult, ...fragments: string[]): void {
  expect(r.code, said(r)).toBe(2);
  const lines = r.stderr.trim().split('\n');
  expect(lines, said(r)).toHaveLength(1);
  expect(lines[0]).toMatch(/^error: /);
  expect(r.stderr).not.toMatch(/this is a bug|\n\s+at /);
  for (const f of fragments) expect(r.stderr).toContain(f);
}

describe.skipIf(!hasGpg())('GnuPG 2.2 interoperability', () => {
  beforeAll(async () => {
    gpg = new GpgHome();
    const version = await gpg.ok(['--version']);
    expect(version.stdout).toMatch(/^gpg \(GnuPG\) 2\./);
  });

  afterAll(async () => {
    await gpg?.close();
  });

  afterEach(() => {
    for (const s of sandboxes.splice(0)) s.cleanup();
  });

  describe('keys made by remembrancer, checked by gpg', () => {
    it('imports the public key into gpg and gpg --verify accepts the signatures of every memory type', async () => {
      const s = sandbox();
      await initRepo(s);
      const key = await s.json<{ fingerprint: string; publicKey: string }>([
        'key',
        'generate',
        '--name',
        'Remembrancer Signer',
        '--email',
        'rem-signer@example.com',
        '--trust',
      ]);
      expect(key.fingerprint).toMatch(/^[0-9A-F]{40}$/);

      const imported = await gpg.import(key.publicKey);
      expect(imported.code, imported.stderr).toBe(0);
      expect(statusLines(imported.stdout, 'IMPORT_OK').map((f) => f[1])).toContain(key.fingerprint);
      const listed = await gpg.ok(['--with-colons', '--list-keys', key.fingerprint]);
      const pub = listed.stdout.split('\n').find((l) => l.startsWith('pub:'));
      // Algorithm 22 is EdDSA (legacy Ed25519), the format GnuPG 2.2 can use.
      expect(pub?.split(':')[3]).toBe('22');

      s.write('dist/app.tgz', 'artifact bytes\n');
      const memories: Recorded[] = [
        // Non-ASCII text: the signed bytes are UTF-8, and gpg must see exactly those.
        await record(s, 'Use Postgres 16 — café, 日本, ✓, "quotes" and \\ backslash', [
          '--tag',
          'database',
        ]),
      ];
      const deploy = await s.run([
        'record',
        'deploy',
        '--component',
        'app',
        '--version',
        '1.2.3',
        '--evidence',
        'dist/app.tgz',
        '--env',
        'production',
        '--json',
      ]);
      expect(deploy.code, said(deploy)).toBe(0);
      memories.push(JSON.parse(deploy.stdout) as Recorded);
      const seal = await s.run(['seal', '--json']);
      expect(seal.code, said(seal)).toBe(0);
      const sealed = JSON.parse(seal.stdout) as { id: string; status: string };
      expect(sealed.id).toMatch(/^[0-9a-f]{64}$/);
      memories.push({
        id: sealed.id,
        type: 'seal',
        path: `.remembrancer/memories/${sealed.id.slice(0, 2)}/${sealed.id}.json`,
        signers: [key.fingerprint],
        commit: null,
      });

      for (const m of memories) {
        const envelope = readEnvelope(s, m.path);
        const bytes = signedBytes(envelope);
        expect(sha256(bytes)).toBe(m.id);
        expect(envelope.signatures).toHaveLength(1);
        const [signature] = envelope.signatures;
        expect(signature?.keyid).toBe(key.fingerprint);

        const verified = await gpg.verify(signature?.sig ?? '', bytes);
        expect(verified.code, `${m.path}\n${verified.stderr}`).toBe(0);
        expect(verified.stderr).toContain('Good signature');
        expect(verified.stderr).toContain('Remembrancer Signer <rem-signer@example.com>');
        const validsig = statusLines(verified.stdout, 'VALIDSIG')[0];
        expect(validsig?.[0]).toBe(key.fingerprint);
        expect(validsig?.at(-1)).toBe(key.fingerprint);

        // And gpg really checks: one byte more and it refuses.
        const tampered = await gpg.verify(
          signature?.sig ?? '',
          Buffer.concat([Buffer.from(bytes), Buffer.from(' ')]),
        );
        expect(tampered.code).not.toBe(0);
        expect(tampered.stderr).toContain('BAD signature');
      }
      await expectCovenantHolds(s);
    });

    it('moves into gpg whole: the private key imports and signs through --gpg-key under the same fingerprint', async () => {
      const s = sandbox();
      await initRepo(s);
      const key = await s.json<{ fingerprint: string; privateKey: string }>([
        'key',
        'generate',
        '--name',
        'Moving Key',
        '--email',
        'moving@example.com',
        '--trust',
      ]);
      const byFile = await record(s, 'Signed by the key file');
      expect(byFile.signers).toEqual([key.fingerprint]);

      const imported = await gpg.import(key.privateKey);
      expect(imported.code, imported.stderr).toBe(0);
      const secret = await gpg.ok(['--with-colons', '--list-secret-keys', key.fingerprint]);
      expect(secret.stdout).toMatch(/^sec:/m);

      const byGpg = await record(s, 'Signed by the same key inside gpg', [
        '--gpg-key',
        key.fingerprint,
      ]);
      expect(byGpg.signers).toEqual([key.fingerprint]);
      await expectValid(s, byFile.id, key.fingerprint);
      await expectValid(s, byGpg.id, key.fingerprint);
      await expectCovenantHolds(s);
    });
  });

  describe('signatures made by gpg, checked by remembrancer', () => {
    it('records with --gpg-key FPR and with REMEMBRANCER_KEY_ID, and the signatures verify', async () => {
      const fpr = await gpg.generateKey('Gpg User <gpg-user@example.com>');
      const s = sandbox();
      await initRepo(s);
      await trustGpgKey(s, fpr);
      const { keys: trusted } = await s.json<{ keys: { fingerprint: string }[] }>([
        'trust',
        'list',
      ]);
      expect(trusted.map((k) => k.fingerprint)).toContain(fpr);

      const byFlag = await record(s, 'Signed through gpg by flag', ['--gpg-key', fpr]);
      expect(byFlag.signers).toEqual([fpr]);
      expect(byFlag.commit).toMatch(/^[0-9a-f]{40}$/);
      const shown = await expectValid(s, byFlag.id, fpr);
      expect(shown.envelope.signed.author).toEqual({
        name: 'Gpg User',
        email: 'gpg-user@example.com',
        key: fpr,
      });
      expect(shown.verification.signatures[0]?.signer).toBe('Gpg User <gpg-user@example.com>');

      const byEnv = await record(s, 'Signed through gpg by environment', [], {
        REMEMBRANCER_KEY_ID: fpr,
      });
      expect(byEnv.signers).toEqual([fpr]);
      await expectValid(s, byEnv.id, fpr);

      // A user id is enough when it names one key; the envelope still names the fingerprint.
      const byEmail = await record(s, 'Signed through gpg by user id', [], {
        REMEMBRANCER_KEY_ID: 'gpg-user@example.com',
      });
      expect(byEmail.signers).toEqual([fpr]);
      await expectValid(s, byEmail.id, fpr);

      // What Remembrancer stored still verifies with gpg itself.
      for (const m of [byFlag, byEnv, byEmail]) {
        const envelope = readEnvelope(s, m.path);
        const verified = await gpg.verify(envelope.signatures[0]?.sig ?? '', signedBytes(envelope));
        expect(verified.code, verified.stderr).toBe(0);
        expect(verified.stderr).toContain('Good signature');
      }
      await expectCovenantHolds(s);
    });

    it('takes the author from the gpg user id as written, non-ASCII and colons included', async () => {
      const fpr = await gpg.generateKey('Zoë Ångström: Ops\\Team <zoe@example.com>');
      const s = sandbox();
      await initRepo(s);
      await trustGpgKey(s, fpr);
      const m = await record(s, 'Named in UTF-8', ['--gpg-key', 'zoe@example.com']);
      const shown = await expectValid(s, m.id, fpr);
      expect(shown.envelope.signed.author).toEqual({
        name: 'Zoë Ångström: Ops\\Team',
        email: 'zoe@example.com',
        key: fpr,
      });
      const envelope = readEnvelope(s, m.path);
      const verified = await gpg.verify(envelope.signatures[0]?.sig ?? '', signedBytes(envelope));
      expect(verified.code, verified.stderr).toBe(0);
    });

    it('accepts a memory whose signature was replaced by hand with one from gpg --detach-sign', async () => {
      const fpr = await gpg.generateKey('Hand Signer <hand@example.com>');
      const s = sandbox();
      await initRepo(s);
      await trustGpgKey(s, fpr);
      const m = await record(s, 'Signature to be replaced by hand', [
        '--gpg-key',
        fpr,
        '--no-commit',
      ]);
      const before = s.read(m.path);
      const envelope = readEnvelope(s, m.path);
      const bytes = signedBytes(envelope);
      expect(sha256(bytes)).toBe(m.id);

      // gpg's own armour, as `gpg --detach-sign --armor` writes it (not re-armoured).
      const raw = await gpg.detachSign(fpr, bytes);
      expect(raw).toMatch(/^-----BEGIN PGP SIGNATURE-----\n/);
      envelope.signatures = [{ keyid: fpr, sig: raw }];
      s.write(m.path, serializeEnvelope(envelope));
      expect(s.read(m.path)).not.toBe(before);
      expect(readEnvelope(s, m.path).signatures[0]?.sig).toBe(raw);

      await expectCovenantHolds(s);
      await expectValid(s, m.id, fpr);

      // Committed as it is, it still holds.
      await s.git(['add', '-A']);
      await s.git(['commit', '-q', '-m', 'hand-signed memory']);
      await expectCovenantHolds(s);
    });

    it('accepts a memory built entirely by hand and signed by gpg', async () => {
      const fpr = await gpg.generateKey('Crafter <crafter@example.com>');
      const s = sandbox();
      await initRepo(s);
      await trustGpgKey(s, fpr);
      const template = await record(s, 'Template memory', ['--gpg-key', fpr]);
      const envelope = readEnvelope(s, template.path);
      envelope.signed.body = { text: 'Crafted by hand, signed by gpg', tags: ['crafted'] };
      const bytes = signedBytes(envelope);
      const id = sha256(bytes);
      envelope.signatures = [{ keyid: fpr, sig: await gpg.detachSign(fpr, bytes) }];
      const path = `.remembrancer/memories/${id.slice(0, 2)}/${id}.json`;
      s.write(path, serializeEnvelope(envelope));

      await expectCovenantHolds(s);
      await expectValid(s, id, fpr);
    });
  });

  describe('a gpg key with a separate signing subkey', () => {
    it('signs with the subkey, names the primary fingerprint, and verifies', async () => {
      const fpr = await gpg.generateKey('Sub Keyed <subkeyed@example.com>');
      const sub = await gpg.addSubkey(fpr);
      expect(sub).not.toBe(fpr);
      const s = sandbox();
      await initRepo(s);
      await trustGpgKey(s, fpr);

      const m = await record(s, 'Signed by a signing subkey', ['--gpg-key', fpr]);
      expect(m.signers).toEqual([fpr]);
      const envelope = readEnvelope(s, m.path);
      expect(envelope.signatures[0]?.keyid).toBe(fpr);
      expect(envelope.signed.author.key).toBe(fpr);

      // gpg confirms the signature was made by the subkey of that primary key.
      const verified = await gpg.verify(envelope.signatures[0]?.sig ?? '', signedBytes(envelope));
      expect(verified.code, verified.stderr).toBe(0);
      const validsig = statusLines(verified.stdout, 'VALIDSIG')[0];
      expect(validsig?.[0]).toBe(sub);
      expect(validsig?.at(-1)).toBe(fpr);

      await expectValid(s, m.id, fpr);
      await expectCovenantHolds(s);

      // Naming the subkey finds the same key; the envelope still names the primary.
      const bySub = await record(s, 'Signer named by its subkey', [], { REMEMBRANCER_KEY_ID: sub });
      expect(bySub.signers).toEqual([fpr]);
      await expectValid(s, bySub.id, fpr);

      // A hand-made gpg signature by the subkey verifies too.
      const crafted = await record(s, 'Subkey signature put in by hand', [
        '--gpg-key',
        fpr,
        '--no-commit',
      ]);
      const env2 = readEnvelope(s, crafted.path);
      env2.signatures = [{ keyid: fpr, sig: await gpg.detachSign(`${sub}!`, signedBytes(env2)) }];
      s.write(crafted.path, serializeEnvelope(env2));
      await expectValid(s, crafted.id, fpr);
      await expectCovenantHolds(s);
    });

    it('works with the usual layout: a certify-only primary with signing and encryption subkeys', async () => {
      const fpr = await gpg.generateKey('Cert Only <cert-only@example.com>', { usage: 'cert' });
      const sign = await gpg.addSubkey(fpr, 'ed25519', 'sign');
      await gpg.addSubkey(fpr, 'cv25519', 'encr');
      const s = sandbox();
      await initRepo(s);
      await trustGpgKey(s, fpr);
      const m = await record(s, 'Signed by the signing subkey of a cert-only key', [
        '--gpg-key',
        fpr,
      ]);
      expect(m.signers).toEqual([fpr]);
      const envelope = readEnvelope(s, m.path);
      const verified = await gpg.verify(envelope.signatures[0]?.sig ?? '', signedBytes(envelope));
      expect(verified.code, verified.stderr).toBe(0);
      expect(statusLines(verified.stdout, 'VALIDSIG')[0]?.[0]).toBe(sign);
      await expectValid(s, m.id, fpr);
      await expectCovenantHolds(s);
    });
  });

  describe('keys that have since expired', () => {
    it('refuses to sign with an expired gpg key, but a signature made while it was valid still verifies', async () => {
      // Made and used in 2020 (gpg --faked-system-time), expired since June 2020.
      const fpr = await gpg.generateKey('Expired Key <expired@example.com>', {
        at: '20200101T000000',
        expire: '2020-06-01',
      });
      const s = sandbox();
      await initRepo(s);
      await trustGpgKey(s, fpr);
      const before = await s.state();
      const refused = await s.run(['record', 'decision', 'Too late', '--gpg-key', fpr]);
      expectUsageError(refused, 'gpg');
      expect(await s.state()).toBe(before);

      // A memory recorded in March 2020, signed then: evidence outlives the key's expiry.
      await s.ok([
        'key',
        'generate',
        '--name',
        'Template',
        '--email',
        'tpl@example.com',
        '--trust',
      ]);
      const template = await record(s, 'Template');
      const envelope = readEnvelope(s, template.path);
      envelope.signed.created = '2020-03-01T00:00:00Z';
      envelope.signed.author = { name: 'Expired Key', email: 'expired@example.com', key: fpr };
      envelope.signed.body = { text: 'Signed while the key was valid', tags: [] };
      const bytes = signedBytes(envelope);
      const id = sha256(bytes);
      const sig = await gpg.detachSign(fpr, bytes, ['--faked-system-time', '20200301T000100']);
      envelope.signatures = [{ keyid: fpr, sig }];
      s.write(`.remembrancer/memories/${id.slice(0, 2)}/${id}.json`, serializeEnvelope(envelope));

      const shown = await expectValid(s, id, fpr);
      expect(shown.verification.signatures[0]?.created).toBe('2020-03-01T00:01:00.000Z');
      await expectCovenantHolds(s);
    });
  });

  describe('failures', () => {
    it('--gpg-key for a key gpg does not have exits 2 with one line and changes nothing', async () => {
      const s = sandbox();
      await s.initSigned();
      const before = await s.state();

      const missing = 'C0FFEEC0FFEEC0FFEEC0FFEEC0FFEEC0FFEEC0FF';
      const byFlag = await s.run(['record', 'decision', 'Never recorded', '--gpg-key', missing]);
      expectUsageError(byFlag, missing);
      expect(await s.state()).toBe(before);

      const byEnv = await s.run(['record', 'decision', 'Never recorded either'], {
        env: { REMEMBRANCER_KEY_ID: 'nobody@nowhere.invalid' },
      });
      expectUsageError(byEnv, 'nobody@nowhere.invalid');
      expect(await s.state()).toBe(before);

      const json = await s.run(['record', 'decision', 'Nor this', '--gpg-key', missing, '--json']);
      expect(json.code, said(json)).toBe(2);
      expect(await s.state()).toBe(before);
    });

    it('a gpg key known only by its public half exits 2 and changes nothing', async () => {
      const s = sandbox();
      await s.initSigned();
      const publicOnly = await gpg.generateKey('Public Only <public-only@example.com>');
      const exported = join(s.dir, 'public-only.asc');
      writeFileSync(exported, await gpg.exportPublic(publicOnly));
      await gpg.ok(['--yes', '--delete-secret-keys', publicOnly]);
      await trustGpgKey(s, publicOnly);
      const before = await s.state();
      const r = await s.run(['record', 'decision', 'No secret key', '--gpg-key', publicOnly]);
      expectUsageError(r, publicOnly);
      expect(await s.state()).toBe(before);
    });

    it('a gpg key the agent cannot unlock exits 2 with one line and changes nothing', async () => {
      const locked = await gpg.generateKey('Locked Gpg <locked-gpg@example.com>', {
        passphrase: 'gpg secret',
      });
      const s = sandbox();
      await initRepo(s);
      await trustGpgKey(s, locked);
      const before = await s.state();
      const r = await s.run(['record', 'decision', 'Cannot unlock', '--gpg-key', locked]);
      expectUsageError(r, 'gpg');
      expect(await s.state()).toBe(before);
    });

    it('a user id that matches two gpg keys exits 2 and changes nothing', async () => {
      await gpg.generateKey('Twin One <twin@ambiguous.example>');
      await gpg.generateKey('Twin Two <twin@ambiguous.example>');
      const s = sandbox();
      await s.initSigned();
      const before = await s.state();
      const r = await s.run([
        'record',
        'decision',
        'Ambiguous',
        '--gpg-key',
        'twin@ambiguous.example',
      ]);
      expectUsageError(r, 'twin@ambiguous.example');
      expect(await s.state()).toBe(before);
    });

    it('refuses to record with an untrusted gpg key under the strict policy', async () => {
      const fpr = await gpg.generateKey('Stranger <stranger@example.com>');
      const s = sandbox();
      await s.initSigned();
      const before = await s.state();
      const r = await s.run(['record', 'decision', 'From a stranger', '--gpg-key', fpr]);
      expectUsageError(r, fpr, 'not a trust anchor');
      expect(await s.state()).toBe(before);
    });

    it('a gpg signature by an untrusted key breaks the covenant under strict (provenance)', async () => {
      const stranger = await gpg.generateKey('Untrusted <untrusted@example.com>');
      const s = sandbox();
      await s.initSigned();
      const template = await record(s, 'A trusted memory');
      const envelope = readEnvelope(s, template.path);
      envelope.signed.author = { name: 'Untrusted', email: 'untrusted@example.com', key: stranger };
      envelope.signed.body = { text: 'Signed by a key nobody trusts', tags: [] };
      const bytes = signedBytes(envelope);
      const id = sha256(bytes);
      envelope.signatures = [{ keyid: stranger, sig: await gpg.detachSign(stranger, bytes) }];
      const path = `.remembrancer/memories/${id.slice(0, 2)}/${id}.json`;
      s.write(path, serializeEnvelope(envelope));

      // The signature itself is good: gpg says so.
      const good = await gpg.verify(envelope.signatures[0]?.sig ?? '', bytes);
      expect(good.code).toBe(0);

      const { result, report } = await covenant(s);
      expect(result.code, said(result)).toBe(1);
      expect(report.ok).toBe(false);
      expect(report.policy).toBe('strict');
      expect(report.violations).toEqual([
        expect.objectContaining({
          rule: 'provenance',
          code: 'SIGNATURE_UNTRUSTED',
          file: path,
        }),
      ]);
      expect(report.violations[0]?.message).toContain(stranger);

      const human = await s.run(['covenant']);
      expect(human.code).toBe(1);
      expect(human.stdout).toMatch(/provenance\s+\.remembrancer\/memories\//);
    });

    it('a gpg signature over different bytes is invalid: covenant exits 1', async () => {
      const fpr = await gpg.generateKey('Other Bytes <other-bytes@example.com>');
      const s = sandbox();
      await initRepo(s);
      await trustGpgKey(s, fpr);
      const m = await record(s, 'The bytes that were meant', ['--gpg-key', fpr, '--no-commit']);
      const envelope = readEnvelope(s, m.path);
      const other = canonicalBytes({
        ...envelope.signed,
        body: { text: 'The bytes that were signed instead', tags: [] },
      });
      envelope.signatures = [{ keyid: fpr, sig: await gpg.detachSign(fpr, other) }];
      s.write(m.path, serializeEnvelope(envelope));

      const human = await s.run(['covenant']);
      expect(human.code, said(human)).toBe(1);
      expect(human.stdout).toContain('invalid');

      const { result, report } = await covenant(s);
      expect(result.code).toBe(1);
      expect(report.violations).toEqual([
        expect.objectContaining({ rule: 'provenance', code: 'SIGNATURE_INVALID', file: m.path }),
      ]);

      const shown = await s.run(['show', m.id, '--json']);
      expect(shown.code).toBe(1);
      const parsed = JSON.parse(shown.stdout) as Shown;
      expect(parsed.verification.ok).toBe(false);
      expect(parsed.verification.signatures[0]).toMatchObject({ keyid: fpr, state: 'invalid' });
    });
  });

  describe('a passphrase-protected key file', () => {
    const passphrase = 'correct horse battery staple';

    async function protectedRepo(): Promise<{
      s: Sandbox;
      fingerprint: string;
      privateKey: string;
      publicKey: string;
    }> {
      const s = sandbox();
      await initRepo(s);
      const r = await s.run(
        [
          'key',
          'generate',
          '--name',
          'Locked Key',
          '--email',
          'locked@example.com',
          '--passphrase-env',
          'KP',
          '--trust',
          '--json',
        ],
        { env: { KP: passphrase } },
      );
      expect(r.code, said(r)).toBe(0);
      const key = JSON.parse(r.stdout) as {
        fingerprint: string;
        privateKey: string;
        publicKey: string;
      };
      return { s, ...key };
    }

    it('signs with REMEMBRANCER_KEY_PASSPHRASE (or --passphrase-env) and gpg verifies it', async () => {
      const { s, fingerprint, publicKey } = await protectedRepo();
      const m = await record(s, 'Signed with a protected key', [], {
        REMEMBRANCER_KEY_PASSPHRASE: passphrase,
      });
      expect(m.signers).toEqual([fingerprint]);
      await expectValid(s, m.id, fingerprint);

      const viaFlag = await record(s, 'Protected key, named variable', ['--passphrase-env', 'KP'], {
        KP: passphrase,
      });
      expect(viaFlag.signers).toEqual([fingerprint]);
      await expectValid(s, viaFlag.id, fingerprint);
      await expectCovenantHolds(s);

      const imported = await gpg.import(publicKey);
      expect(imported.code, imported.stderr).toBe(0);
      const envelope = readEnvelope(s, m.path);
      const verified = await gpg.verify(envelope.signatures[0]?.sig ?? '', signedBytes(envelope));
      expect(verified.code, verified.stderr).toBe(0);
      expect(verified.stderr).toContain('Good signature');
    });

    it('without the passphrase exits 2 naming REMEMBRANCER_KEY_PASSPHRASE, and changes nothing', async () => {
      const { s } = await protectedRepo();
      const before = await s.state();
      const r = await s.run(['record', 'decision', 'No passphrase given']);
      expectUsageError(r, 'REMEMBRANCER_KEY_PASSPHRASE');
      expect(await s.state()).toBe(before);
    });

    it('with the wrong passphrase exits 2 and changes nothing', async () => {
      const { s, privateKey } = await protectedRepo();
      const before = await s.state();
      const r = await s.run(['record', 'decision', 'Wrong passphrase'], {
        env: { REMEMBRANCER_KEY_PASSPHRASE: 'not the passphrase' },
      });
      expectUsageError(r, 'wrong passphrase');
      expect(await s.state()).toBe(before);

      const viaKey = await s.run(['record', 'decision', 'Wrong again', '--key', privateKey], {
        env: { REMEMBRANCER_KEY_PASSPHRASE: 'still not it' },
      });
      expectUsageError(viaKey, 'wrong passphrase');
      expect(await s.state()).toBe(before);
    });

    it('key generate --passphrase-env with an unset variable exits 2', async () => {
      const s = sandbox();
      await initRepo(s);
      const before = await s.state();
      const r = await s.run([
        'key',
        'generate',
        '--name',
        'No Pass',
        '--email',
        'nopass@example.com',
        '--passphrase-env',
        'UNSET_PASSPHRASE_VAR',
      ]);
      expectUsageError(r, 'UNSET_PASSPHRASE_VAR');
      expect(await s.state()).toBe(before);
    });
  });
});
