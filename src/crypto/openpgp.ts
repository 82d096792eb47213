/**
 * Everything that touches openpgp.js. It is loaded on first use so that commands which
 * never sign or verify (and --help, --version) do not pay for it.
 */
import type * as OpenPGP from 'openpgp';
import { RemembrancerError } from '../ground/errors.js';
import { describeSecretKey, findSecretKey } from './secret-keys.js';

let loaded: Promise<typeof OpenPGP> | undefined;

export function openpgp(): Promise<typeof OpenPGP> {
  loaded ??= import('openpgp');
  return loaded;
}

export type PublicKey = OpenPGP.PublicKey;
export type PrivateKey = OpenPGP.PrivateKey;

export interface KeyInfo {
  fingerprint: string;
  userIds: string[];
  algorithm: string;
  created: string;
  expires: string | null;
  /** Normalised armour: no headers, fixed line length; what goes in trust/keys/. */
  armored: string;
}

export function fingerprintOf(key: OpenPGP.Key): string {
  return key.getFingerprint().toUpperCase();
}

function algorithmName(key: OpenPGP.Key): string {
  const info = key.getAlgorithmInfo() as { algorithm: string; curve?: string };
  return info.curve ? `${info.algorithm}/${info.curve}` : info.algorithm;
}

export async function describeKey(key: OpenPGP.Key): Promise<KeyInfo> {
  const expiration = await key.getExpirationTime().catch(() => null);
  const publicKey = key.isPrivate() ? key.toPublic() : key;
  return {
    fingerprint: fingerprintOf(key),
    userIds: key.getUserIDs(),
    algorithm: algorithmName(key),
    created: key.getCreationTime().toISOString(),
    expires: expiration instanceof Date ? expiration.toISOString() : null,
    armored: publicKey.armor(),
  };
}

/**
 * Reads one public key. Secret key material, whatever its armour says, is refused: it must
 * never enter the repository.
 */
export async function readPublicKey(input: string | Uint8Array, file?: string): Promise<PublicKey> {
  const bytes = typeof input === 'string' ? Buffer.from(input, 'utf8') : input;
  const isPrivate = (what: string) =>
    new RemembrancerError('KEY_IS_PRIVATE', `this holds ${what}, not a public key`, {
      file,
      fix: 'pass the public key (the .pub.asc file beside it); private keys never enter the repository',
    });
  const secret = findSecretKey(bytes);
  if (secret) throw isPrivate(describeSecretKey(secret));
  const pgp = await openpgp();
  let keys: OpenPGP.Key[];
  try {
    const armored = typeof input === 'string' ? input : Buffer.from(bytes).toString('utf8');
    keys = await pgp.readKeys({ armoredKeys: armored });
    if (keys.length !== 1) {
      throw new Error(`expected one key, found ${keys.length}`);
    }
  } catch (err) {
    throw new RemembrancerError(
      'KEY_UNREADABLE',
      `not an OpenPGP public key (${(err as Error).message})`,
      { file, fix: 'pass an ASCII-armoured public key, e.g. from gpg --armor --export KEYID' },
    );
  }
  // The second lock: whatever openpgp.js reads as a private key is one.
  if ((keys[0] as OpenPGP.Key).isPrivate()) throw isPrivate('an OpenPGP secret key');
  return keys[0] as PublicKey;
}

export async function readPrivateKey(
  armored: string,
  file: string,
  passphrase: () => Promise<string | undefined>,
): Promise<PrivateKey> {
  const pgp = await openpgp();
  let key: PrivateKey;
  try {
    key = await pgp.readPrivateKey({ armoredKey: armored });
  } catch (err) {
    throw new RemembrancerError(
      'KEY_NOT_PRIVATE',
      `not an OpenPGP private key (${(err as Error).message})`,
      {
        file,
        fix: 'point --key or REMEMBRANCER_KEY at the .key.asc file from `remembrancer key generate`',
      },
    );
  }
  if (key.isDecrypted()) return key;
  const secret = await passphrase();
  if (secret === undefined) {
    throw new RemembrancerError('KEY_PASSPHRASE', 'the key is protected by a passphrase', {
      file,
      fix: 'set REMEMBRANCER_KEY_PASSPHRASE or pass --passphrase-env VAR',
    });
  }
  try {
    return await pgp.decryptKey({ privateKey: key, passphrase: secret });
  } catch {
    throw new RemembrancerError('KEY_PASSPHRASE', 'wrong passphrase for the key', {
      file,
      fix: 'check the passphrase in REMEMBRANCER_KEY_PASSPHRASE or --passphrase-env',
    });
  }
}

