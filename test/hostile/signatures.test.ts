/**
 * Forged and untrusted signatures. Each forgery is brought in twice: by a trusted peer in
 * `federation sync` (rejected with its exact reason, nothing of ours changed) and by a
 * commit into our own repository (`covenant --staged`, `covenant --base` fail with the one
 * line); the read verbs still answer. Keys only ever come from our own trust files, so a
 * signature counts only when the key our repository trusts for that node verifies it.
 */
import { readFileSync } from 'node:fs';
import * as openpgp from 'openpgp';
import { beforeAll, describe, expect, it } from 'vitest';
import type { CovenantReport } from '../../src/policy/covenant.js';
import { canonicalBytes, fileJson } from '../../src/ground/canonical-json.js';
import {
  decisionSigned,
  idOf,
  memoryFile,
  newKeyFiles,
  signWith,
  writeMemory,
  type AnyEnvelope,
  type KeyFiles,
} from '../helpers/craft.js';
import { noCrash, readVerbsHold, syncRejecting } from '../helpers/hostile.js';
import { Sandbox, sandboxTracker } from '../helpers/cli.js';
import {
  commitAll,
  covenantHolds,
  decide,
  forkNode,
  makeNode,
  peer,
  type Node,
} from '../helpers/nodes.js';

const track = sandboxTracker();

let alpha: Node;
let beta: Node;
let mallory: KeyFiles;

beforeAll(async () => {
  [alpha, beta] = await Promise.all([makeNode('alpha'), makeNode('beta')]);
  mallory = await newKeyFiles(track(new Sandbox()).dir, 'Mallory');
});

async function privateKey(key: KeyFiles): Promise<openpgp.PrivateKey> {
  return openpgp.readPrivateKey({ armoredKey: readFileSync(key.privateFile, 'utf8') });
}

/** A detached signature over `bytes`, made with openpgp.js directly and any options. */
async function sigOver(
  bytes: Uint8Array,
  key: KeyFiles,
  how: { text?: boolean; detached?: boolean } = {},
): Promise<string> {
  const message = how.text
    ? await openpgp.createMessage({ text: Buffer.from(bytes).toString('utf8') })
    : await openpgp.createMessage({ binary: bytes });
  return (await openpgp.sign({
    message,
    signingKeys: await privateKey(key),
    detached: how.detached ?? true,
    format: 'armored',
  })) as string;
}

/** Re-armours raw OpenPGP packets under the signature header, as a forger would. */
function asSignatureArmour(packets: Uint8Array): string {
  return openpgp
    .armor(openpgp.enums.armor.signature, packets)
    .replace(/^Version:.*\n|^Comment:.*\n/gm, '');
}

function bodyOf(armoured: string): Uint8Array {
  const b64 = armoured
    .split('\n')
    .filter((l) => l && !l.startsWith('-----') && !l.startsWith('=') && !l.includes(':'))
    .join('');
  return Buffer.from(b64, 'base64');
}

interface Forgery {
  name: string;
  make: (key: KeyFiles, node: string) => Promise<AnyEnvelope>;
  /** The reason, for `key` (the fingerprint the forgery names). */
  reason: (key: KeyFiles) => string | RegExp;
}

