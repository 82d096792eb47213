/**
 * Keys over time: `trust revoke` writes a signed revocation; signatures the key made
 * afterwards are rejected by the covenant and by federation, while those a real RFC 3161
 * timestamp (openssl ts on loopback) proves older stay valid.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CovenantReport } from '../../src/policy/covenant.js';
import { Sandbox, sandboxTracker } from '../helpers/cli.js';
import {
  decisionSigned,
  defaultKey,
  newKeyFiles,
  signWith,
  writeMemory,
  type KeyFiles,
} from '../helpers/craft.js';
import { AuthorityPool, LocalTsa } from '../helpers/tsa.js';

const track = sandboxTracker();
const authorities = new AuthorityPool();
let tsa: LocalTsa;
let template: Sandbox;
let anchor: KeyFiles;
let laptop: KeyFiles;

interface Recorded {
  id: string;
  path: string;
}

beforeAll(async () => {
  const authority = await authorities.make('Revocation');
  tsa = new LocalTsa(authority);
  await tsa.start();
  template = track(new Sandbox());
  await template.gitInit();
  await template.ok(['init', '--name', 'alpha']);
  const { fingerprint } = await template.json<{ fingerprint: string }>([
    'key',
    'generate',
    '--name',
    'Alpha Anchor',
    '--email',
    'anchor@example.com',
    '--trust',
  ]);
  anchor = defaultKey(template, fingerprint);
  laptop = await newKeyFiles(template.dir, 'Old Laptop');
  await template.ok(['trust', 'add', laptop.publicFile]);
  await template.ok(['trust', 'add-tsa', authority.caCert, '--name', 'test-tsa']);
});

afterAll(async () => {
  await tsa.stop();
  authorities.removeAll();
});

function covenant(s: Sandbox): Promise<CovenantReport> {
  return s.json<CovenantReport>(['covenant']);
}

describe('trust revoke', () => {
  it('keeps timestamped older signatures, warns on unproven ones, rejects later ones', async () => {
    const s = track(template.fork());
    const stamped = await s.json<Recorded>(
      ['record', 'decision', 'Signed on the laptop, timestamped', '--key', laptop.privateFile],
      { env: { REMEMBRANCER_TSA_URL: tsa.url } },
    );
    const unproven = await s.json<Recorded>([
      'record',
      'decision',
      'Signed on the laptop, never timestamped',
      '--key',
      laptop.privateFile,
    ]);
    // Revocation times have second precision: make "after" unambiguous.
    await new Promise((r) => setTimeout(r, 1100));
    const revoked = await s.json<{ id: string; type: string; fingerprint: string }>([
      'trust',
      'revoke',
      laptop.fingerprint.slice(-16),
      '--reason',
      'laptop stolen',
    ]);
    expect(revoked).toMatchObject({ type: 'revocation', fingerprint: laptop.fingerprint });
    const shown = await s.json<{
      envelope: { signed: { body: unknown; author: { key: string } } };
    }>(['show', revoked.id]);
    expect(shown.envelope.signed.body).toEqual({
      fingerprint: laptop.fingerprint,
      reason: 'laptop stolen',
    });
    expect(shown.envelope.signed.author.key).toBe(anchor.fingerprint);

    const report = await covenant(s);
    expect(report.ok).toBe(true);
    const warned = report.warnings.filter((w) => w.code === 'SIGNATURE_REVOKED');
    expect(warned.map((w) => w.file)).toEqual([unproven.path]);
    expect(report.warnings.some((w) => w.file?.includes(stamped.id))).toBe(false);

    // A memory the thief signs and commits by hand fails the covenant.
    const signed = decisionSigned('Forged by the thief', { key: laptop, node: 'alpha' });
    const forged = writeMemory(s, { signed, signatures: [await signWith(signed, laptop)] });
    const candidate = await covenant(s);
    expect(candidate.ok).toBe(false);
    expect(candidate.violations).toContainEqual(
      expect.objectContaining({
        code: 'SIGNATURE_REVOKED',
        file: forged.file,
        rule: 'provenance',
      }),
    );
  });

  it('a revocation counts only when the key itself or an own anchor signs it', async () => {
    const s = track(template.fork());
    const stranger = await newKeyFiles(s.dir, 'Stranger');
    const refused = await s.run([
      'trust',
      'revoke',
      anchor.fingerprint,
      '--key',
      stranger.privateFile,
    ]);
    expect(refused.code).not.toBe(0);
    // The laptop key may revoke itself.
    const self = await s.json<{ id: string }>([
      'trust',
      'revoke',
      laptop.fingerprint,
      '--key',
      laptop.privateFile,
    ]);
    expect(self.id).toMatch(/^[0-9a-f]{64}$/);
    expect((await covenant(s)).ok).toBe(true);
    const unknown = await s.run(['trust', 'revoke', 'DEADBEEFDEADBEEF']);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toMatch(/no trust anchor matches/);
  });

  it('federation rejects what a revoked peer key signs after its revocation', async () => {
    const ours = track(template.fork());
    const theirs = track(new Sandbox());
    await theirs.gitInit();
    await theirs.ok(['init', '--name', 'beta']);
    const { fingerprint } = await theirs.json<{ fingerprint: string }>([
      'key',
      'generate',
      '--name',
      'Beta',
      '--email',
      'beta@example.com',
      '--trust',
    ]);
    const beta = defaultKey(theirs, fingerprint);
    const early = await theirs.json<Recorded>(['record', 'decision', 'Stamped before'], {
      env: { REMEMBRANCER_TSA_URL: tsa.url },
    });
    const bare = await theirs.json<Recorded>(['record', 'decision', 'Not stamped, before']);
    await ours.ok(['federation', 'add', 'beta', theirs.repo, '--key', beta.publicFile]);
    await new Promise((r) => setTimeout(r, 1100));
    await ours.ok(['trust', 'revoke', beta.fingerprint, '--reason', 'beta key leaked']);
    await new Promise((r) => setTimeout(r, 1100));
    const late = await theirs.json<Recorded>(['record', 'decision', 'Signed after the leak'], {
      env: { REMEMBRANCER_TSA_URL: tsa.url },
    });
    const out = await ours.json<{
      peers: { accepted: string[]; rejected: { id: string; reason: string }[] }[];
    }>(['federation', 'sync', 'beta']);
    const result = out.peers[0];
    expect(result?.accepted).toEqual([early.id]);
    const reasons = Object.fromEntries((result?.rejected ?? []).map((r) => [r.id, r.reason]));
    expect(reasons[bare.id]).toMatch(/no timestamp proves/);
    expect(reasons[late.id]).toMatch(/after it was revoked/);
    expect((await covenant(ours)).ok).toBe(true);
  });
});