export async function generateKeyPair(options: {
  name: string;
  email: string;
  passphrase?: string;
}): Promise<{ privateArmored: string; publicArmored: string; fingerprint: string }> {
  const pgp = await openpgp();
  // v4 with legacy Ed25519: the format GnuPG 2.2 can import (DESIGN.md §2).
  const { privateKey, publicKey } = await pgp.generateKey({
    type: 'ecc',
    curve: 'curve25519Legacy',
    userIDs: [{ name: options.name, email: options.email }],
    format: 'armored',
    ...(options.passphrase ? { passphrase: options.passphrase } : {}),
    config: { v6Keys: false },
  });
  const key = await pgp.readKey({ armoredKey: publicKey });
  return { privateArmored: privateKey, publicArmored: publicKey, fingerprint: fingerprintOf(key) };
}

export async function signDetached(data: Uint8Array, key: PrivateKey): Promise<string> {
  const pgp = await openpgp();
  const message = await pgp.createMessage({ binary: data });
  return (await pgp.sign({
    message,
    signingKeys: key,
    detached: true,
    format: 'armored',
  })) as string;
}

/**
 * Re-armours a signature in our one canonical form (no headers, openpgp.js line length)
 * so that the same signature from gpg or openpgp.js is the same string in a memory file.
 */
export async function normalizeArmoredSignature(armored: string): Promise<string> {
  const pgp = await openpgp();
  const signature = await pgp.readSignature({ armoredSignature: armored });
  return signature.armor();
}

export interface SignatureCheck {
  ok: boolean;
  /** Why it failed, in words a user can act on. */
  reason?: string;
  /** When the signature says it was made. */
  created?: string;
}

/** Verifies a detached signature over `data` with one known public key, offline. */
export async function verifyDetached(
  data: Uint8Array,
  armoredSignature: string,
  key: PublicKey,
): Promise<SignatureCheck> {
  const pgp = await openpgp();
  let signature: OpenPGP.Signature;
  try {
    signature = await pgp.readSignature({ armoredSignature });
  } catch (err) {
    return { ok: false, reason: `signature is unreadable (${(err as Error).message})` };
  }
  if (signature.packets.length !== 1) {
    return {
      ok: false,
      reason: `expected one signature packet, found ${signature.packets.length}`,
    };
  }
  const packet = signature.packets[0] as OpenPGP.SignaturePacket;
  const created = packet.created;
  if (!created) return { ok: false, reason: 'signature has no creation time' };
  if (packet.signatureType !== pgp.enums.signature.binary) {
    return { ok: false, reason: 'not a signature over binary data (gpg --detach-sign makes one)' };
  }
  try {
    // The key as it was when it signed (evidence must outlive a key's expiry): the
    // primary key or signing subkey the signature names, valid at that time. This is
    // what openpgp.verify() does, without rebuilding a message object per signature.
    const signing = await key.getSigningKey(packet.issuerKeyID, created);
    const named = packet.issuerFingerprint;
    if (named && Buffer.from(named).toString('hex') !== signing.getFingerprint()) {
      return {
        ok: false,
        reason: 'signature names another key fingerprint than the one that verifies it',
      };
    }
    const literal = new pgp.LiteralDataPacket();
    (literal as unknown as { setBytes(bytes: Uint8Array, format: number): void }).setBytes(
      data,
      pgp.enums.literal.binary,
    );
    await packet.verify(signing.keyPacket, pgp.enums.signature.binary, literal, created);
    return { ok: true, created: created.toISOString() };
  } catch (err) {
    const message = (err as Error).message.replace(/^Error verifying signature: /i, '');
    return { ok: false, reason: `signature does not verify (${message})` };
  }
}