const forgeries: Forgery[] = [
  {
    name: 'signature bytes flipped inside the armour',
    make: async (key, node) => {
      const signed = decisionSigned('Flipped bytes', { key, node });
      const { keyid, sig } = await signWith(signed, key);
      const raw = bodyOf(sig);
      raw[raw.length - 10] ^= 0xff;
      return { signed, signatures: [{ keyid, sig: asSignatureArmour(raw) }] };
    },
    reason: (key) =>
      `signature by ${key.fingerprint} is invalid: signature does not verify (Signature verification failed)`,
  },
  {
    name: 'armour holding no OpenPGP data',
    make: async (key, node) => {
      const signed = decisionSigned('Not base64', { key, node });
      const sig =
        '-----BEGIN PGP SIGNATURE-----\n\nbm90IGEgc2lnbmF0dXJl\n-----END PGP SIGNATURE-----\n';
      return { signed, signatures: [{ keyid: key.fingerprint, sig }] };
    },
    reason: (key) =>
      `signature by ${key.fingerprint} is invalid: signature is unreadable (Error during parsing. This message / key probably does not conform to a valid OpenPGP format.)`,
  },
  {
    name: 'a genuine signature over another memory',
    make: async (key, node) => {
      const signed = decisionSigned('We never said this', { key, node });
      const other = await signWith(decisionSigned('We said something else', { key, node }), key);
      return { signed, signatures: [other] };
    },
    reason: (key) =>
      `signature by ${key.fingerprint} is invalid: signature does not verify (Signed digest did not match)`,
  },
  {
    name: 'a signature over a non-canonical form of the same content (the file bytes)',
    make: async (key, node) => {
      const signed = decisionSigned('Signed as the file shows it', { key, node });
      const sig = await sigOver(Buffer.from(fileJson(signed)), key);
      return { signed, signatures: [{ keyid: key.fingerprint, sig }] };
    },
    reason: (key) =>
      `signature by ${key.fingerprint} is invalid: signature does not verify (Signed digest did not match)`,
  },
  {
    name: 'a text-mode signature over the canonical bytes',
    make: async (key, node) => {
      const signed = decisionSigned('Signed in text mode', { key, node });
      const sig = await sigOver(canonicalBytes(signed), key, { text: true });
      return { signed, signatures: [{ keyid: key.fingerprint, sig }] };
    },
    reason: (key) =>
      `signature by ${key.fingerprint} is invalid: not a signature over binary data (gpg --detach-sign makes one)`,
  },
  {
    name: 'a whole signed message (not detached) armoured as a signature',
    make: async (key, node) => {
      const signed = decisionSigned('Inline, not detached', { key, node });
      const message = (await openpgp.sign({
        message: await openpgp.createMessage({ binary: canonicalBytes(signed) }),
        signingKeys: await privateKey(key),
        format: 'binary',
      })) as Uint8Array;
      return { signed, signatures: [{ keyid: key.fingerprint, sig: asSignatureArmour(message) }] };
    },
    reason: (key) =>
      `signature by ${key.fingerprint} is invalid: signature is unreadable (Packet not allowed in this context: onePassSignature)`,
  },
  {
    name: 'two signature packets in one armour (a valid one and another)',
    make: async (key, node) => {
      const signed = decisionSigned('Two packets', { key, node });
      const good = bodyOf((await signWith(signed, key)).sig);
      const other = bodyOf((await signWith(decisionSigned('Else', { key, node }), key)).sig);
      return {
        signed,
        signatures: [
          { keyid: key.fingerprint, sig: asSignatureArmour(Buffer.concat([good, other])) },
        ],
      };
    },
    reason: (key) =>
      `signature by ${key.fingerprint} is invalid: expected one signature packet, found 2`,
  },
  {
    name: "the key's own self-certification armoured as a signature",
    make: async (key, node) => {
      const signed = decisionSigned('A certification, not a signature', { key, node });
      const pub = await openpgp.readKey({ armoredKey: readFileSync(key.publicFile, 'utf8') });
      const cert = pub.users[0]?.selfCertifications[0] as openpgp.SignaturePacket;
      const list = new openpgp.PacketList<openpgp.SignaturePacket>();
      list.push(cert);
      return {
        signed,
        signatures: [{ keyid: key.fingerprint, sig: asSignatureArmour(list.write()) }],
      };
    },
    reason: (key) =>
      `signature by ${key.fingerprint} is invalid: not a signature over binary data (gpg --detach-sign makes one)`,
  },
  {
    name: "a stranger's signature filed under the trusted key's fingerprint",
    make: async (key, node) => {
      const signed = decisionSigned('Mallory, wearing a mask', { key, node });
      const { sig } = await signWith(signed, mallory);
      return { signed, signatures: [{ keyid: key.fingerprint, sig }] };
    },
    reason: (key) =>
      `signature by ${key.fingerprint} is invalid: signature does not verify (Could not find valid signing key packet in key ${key.fingerprint.slice(-16).toLowerCase()})`,
  },
  {
    name: 'a valid signature, but the author names another key that did not sign',
    make: async (key, node) => {
      const signed = decisionSigned('Claims another author key', { key: mallory, node });
      return { signed, signatures: [await signWith(signed, key)] };
    },
    reason: () => `author names key ${mallory.fingerprint}, which did not sign it`,
  },
];

