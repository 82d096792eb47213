/**
 * Provenance (covenant 2): checkSignatures and checkAllSignatures say of each signature
 * whether it verifies against a trusted key, and judgeProvenance what the policy makes of
 * that. A signature by a signing subkey counts for its primary key; a key that has expired
 * since still vouches for what it signed while valid, and for nothing signed after.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { readPublicKey } from '../../../src/crypto/openpgp.js';
import { WorkingTreeSnapshot } from '../../../src/ground/snapshot.js';
import { toMemory, type Memory } from '../../../src/memory/envelope.js';
import { TrustStore } from '../../../src/policy/trust.js';
import {
  checkAllSignatures,
  checkSignatures,
  judgeProvenance,
} from '../../../src/proof/provenance.js';
import { gitRepos } from '../../helpers/git-repo.js';
import { expiring, issuerOf, makeKey, signCanonical, type TestKey } from '../../helpers/keys.js';

const newRepo = gitRepos();

const DAY = 24 * 3600 * 1000;
let alice: TestKey;
let stranger: TestKey;
let sub: TestKey;
/** Made two days ago, expired one day later (reformatted after it signed `early`). */
let expired: TestKey;
let early: Memory;
let late: Memory;
let trust: TrustStore;

function signed(text: string, key: TestKey | undefined, node = 'alpha') {
  return {
    type: 'decision',
    schema: 1 as const,
    created: '2026-01-01T00:00:00Z',
    node,
    author: key
      ? { name: 'Signer', email: 'signer@example.com', key: key.fingerprint }
      : { name: 'Nobody', email: 'nobody@example.com' },
    body: { text, tags: [] },
  };
}

async function memory(
  text: string,
  by: TestKey[],
  options: { author?: TestKey | null; node?: string; date?: Date } = {},
): Promise<Memory> {
  const s = signed(
    text,
    options.author === null ? undefined : (options.author ?? by[0]),
    options.node,
  );
  const signatures = await Promise.all(
    by.map(async (k) => ({ keyid: k.fingerprint, sig: await signCanonical(s, k, options.date) })),
  );
  return toMemory({ signed: s, signatures });
}

beforeAll(async () => {
  const born = new Date(Date.now() - 2 * DAY);
  const old = await makeKey('Old Key', { created: born });
  [alice, stranger, sub] = await Promise.all([
    makeKey('Alice'),
    makeKey('Stranger'),
    makeKey('Subkey Signer', { signingSubkey: true }),
  ]);
  early = await memory('signed while the key was valid', [old], {
    date: new Date(born.getTime() + 3600 * 1000),
  });
  late = await memory('signed after the key expired', [old]);
  expired = await expiring(old, born, DAY / 1000);
  expect(expired.fingerprint).toBe(old.fingerprint);
  trust = TrustStore.of(
    await Promise.all([alice, sub, expired].map((k) => readPublicKey(k.publicArmored))),
  );
});

describe('checkSignatures', () => {
  it('a signature by a trusted key verifies, with its signer and time', async () => {
    const m = await memory('Use Postgres', [alice]);
    const [status] = await checkSignatures(m, trust);
    expect(status).toMatchObject({
      keyid: alice.fingerprint,
      state: 'valid',
      signer: 'Alice <alice@example.com>',
    });
    expect(Date.parse(status?.created as string)).toBeGreaterThan(Date.now() - DAY);
  });

  it('a signature by a signing subkey counts for its primary key', async () => {
    const m = await memory('signed by a subkey', [sub]);
    const issuer = await issuerOf(m.envelope.signatures[0]?.sig as string);
    expect(issuer.toUpperCase()).not.toBe(sub.fingerprint.slice(-16)); // not the primary's id
    expect((await checkSignatures(m, trust))[0]?.state).toBe('valid');
  });

  it('a memory altered after it was signed no longer verifies', async () => {
    const m = await memory('Use Postgres', [alice]);
    const altered = toMemory({
      signed: { ...m.envelope.signed, body: { text: 'Use MySQL', tags: [] } },
      signatures: m.envelope.signatures,
    });
    const [status] = await checkSignatures(altered, trust);
    expect(status?.state).toBe('invalid');
    expect(status?.reason).toMatch(/^signature does not verify/);
  });

  it('a key that is no trust anchor is untrusted, and never checked', async () => {
    const m = await memory('by a stranger', [stranger]);
    expect(await checkSignatures(m, trust)).toEqual([
      {
        keyid: stranger.fingerprint,
        state: 'untrusted',
        reason: `key ${stranger.fingerprint} is not a trust anchor`,
      },
    ]);
  });

  it('an expired key vouches for what it signed while valid, and for nothing signed after', async () => {
    expect((await checkSignatures(early, trust))[0]?.state).toBe('valid');
    const [status] = await checkSignatures(late, trust);
    expect(status?.state).toBe('invalid');
    expect(status?.reason).toMatch(/expired|not valid|no valid/i);
  });

  it('a peer’s key signing in our node’s name is untrusted, as unbound', async () => {
    const r = newRepo();
    r.write(
      '.remembrancer/config.json',
      JSON.stringify({ schema: 1, node: 'alpha', policy: 'strict' }),
    );
    r.write(
      '.remembrancer/peers.json',
      JSON.stringify({
        schema: 1,
        peers: [
          {
            name: 'beta',
            url: '/srv/beta',
            ref: 'refs/heads/main',
            tier: 'core',
            keys: [stranger.fingerprint],
          },
        ],
      }),
    );
    r.write(`.remembrancer/trust/peers/beta/${stranger.fingerprint}.asc`, stranger.publicArmored);
    const bound = await TrustStore.load(new WorkingTreeSnapshot(r.repo.remDir));
    const [ours] = await checkSignatures(await memory('in our name', [stranger]), bound);
    expect(ours).toMatchObject({ state: 'untrusted', unbound: true });
    const [theirs] = await checkSignatures(
      await memory('in its own name', [stranger], { node: 'beta' }),
      bound,
    );
    expect(theirs?.state).toBe('valid');
  });
});

