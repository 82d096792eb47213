/**
 * The secret key detector (src/crypto/secret-keys.ts) on material made at test time: every
 * shape a secret key is left in is found, whatever its label or encoding, and public keys,
 * signatures, certificates, prose and random bytes are not.
 */
import { mkdtempSync, realpathSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { describeSecretKey, findSecretKey } from '../../src/crypto/secret-keys.js';
import {
  armour,
  base64Wrapped,
  compressedMessage,
  LABEL,
  openPgpSecrets,
  systemSecrets,
  type OpenPgpSecrets,
  type Samples,
} from '../helpers/secrets.js';

let dir: string;
let v4: OpenPgpSecrets;
let locked: OpenPgpSecrets;
let v6: OpenPgpSecrets;
let rsa: OpenPgpSecrets;
let system: { secret: Samples; harmless: Samples };

beforeAll(async () => {
  dir = realpathSync(mkdtempSync(join(tmpdir(), 'rem-secrets-')));
  [v4, locked, v6, rsa] = await Promise.all([
    openPgpSecrets(),
    openPgpSecrets({ passphrase: 'correct horse' }),
    openPgpSecrets({ v6: true }),
    openPgpSecrets({ rsa: true }),
  ]);
  system = systemSecrets(dir);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const json = (value: unknown) => Buffer.from(JSON.stringify(value, null, 2));
/** JSON whose every character past ASCII letters and digits is a \uXXXX escape. */
const escapedJson = (text: string) =>
  Buffer.from(
    `{"note":"${[...text].map((c) => (/[A-Za-z0-9]/.test(c) ? c : `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`)).join('')}"}`,
  );

function found(bytes: Uint8Array) {
  const result = findSecretKey(bytes);
  return result && describeSecretKey(result);
}

describe('finds OpenPGP secret keys by their packets', () => {
  const cases: [string, () => Uint8Array, RegExp][] = [
    ['armoured as a private key', () => Buffer.from(v4.armoured), /^an OpenPGP secret key/],
    [
      'armoured as a PUBLIC KEY BLOCK',
      () => Buffer.from(armour(LABEL.public, v4.binary)),
      /^an OpenPGP secret key \(in an armour block labelled "PGP PUBLIC KEY BLOCK"\)$/,
    ],
    ['armoured as a MESSAGE', () => Buffer.from(armour(LABEL.message, v4.binary)), /MESSAGE/],
    ['armoured as a SIGNATURE', () => Buffer.from(armour(LABEL.signature, v4.binary)), /SIGNATURE/],
    [
      'armoured with CRLF line ends, no CRC and headers',
      () => Buffer.from(armour(LABEL.public, v4.binary, { crlf: true })),
      /secret key/,
    ],
    [
      'in a markdown quote',
      () => Buffer.from(`Our key:\n\n${armour(LABEL.public, v4.binary).replace(/^/gm, '> ')}`),
      /secret key/,
    ],
    [
      'cut off halfway',
      () => {
        const text = armour(LABEL.public, v4.binary);
        return Buffer.from(text.slice(0, text.length / 2));
      },
      /secret key/,
    ],
    ['binary', () => v4.binary, /^an OpenPGP secret key$/],
    ['binary, protected by a passphrase', () => locked.binary, /^an OpenPGP secret key$/],
    ['armoured, protected by a passphrase', () => Buffer.from(locked.armoured), /secret key/],
    ['v6 (RFC 9580), binary', () => v6.binary, /^an OpenPGP secret key$/],
    ['RSA, binary', () => rsa.binary, /^an OpenPGP secret key$/],
    [
      'a secret subkey only, beside a public primary key',
      () => v4.subkeyOnly,
      /^an OpenPGP secret subkey$/,
    ],
    [
      'a secret subkey only, armoured as a PUBLIC KEY BLOCK',
      () => Buffer.from(armour(LABEL.public, v4.subkeyOnly)),
      /secret subkey/,
    ],
  ];
  it.each(cases)('%s', (_, bytes, expected) => {
    expect(found(bytes())).toMatch(expected);
  });

  it('inside a compressed message, binary and armoured', async () => {
    const message = await compressedMessage(v4.binary);
    expect(found(message)).toBe(
      'an OpenPGP secret key (in OpenPGP compressed data, in OpenPGP literal data)',
    );
    expect(found(Buffer.from(armour(LABEL.message, message)))).toMatch(
      /^an OpenPGP secret key \(in an armour block labelled "PGP MESSAGE", in OpenPGP compressed data/,
    );
  });
});

describe('finds keys however they are encoded', () => {
  const cases: [string, () => Uint8Array, RegExp][] = [
    [
      'armour in a JSON string (a memory note)',
      () => json({ signed: { body: { text: `keep this:\n${armour(LABEL.public, v4.binary)}` } } }),
      /in an armour block labelled "PGP PUBLIC KEY BLOCK"/,
    ],
    [
      'armour in a JSON string in a JSON string',
      () => json({ payload: JSON.stringify({ key: armour(LABEL.public, v4.binary) }) }),
      /secret key/,
    ],
    [
      'armour in JSON with every punctuation mark \\u-escaped',
      () => escapedJson(armour(LABEL.public, v4.binary)),
      /^an OpenPGP secret key \(in a JSON string, in an armour block/,
    ],
    [
      'binary key as \\u escapes in JSON',
      () => json({ blob: v4.binary.toString('latin1') }),
      /in a JSON string/,
    ],
    [
      'base64 on one line',
      () => Buffer.from(v4.binary.toString('base64')),
      /^an OpenPGP secret key \(base64\)$/,
    ],
    ['base64 wrapped at 76 columns', () => Buffer.from(base64Wrapped(v4.binary)), /\(base64\)/],
    [
      'base64 wrapped, in a JSON string',
      () => json({ key: base64Wrapped(v4.subkeyOnly) }),
      /^an OpenPGP secret subkey \(base64\)$/,
    ],
    [
      'base64 with JSON-escaped slashes',
      () => Buffer.from(`{"key":"${v4.binary.toString('base64').replace(/\//g, '\\/')}"}`),
      /secret key/,
    ],
    [
      'base64 of the armoured text',
      () => json({ key: Buffer.from(v4.armoured).toString('base64') }),
      /^an OpenPGP secret key \(base64, in an armour block/,
    ],
    [
      'UTF-16 text with a byte-order mark',
      () => Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(v4.armoured, 'utf16le')]),
      /UTF-16 text/,
    ],
  ];
  it.each(cases)('%s', (_, bytes, expected) => {
    expect(found(bytes())).toMatch(expected);
  });
});

describe('finds OpenSSH, PEM and DER private keys', () => {
  it('each one', () => {
    const missed = Object.entries(system.secret).filter(([, bytes]) => !findSecretKey(bytes));
    expect(missed.map(([name]) => name)).toEqual([]);
    expect(found(system.secret['an OpenSSH private key'] as Buffer)).toBe(
      'an OpenSSH private key (in an armour block labelled "OPENSSH PRIVATE KEY")',
    );
    expect(found(system.secret['a DER PKCS#8 private key'] as Buffer)).toBe('a PKCS#8 private key');
    expect(
      found(json({ k: (system.secret['a PEM RSA private key'] as Buffer).toString() })),
    ).toMatch(/^a PEM private key/);
  });
});

describe('passes what holds no secret', () => {
  it('public keys, signatures, certificates, in every form', () => {
    const harmless: Samples = {
      ...system.harmless,
      'a public key, armoured': Buffer.from(v4.publicArmoured),
      'a public key, binary': v4.publicBinary,
      'a v6 public key, binary': v6.publicBinary,
      'an RSA public key, binary': rsa.publicBinary,
      'a public key in a JSON string': json({ key: v4.publicArmoured }),
      'a public key, base64': Buffer.from(v4.publicBinary.toString('base64')),
      'a signature, armoured': Buffer.from(v4.signatureArmoured),
      'a signature, binary': v4.signatureBinary,
      'a memory-shaped file with a signature': json({
        signatures: [{ keyid: v4.fingerprint, sig: v4.signatureArmoured }],
        signed: { body: { text: 'Adopt Postgres 16', tags: [] }, type: 'decision' },
      }),
      'hex digests and ids': Buffer.from(`${'ab12'.repeat(16)}\n${'0f'.repeat(40)}\n`),
    };
    const flagged = Object.entries(harmless)
      .map(([name, bytes]) => [name, found(bytes)])
      .filter(([, what]) => what !== undefined);
    expect(flagged).toEqual([]);
  });

  it('a marker in prose or code, with no key after it', () => {
    const private_ = `-----BEGIN ${LABEL.private}-----`;
    for (const text of [
      `Never paste a block starting ${private_} into a memory.`,
      `result.push('${private_}\\n');\nresult.push(body);\n`,
      `{"text":"a file that begins with ${private_}\\nis a key"}`,
      '-----BEGIN OPENSSH PRIVATE KEY-----\n-----END OPENSSH PRIVATE KEY-----\n',
    ]) {
      expect(found(Buffer.from(text)), text).toBeUndefined();
    }
  });

  it('the OpenSSH magic as a constant inside a program', () => {
    const program = Buffer.concat([
      Buffer.from('\x7fELF\x02\x01\x01\0'),
      Buffer.from('openssh-key-v1\0', 'latin1'),
      Buffer.from([0xde, 0xad, 0xbe, 0xef, 0, 0, 0, 0]),
    ]);
    expect(found(program)).toBeUndefined();
  });

  it('random bytes, and random bytes behind a secret-key packet header', () => {
    // Seeded, so that a run can be repeated; the headers are those of tags 5 and 7.
    const headers = [0x94, 0x95, 0x96, 0x97, 0x9c, 0x9d, 0xc5, 0xc7];
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 0, maxLength: 4096 }),
        fc.constantFrom(undefined, ...headers),
        (bytes, header) => {
          const b = Buffer.from(bytes);
          if (header !== undefined && b.length > 0) b[0] = header;
          expect(findSecretKey(b)).toBeUndefined();
          expect(findSecretKey(Buffer.from(b.toString('base64')))).toBeUndefined();
        },
      ),
      { seed: 1414, numRuns: 3000 },
    );
  });
});
