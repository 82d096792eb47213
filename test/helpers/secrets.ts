/**
 * Secret key material in the forms people and tools leave it in, made at test time (no key
 * is ever committed, in any encoding): OpenPGP keys from openpgp.js written in every
 * armour and binary shape, OpenSSH keys from ssh-keygen, PEM and DER keys from openssl.
 * And, for the other side of each check, the public and signed material that must pass.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as openpgp from 'openpgp';

/** Bytes under a name that says what they are, for test titles. */
export type Samples = Record<string, Buffer>;

const LABEL = {
  public: 'PGP PUBLIC KEY BLOCK',
  message: 'PGP MESSAGE',
  signature: 'PGP SIGNATURE',
  private: ['PGP', 'PRIVATE', 'KEY', 'BLOCK'].join(' '),
};

/** ASCII armour of `bytes` with any header line: what a tool would write with that label. */
export function armour(label: string, bytes: Uint8Array, options: { crlf?: boolean } = {}) {
  const body = Buffer.from(bytes)
    .toString('base64')
    .replace(/.{1,64}/g, '$&\n');
  const text = `-----BEGIN ${label}-----\nComment: made by a test\n\n${body}-----END ${label}-----\n`;
  return options.crlf ? text.replace(/\n/g, '\r\n') : text;
}

/** `bytes` as base64 wrapped at 76 columns, as `base64` prints it. */
export function base64Wrapped(bytes: Uint8Array): string {
  return Buffer.from(bytes)
    .toString('base64')
    .replace(/.{1,76}/g, '$&\n');
}

export interface OpenPgpSecrets {
  /** Armoured as openpgp.js writes it (PRIVATE KEY BLOCK). */
  armoured: string;
  binary: Buffer;
  /** A public primary key with one secret subkey, binary. */
  subkeyOnly: Buffer;
  publicArmoured: string;
  publicBinary: Buffer;
  /** A detached signature by the key, armoured and binary. */
  signatureArmoured: string;
  signatureBinary: Buffer;
  fingerprint: string;
}

/** A fresh OpenPGP key (v4 legacy Ed25519, as `key generate` makes) in every form. */
export async function openPgpSecrets(
  options: { passphrase?: string; v6?: boolean; rsa?: boolean } = {},
): Promise<OpenPgpSecrets> {
  const { privateKey } = await openpgp.generateKey({
    ...(options.rsa
      ? { type: 'rsa' as const, rsaBits: 2048 }
      : options.v6
        ? { type: 'curve25519' as const }
        : { type: 'ecc' as const, curve: 'curve25519Legacy' as const }),
    userIDs: [{ name: 'Leaky Tester', email: 'leaky@example.com' }],
    format: 'object',
    ...(options.passphrase ? { passphrase: options.passphrase } : {}),
    config: { v6Keys: options.v6 === true },
  });
  const publicKey = privateKey.toPublic();
  // The public packets, with the subkey's public packet swapped for its secret one.
  const mixed = new openpgp.PacketList<openpgp.AnyPacket>();
  const secretPackets = privateKey.toPacketList();
  publicKey.toPacketList().forEach((packet, i) => {
    mixed.push(packet instanceof openpgp.PublicSubkeyPacket ? secretPackets[i]! : packet);
  });
  const unlocked = options.passphrase
    ? await openpgp.decryptKey({ privateKey, passphrase: options.passphrase })
    : privateKey;
  const message = await openpgp.createMessage({ binary: new Uint8Array([1, 2, 3]) });
  const signature = (await openpgp.sign({
    message,
    signingKeys: unlocked,
    detached: true,
    format: 'binary',
  })) as Uint8Array;
  return {
    armoured: privateKey.armor(),
    binary: Buffer.from(privateKey.write()),
    subkeyOnly: Buffer.from(mixed.write()),
    publicArmoured: publicKey.armor(),
    publicBinary: Buffer.from(publicKey.write()),
    signatureArmoured: armour(LABEL.signature, signature),
    signatureBinary: Buffer.from(signature),
    fingerprint: privateKey.getFingerprint().toUpperCase(),
  };
}

/** A secret key inside a compressed OpenPGP message (what `gpg --store` of a key file makes). */
export async function compressedMessage(secret: Uint8Array): Promise<Buffer> {
  const message = await openpgp.createMessage({ binary: secret, format: 'binary' });
  // Message.compress is in openpgp.js 6 but not in its type definitions.
  const compressible = message as unknown as {
    compress(algorithm: number): Promise<{ write(): unknown }>;
  };
  const compressed = await compressible.compress(openpgp.enums.compression.zlib);
  // openpgp.js hands back a stream of chunks here, however small the message.
  const chunks = compressed.write() as unknown as {
    readToEnd(join: (parts: Uint8Array[]) => Uint8Array): Promise<Uint8Array>;
  };
  return Buffer.from(await chunks.readToEnd((parts) => Buffer.concat(parts)));
}