describe('checkAllSignatures', () => {
  it('says of each memory what checkSignatures says', async () => {
    const memories = [
      await memory('one', [alice]),
      await memory('two', [stranger]),
      await memory('three', [alice, sub]),
      early,
      late,
    ];
    const all = await checkAllSignatures(memories, trust);
    for (const m of memories) {
      const one = (await checkSignatures(m, trust)).map(({ created: _c, ...s }) => s);
      expect(
        all.get(m.id)?.map(({ created: _c, ...s }) => s),
        m.id,
      ).toEqual(one);
    }
  });
});

describe('judgeProvenance', () => {
  const codes = (v: { violations: { code: string }[]; warnings: { code: string }[] }) => ({
    violations: v.violations.map((e) => e.code),
    warnings: v.warnings.map((e) => e.code),
  });

  it('strict: a memory needs a valid trusted signature; permissive: an unsigned one passes', async () => {
    const unsigned = await memory('unsigned', [], { author: null });
    expect(codes(judgeProvenance(unsigned, [], 'strict'))).toEqual({
      violations: ['SIGNER_REQUIRED'],
      warnings: [],
    });
    expect(codes(judgeProvenance(unsigned, [], 'permissive'))).toEqual({
      violations: [],
      warnings: [],
    });
    const good = await memory('good', [alice]);
    expect(codes(judgeProvenance(good, await checkSignatures(good, trust), 'strict'))).toEqual({
      violations: [],
      warnings: [],
    });
  });

  it('an untrusted signer fails strict and only warns under permissive', async () => {
    const m = await memory('by a stranger', [stranger]);
    const statuses = await checkSignatures(m, trust);
    const strict = judgeProvenance(m, statuses, 'strict');
    expect(codes(strict)).toEqual({ violations: ['SIGNATURE_UNTRUSTED'], warnings: [] });
    expect(strict.violations[0]?.file).toBe(`.remembrancer/${m.path}`);
    expect(codes(judgeProvenance(m, statuses, 'permissive'))).toEqual({
      violations: [],
      warnings: ['SIGNATURE_UNTRUSTED'],
    });
  });

  it('an invalid signature fails under either policy, even beside a valid one', async () => {
    const both = await memory('two signers', [alice, sub]);
    const elsewhere = await memory('something else', [sub]);
    // Sub's signature of another memory, grafted onto this one.
    const m = toMemory({
      signed: both.envelope.signed,
      signatures: both.envelope.signatures.map((x) =>
        x.keyid === sub.fingerprint ? (elsewhere.envelope.signatures[0] as typeof x) : x,
      ),
    });
    const statuses = await checkSignatures(m, trust);
    expect(statuses.map((x) => x.state).sort()).toEqual(['invalid', 'valid']);
    for (const policy of ['strict', 'permissive'] as const) {
      expect(codes(judgeProvenance(m, statuses, policy)).violations).toEqual(['SIGNATURE_INVALID']);
    }
  });

  it('an author naming a key that did not sign it fails: its signature was stripped', async () => {
    const m = await memory('claims alice', [sub], { author: alice });
    const verdict = judgeProvenance(m, await checkSignatures(m, trust), 'permissive');
    expect(verdict.violations.map((v) => v.message)).toEqual([
      `author names key ${alice.fingerprint}, which did not sign it`,
    ]);
  });
});
