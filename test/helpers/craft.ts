/**
 * Crafting memory files by hand, the way a broken tool or an attacker would: valid or not,
 * signed or not. Tests write them into a sandbox and then run the real CLI against them.
 */
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { canonicalBytes } from '../../src/ground/canonical-json.js';
import { serializeEnvelope, type Envelope, type Signed } from '../../src/memory/envelope.js';
import { generateKeyPair } from '../../src/crypto/openpgp.js';
import { loadKeyFileSigner } from '../../src/crypto/signer.js';
import type { Sandbox } from './cli.js';

export type AnyEnvelope = Envelope<unknown> & { signed: Signed<unknown> };

export interface KeyFiles {
  fingerprint: string;
  privateFile: string;
  publicFile: string;
  name: string;
  email: string;
}

/** The id of a memory: sha256 of the canonical bytes of `signed`. */
export function idOf(signed: unknown): string {
  return createHash('sha256').update(canonicalBytes(signed)).digest('hex');
}

/** Where a memory with this id lives, relative to the repository root. */
export function memoryFile(id: string, shard = id.slice(0, 2)): string {
  return `.remembrancer/memories/${shard}/${id}.json`;
}

export function nowSeconds(): string {
  return new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** A valid `signed` part of a decision; `author` has no key unless one is given. */
export function decisionSigned(
  text: string,
  options: { key?: KeyFiles; node?: string; tags?: string[] } = {},
): Signed<unknown> {
  const author = options.key
    ? { name: options.key.name, email: options.key.email, key: options.key.fingerprint }
    : { name: 'Hand Crafted', email: 'crafted@example.com' };
  return {
    type: 'decision',
    schema: 1,
    created: nowSeconds(),
    node: options.node ?? 'test-node',
    author,
    body: { text, tags: options.tags ?? [] },
  };
}

/** An armoured detached signature by the key over the canonical bytes of `signed`. */
export async function signWith(
  signed: unknown,
  key: KeyFiles,
): Promise<{ keyid: string; sig: string }> {
  const signer = await loadKeyFileSigner(key.privateFile, { env: {} });
  return { keyid: signer.fingerprint, sig: await signer.sign(canonicalBytes(signed)) };
}

/** A signed envelope: `signed` with the key's signature (and the key named as author). */
export async function signedEnvelope(
  text: string,
  key: KeyFiles,
  extra: { tags?: string[]; node?: string } = {},
): Promise<AnyEnvelope> {
  const signed = decisionSigned(text, { key, ...extra });
  return { signed, signatures: [await signWith(signed, key)] };
}

/**
 * Writes an envelope as a memory file in its canonical form. By default the file is named
 * after the envelope's id and filed in its shard; `name` and `shard` override that.
 */
export function writeMemory(
  sandbox: Sandbox,
  envelope: AnyEnvelope,
  options: { id?: string; shard?: string } = {},
): { id: string; file: string } {
  const id = options.id ?? idOf(envelope.signed);
  const file = memoryFile(id, options.shard);
  sandbox.write(file, serializeEnvelope(envelope));
  return { id, file };
}

export function readEnvelope(sandbox: Sandbox, file: string): AnyEnvelope {
  return JSON.parse(sandbox.read(file)) as AnyEnvelope;
}

export function rewriteEnvelope(sandbox: Sandbox, file: string, envelope: AnyEnvelope): void {
  sandbox.write(file, serializeEnvelope(envelope));
}

/** A new OpenPGP key pair written to files outside the repository (not trusted anywhere). */
export async function newKeyFiles(dir: string, name: string): Promise<KeyFiles> {
  const email = `${name.toLowerCase().replace(/\W+/g, '.')}@example.com`;
  const pair = await generateKeyPair({ name, email });
  const privateFile = join(dir, `${name.replace(/\W+/g, '-')}.key.asc`);
  const publicFile = join(dir, `${name.replace(/\W+/g, '-')}.pub.asc`);
  writeFileSync(privateFile, pair.privateArmored, { mode: 0o600 });
  writeFileSync(publicFile, pair.publicArmored);
  return { fingerprint: pair.fingerprint, privateFile, publicFile, name, email };
}

/** The sandbox user's default signing key, as `key generate` left it in the user config. */
export function defaultKey(sandbox: Sandbox, fingerprint: string): KeyFiles {
  const config = JSON.parse(
    readFileSync(join(sandbox.home, '.config', 'remembrancer', 'config.json'), 'utf8'),
  ) as { key: string };
  return {
    fingerprint,
    privateFile: config.key,
    publicFile: config.key.replace(/\.key\.asc$/, '.pub.asc'),
    name: 'Test Signer',
    email: 'signer@example.com',
  };
}