export { LABEL };

/** OpenSSH, PEM and DER private keys, and their public sides, made by ssh-keygen and openssl. */
export function systemSecrets(dir: string): { secret: Samples; harmless: Samples } {
  const run = (program: string, args: string[]) =>
    execFileSync(program, args, { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
  run('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'test', '-f', 'ssh-ed25519']);
  run('ssh-keygen', ['-q', '-t', 'ecdsa', '-m', 'PEM', '-N', '', '-C', 'test', '-f', 'ssh-ec']);
  run('openssl', ['genpkey', '-algorithm', 'ed25519', '-out', 'ed25519.pem']);
  run('openssl', ['genpkey', '-algorithm', 'ed25519', '-outform', 'DER', '-out', 'ed25519.der']);
  run('openssl', [
    'ecparam',
    '-name',
    'prime256v1',
    '-genkey',
    '-noout',
    '-outform',
    'DER',
    '-out',
    'ec.der',
  ]);
  run('openssl', [
    'genpkey',
    '-algorithm',
    'RSA',
    '-pkeyopt',
    'rsa_keygen_bits:2048',
    '-out',
    'rsa.pem',
  ]);
  run('openssl', ['rsa', '-in', 'rsa.pem', '-traditional', '-outform', 'DER', '-out', 'rsa1.der']);
  run('openssl', [
    'pkcs8',
    '-topk8',
    '-in',
    'rsa.pem',
    '-passout',
    'pass:secret',
    '-out',
    'rsa-enc.pem',
  ]);
  run('openssl', [
    'pkcs8',
    '-topk8',
    '-in',
    'rsa.pem',
    '-passout',
    'pass:secret',
    '-outform',
    'DER',
    '-out',
    'rsa-enc.der',
  ]);
  run('openssl', [
    'req',
    '-x509',
    '-key',
    'rsa.pem',
    '-subj',
    '/CN=test',
    '-days',
    '1',
    '-out',
    'cert.pem',
  ]);
  run('openssl', ['x509', '-in', 'cert.pem', '-outform', 'DER', '-out', 'cert.der']);
  run('openssl', [
    'pkcs12',
    '-export',
    '-in',
    'cert.pem',
    '-inkey',
    'rsa.pem',
    '-passout',
    'pass:secret',
    '-out',
    'store.p12',
  ]);
  run('openssl', ['pkey', '-in', 'rsa.pem', '-pubout', '-out', 'rsa-pub.pem']);
  const file = (name: string) => readFileSync(join(dir, name));
  const sshBinary = Buffer.from(
    file('ssh-ed25519').toString('latin1').split('\n').slice(1, -2).join(''),
    'base64',
  );
  const pkcs8 = file('ed25519.der');
  return {
    secret: {
      'an OpenSSH private key': file('ssh-ed25519'),
      'an OpenSSH private key, binary': sshBinary,
      'an OpenSSH private key, binary, base64 in one line': Buffer.from(
        sshBinary.toString('base64'),
      ),
      'a PEM EC private key (ssh-keygen -m PEM)': file('ssh-ec'),
      'a PEM PKCS#8 private key': file('ed25519.pem'),
      'a PEM RSA private key': file('rsa.pem'),
      'a PEM encrypted PKCS#8 private key': file('rsa-enc.pem'),
      'a DER PKCS#8 private key': pkcs8,
      'a DER SEC1 EC private key': file('ec.der'),
      'a DER PKCS#1 RSA private key': file('rsa1.der'),
      'a DER encrypted PKCS#8 private key': file('rsa-enc.der'),
      'a PKCS#12 key store': file('store.p12'),
      'a PKCS#8 key in a PEM block labelled CERTIFICATE': Buffer.from(
        armour('CERTIFICATE', pkcs8).replace('Comment: made by a test\n\n', ''),
      ),
    },
    harmless: {
      'an OpenSSH public key': file('ssh-ed25519.pub'),
      'an X.509 certificate, PEM': file('cert.pem'),
      'an X.509 certificate, DER': file('cert.der'),
      'an X.509 certificate, base64 in a JSON string': Buffer.from(
        JSON.stringify({ token: file('cert.der').toString('base64') }),
      ),
      'a PEM public key': file('rsa-pub.pem'),
    },
  };
}