/** The forgeries made for `key` in `node`'s name, written into `s`: id → expected reason. */
async function plant(s: Sandbox, key: KeyFiles, node: string) {
  const planted: { id: string; file: string; name: string; reason: string | RegExp }[] = [];
  for (const f of forgeries) {
    const { id, file } = writeMemory(s, await f.make(key, node));
    planted.push({ id, file, name: f.name, reason: f.reason(key) });
  }
  return planted;
}

describe('forged signatures brought by a trusted peer', () => {
  it('are each rejected with their reason; the good memory comes, nothing forged does', async () => {
    const a = forkNode(alpha);
    const b = forkNode(beta);
    const planted = await plant(b.s, beta.key, 'beta');
    await commitAll(b, 'forgeries');
    await peer(a, b);
    const before = await a.s.state();
    const out = await syncRejecting(a, 'beta');
    expect(out.accepted).toEqual([]);
    expect(out.rejected).toEqual(
      planted
        .map((p) => ({ id: p.id, path: p.file.replace('.remembrancer/', ''), reason: p.reason }))
        .sort((x, y) => (x.path < y.path ? -1 : 1)),
    );
    expect(await a.s.state()).toBe(before);
    await readVerbsHold(a.s);
  });

  it("a stranger's key, even with its key file in the peer's own trust folder, counts for nothing", async () => {
    const a = forkNode(alpha);
    const b = forkNode(beta);
    const signed = decisionSigned('Signed by a stranger', { key: mallory, node: 'beta' });
    const { id, file } = writeMemory(b.s, {
      signed,
      signatures: [await signWith(signed, mallory)],
    });
    // The peer trusts Mallory in its own repository: that is its business, not ours.
    b.s.write(
      `.remembrancer/trust/keys/${mallory.fingerprint}.asc`,
      readFileSync(mallory.publicFile),
    );
    b.s.write(
      `.remembrancer/trust/peers/alpha/${mallory.fingerprint}.asc`,
      readFileSync(mallory.publicFile),
    );
    await commitAll(b, 'trust mallory over there');
    await peer(a, b);
    const before = await a.s.state();
    const out = await syncRejecting(a, 'beta');
    expect(out.rejected).toEqual([
      {
        id,
        path: file.replace('.remembrancer/', ''),
        reason: `signed only by untrusted key ${mallory.fingerprint}`,
      },
    ]);
    expect(await a.s.state()).toBe(before);
  });

  it('a signature a stranger grafts onto a memory we keep is not copied onto ours', async () => {
    const a = forkNode(alpha);
    const b = forkNode(beta);
    const ours = await decide(a, 'Ours to keep, signed by us alone');
    await peer(b, a);
    await peer(a, b);
    await b.s.ok(['federation', 'sync', 'alpha']);
    const file = memoryFile(ours);
    const envelope = JSON.parse(b.s.read(file)) as AnyEnvelope;
    envelope.signatures.push(await signWith(envelope.signed, mallory));
    writeMemory(b.s, envelope);
    await commitAll(b, 'graft a stranger signature');
    const bytes = a.s.read(file);
    const r = await a.s.run(['federation', 'sync', 'beta', '--json']);
    noCrash(r);
    const out = JSON.parse(r.stdout) as { peers: { updated: string[]; rejected: unknown[] }[] };
    expect(out.peers[0]?.updated).toEqual([]);
    expect(out.peers[0]?.rejected).toEqual([]);
    expect(a.s.read(file)).toBe(bytes);
    const report = await a.s.json<CovenantReport>(['covenant']);
    expect(report.warnings).toEqual([]);
  });

  it('a smaller, forged signature under our key on a memory we keep is rejected; ours stays', async () => {
    const a = forkNode(alpha);
    const b = forkNode(beta);
    const ours = await decide(a, 'Ours, whose signature a peer tries to swap');
    await peer(b, a);
    await peer(a, b);
    await b.s.ok(['federation', 'sync', 'alpha']);
    const file = memoryFile(ours);
    const envelope = JSON.parse(b.s.read(file)) as AnyEnvelope;
    const lines = (envelope.signatures[0]?.sig as string).split('\n');
    // Merging keeps the lexicographically smaller signature of a key: this one would win.
    lines[2] = 'A' + (lines[2] as string).slice(1);
    const forged = lines.join('\n');
    expect(forged < (envelope.signatures[0]?.sig as string)).toBe(true);
    writeMemory(b.s, { ...envelope, signatures: [{ keyid: alpha.key.fingerprint, sig: forged }] });
    await commitAll(b, 'swap in a forged signature');
    const bytes = a.s.read(file);
    const out = await syncRejecting(a, 'beta');
    expect(out.rejected).toEqual([
      {
        id: ours,
        path: file.replace('.remembrancer/', ''),
        reason: `signature by ${alpha.key.fingerprint} is invalid: signature is unreadable (Error during parsing. This message / key probably does not conform to a valid OpenPGP format.)`,
      },
    ]);
    expect(a.s.read(file)).toBe(bytes);
    await covenantHolds(a);
  });
});

