/**
 * OpenPGP keys made at test time with openpgp.js, in the shapes GnuPG and other tools
 * give them: a primary key that signs, one whose signing is done by a subkey, one that has
 * expired since it signed. Signatures are detached and binary, as `gpg --detach-sign` makes.
 */
import * as openpgp from 'openpgp';
import { canonicalBytes } from '../../src/ground/canonical-json.js';
import { fingerprintOf } from '../../src/crypto/openpgp.js';

export interface TestKey {
  /** The primary key's fingerprint, as trust/keys/<FPR>.asc names it. */
  fingerprint: string;
  publicArmored: string;
  privateArmored: string;
  privateKey: openpgp.PrivateKey;
  publicKey: openpgp.PublicKey;
}

const config = { v6Keys: false } as const;

async function wrap(privateArmored: string, publicArmored: string): Promise<TestKey> {
  const privateKey = await openpgp.readPrivateKey({ armoredKey: privateArmored });
  const publicKey = await openpgp.readKey({ armoredKey: publicArmored });
  return {
    fingerprint: fingerprintOf(publicKey),
    publicArmored,
    privateArmored,
    privateKey,
    publicKey,
  };
}

/**
 * A new key pair. `signingSubkey`: the primary key only certifies and a subkey signs.
 * `created`: the key's creation time (a key made in the past).
 */
export async function makeKey(
  name: string,
  options: { signingSubkey?: boolean; created?: Date } = {},
): Promise<TestKey> {
  const { privateKey, publicKey } = await openpgp.generateKey({
    type: 'ecc',
    curve: 'curve25519Legacy',
    userIDs: [{ name, email: `${name.toLowerCase().replace(/\W+/g, '.')}@example.com` }],
    subkeys: options.signingSubkey ? [{ sign: true }] : [{}],
    format: 'armored',
    config,
    ...(options.created ? { date: options.created } : {}),
  });
  return wrap(privateKey, publicKey);
}

/** The same key (same fingerprint), its self-signatures made again to expire `seconds` after `from`. */
export async function expiring(key: TestKey, from: Date, seconds: number): Promise<TestKey> {
  const user = key.publicKey.getUserIDs()[0] as string;
  const m = /^(.*) <(.*)>$/.exec(user) as RegExpExecArray;
  const { privateKey, publicKey } = await openpgp.reformatKey({
    privateKey: key.privateKey,
    userIDs: [{ name: m[1] as string, email: m[2] as string }],
    keyExpirationTime: seconds,
    date: from,
    format: 'armored',
    config,
  });
  return wrap(privateKey, publicKey);
}

/** A detached binary signature over the canonical bytes of `signed`, made at `date`. */
export async function signCanonical(signed: unknown, key: TestKey, date?: Date): Promise<string> {
  const message = await openpgp.createMessage({ binary: canonicalBytes(signed) });
  return openpgp.sign({
    message,
    signingKeys: key.privateKey,
    detached: true,
    format: 'armored',
    ...(date ? { date } : {}),
  });
}

/** The key id a signature names as its issuer (a subkey's, when a subkey signed). */
export async function issuerOf(armoredSignature: string): Promise<string> {
  const signature = await openpgp.readSignature({ armoredSignature });
  return (signature.getSigningKeyIDs()[0] as openpgp.KeyID).toHex();
}