describe('a revoked key', () => {
  /** alpha revokes beta's key; the revocation's id and time. */
  async function revokeBeta(a: Node): Promise<{ id: string; at: string }> {
    const { id } = await a.s.json<{ id: string }>([
      'trust',
      'revoke',
      beta.key.fingerprint,
      '--reason',
      'beta key leaked',
    ]);
    const shown = await a.s.json<{ envelope: { signed: { created: string } } }>(['show', id]);
    return { id, at: shown.envelope.signed.created };
  }

  it('signing after the revocation, or backdating to before it, is rejected', async () => {
    const a = forkNode(alpha);
    const b = forkNode(beta);
    await peer(a, b);
    const revoked = await revokeBeta(a);
    const late = decisionSigned('Signed with the leaked key', { key: beta.key, node: 'beta' });
    const lateFile = writeMemory(b.s, {
      signed: late,
      signatures: [await signWith(late, beta.key)],
    });
    // The thief says the memory is old; no timestamp backs the claim.
    const old = {
      ...decisionSigned('Backdated by the thief', { key: beta.key, node: 'beta' }),
      created: '2020-01-01T00:00:00Z',
    };
    const oldFile = writeMemory(b.s, { signed: old, signatures: [await signWith(old, beta.key)] });
    await commitAll(b, 'signed with a revoked key');
    const before = await a.s.state();
    const out = await syncRejecting(a, 'beta');
    const when = `revoked at ${revoked.at} (revocation ${revoked.id.slice(0, 12)})`;
    const byPath = Object.fromEntries(out.rejected.map((r) => [r.path, r.reason]));
    expect(byPath).toEqual({
      [lateFile.file.replace('.remembrancer/', '')]:
        `signed by key ${beta.key.fingerprint}, created ${late.created}, after it was ${when}`,
      [oldFile.file.replace('.remembrancer/', '')]:
        `signed by key ${beta.key.fingerprint}, ${when}, and no timestamp proves the signature is older`,
    });
    expect(await a.s.state()).toBe(before);
  });

  it("a peer's key cannot revoke our anchor: the revocation is kept as its memory, and counts for nothing", async () => {
    const a = forkNode(alpha);
    const b = forkNode(beta);
    await peer(a, b);
    const signed = {
      type: 'revocation',
      schema: 1 as const,
      created: decisionSigned('x').created,
      node: 'beta',
      author: { name: beta.key.name, email: beta.key.email, key: beta.key.fingerprint },
      body: { fingerprint: alpha.key.fingerprint, reason: 'beta says so' },
    };
    const { id } = writeMemory(b.s, { signed, signatures: [await signWith(signed, beta.key)] });
    await commitAll(b, 'revoke alpha');
    const r = await a.s.run(['federation', 'sync', 'beta', '--json']);
    expect(r.code, r.stderr).toBe(0);
    expect(a.s.exists(memoryFile(id))).toBe(true);
    // Our key still signs, and what it signed still holds.
    await decide(a, 'Recorded after beta tried to revoke our key');
    const report = await a.s.json<CovenantReport>(['covenant']);
    expect(report.violations).toEqual([]);
    expect(report.warnings).toEqual([]);
  });

  it('the covenant rejects a backdated memory by our own revoked key in a commit', async () => {
    const a = forkNode(alpha);
    const laptop = await newKeyFiles(a.s.dir, 'Old Laptop');
    await a.s.ok(['trust', 'add', laptop.publicFile]);
    const { id } = await a.s.json<{ id: string }>([
      'trust',
      'revoke',
      laptop.fingerprint,
      '--reason',
      'stolen',
    ]);
    const at = (await a.s.json<{ envelope: { signed: { created: string } } }>(['show', id]))
      .envelope.signed.created;
    const base = (await a.s.git(['rev-parse', 'HEAD'])).trim();
    const old = {
      ...decisionSigned('Backdated by the thief', { key: laptop, node: 'alpha' }),
      created: '2020-01-01T00:00:00Z',
    };
    const { file } = writeMemory(a.s, { signed: old, signatures: [await signWith(old, laptop)] });
    await a.s.git(['add', '-A']);
    const message = `signed by key ${laptop.fingerprint}, revoked at ${at} (revocation ${id.slice(0, 12)}), and no timestamp proves the signature is older`;
    const staged = await a.s.run(['covenant', '--staged']);
    expect(staged.code).toBe(1);
    expect(staged.stdout).toContain(`provenance  ${file}: ${message}\n`);
    await a.s.git(['commit', '-qn', '-m', 'a thief commits']);
    const before = await a.s.state();
    const report = await a.s.json<CovenantReport>(['covenant', '--base', base, '--head', 'HEAD']);
    expect(report.violations).toEqual([
      expect.objectContaining({ rule: 'provenance', code: 'SIGNATURE_REVOKED', file, message }),
    ]);
    expect(await a.s.state()).toBe(before);
  });
});

describe('forged signatures committed into our own repository', () => {
  it('fail covenant --staged and --base, each with its one line, and the read verbs still answer', async () => {
    const a = forkNode(alpha);
    const base = (await a.s.git(['rev-parse', 'HEAD'])).trim();
    const planted = await plant(a.s, alpha.key, 'alpha');
    const stranger = decisionSigned('Signed by a stranger', { key: mallory, node: 'alpha' });
    const strange = writeMemory(a.s, {
      signed: stranger,
      signatures: [await signWith(stranger, mallory)],
    });
    await a.s.git(['add', '-A']);
    const expected = [
      ...planted.map((p) => ({
        file: p.file,
        code: 'SIGNATURE_INVALID',
        message: p.reason,
      })),
      {
        file: strange.file,
        code: 'SIGNATURE_UNTRUSTED',
        message: `signed only by untrusted key ${mallory.fingerprint}`,
      },
    ];
    const check = async (args: string[]) => {
      const before = await a.s.state();
      const report = await a.s.json<CovenantReport>(['covenant', ...args]);
      const found = report.violations
        .map((v) => ({ file: v.file, code: v.code, message: v.message }))
        .sort((x, y) => ((x.file ?? '') < (y.file ?? '') ? -1 : 1));
      expect(found).toEqual(expected.sort((x, y) => (x.file < y.file ? -1 : 1)));
      const human = await a.s.run(['covenant', ...args]);
      expect(human.code).toBe(1);
      for (const e of expected)
        expect(human.stdout).toContain(`provenance  ${e.file}: ${e.message}\n`);
      expect(await a.s.state()).toBe(before);
    };
    await check(['--staged']);
    await a.s.git(['commit', '-qn', '-m', 'forgeries by someone with write access']);
    await check(['--base', base, '--head', 'HEAD']);
    await readVerbsHold(a.s, [...planted.map((p) => p.id), idOf(stranger)]);
  });
});
