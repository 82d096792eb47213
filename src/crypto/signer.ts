/**
 * Who signs: a key file read by openpgp.js, or the user's own GnuPG key through `gpg`.
 * Both produce the same thing, an armoured detached signature over the JCS bytes.
 */
import { operand, run } from '../ground/subprocess.js';
import { readFile } from 'node:fs/promises';
import { RemembrancerError } from '../ground/errors.js';
import {
  describeKey,
  normalizeArmoredSignature,
  readPrivateKey,
  signDetached,
  type PrivateKey,
} from './openpgp.js';
import { readUserConfig } from './user-config.js';

export interface Identity {
  name: string;
  email: string;
}

export interface Signer {
  /** Primary key fingerprint, upper-case hex: the `keyid` in envelopes. */
  readonly fingerprint: string;
  readonly identity: Identity;
  /** A human description: "key file ~/x.key.asc" or "gpg key 7B18…". */
  readonly source: string;
  sign(data: Uint8Array): Promise<string>;
  /** The armoured public key, for trusting the signer in a repository it creates. */
  publicKey(): Promise<string>;
}

export interface SignerOptions {
  /** Path of an armoured private key file (--key, REMEMBRANCER_KEY). */
  keyFile?: string | undefined;
  /** A GnuPG key id, fingerprint or user id (--gpg-key, REMEMBRANCER_KEY_ID). */
  gpgKey?: string | undefined;
  /** Name of the environment variable that holds the key's passphrase. */
  passphraseEnv?: string | undefined;
  env?: NodeJS.ProcessEnv;
  /** Asks for a passphrase interactively when nothing else supplies it. */
  prompt?: (question: string) => Promise<string | undefined>;
}

/** Splits "Name <email>" as OpenPGP user ids are written. */
export function parseUserId(userId: string): Identity {
  const m = /^\s*(.*?)\s*<([^>]+)>\s*$/.exec(userId);
  if (m) return { name: m[1] || (m[2] as string), email: m[2] as string };
  return { name: userId.trim(), email: 'unknown@invalid' };
}

class KeyFileSigner implements Signer {
  constructor(
    private readonly key: PrivateKey,
    readonly fingerprint: string,
    readonly identity: Identity,
    readonly source: string,
  ) {}

  async sign(data: Uint8Array): Promise<string> {
    return signDetached(data, this.key);
  }

  async publicKey(): Promise<string> {
    return this.key.toPublic().armor();
  }
}

export async function loadKeyFileSigner(path: string, options: SignerOptions): Promise<Signer> {
  let armored: string;
  try {
    armored = await readFile(path, 'utf8');
  } catch {
    throw new RemembrancerError('KEY_NOT_FOUND', 'signing key file cannot be read', {
      file: path,
      fix: 'check the path given by --key or REMEMBRANCER_KEY, or run `remembrancer key generate`',
    });
  }
  return armoredKeySigner(armored, path, `key file ${path}`, options);
}

/**
 * A signer from an armoured private key held in memory (the GitHub Action's secret input),
 * so that the key need never be written to disk. `name` names it in errors.
 */
export async function armoredKeySigner(
  armored: string,
  name: string,
  source: string,
  options: SignerOptions,
): Promise<Signer> {
  const env = options.env ?? process.env;
  const key = await readPrivateKey(armored, name, async () => {
    const fromEnv = options.passphraseEnv
      ? env[options.passphraseEnv]
      : env['REMEMBRANCER_KEY_PASSPHRASE'];
    if (fromEnv !== undefined) return fromEnv;
    return options.prompt?.(`Passphrase for ${name}: `);
  });
  const info = await describeKey(key);
  const identity = parseUserId(info.userIds[0] ?? info.fingerprint);
  return new KeyFileSigner(key, info.fingerprint, identity, source);
}

/** Runs gpg with the given arguments, feeding stdin, and returns stdout. */
export async function runGpg(
  args: string[],
  input?: Uint8Array,
  env?: NodeJS.ProcessEnv,
): Promise<Buffer> {
  const r = await run(process.env['REMEMBRANCER_GPG'] ?? 'gpg', args, {
    env: env ?? process.env,
    input: input ?? Buffer.alloc(0),
  });
  if (r.startError) {
    throw new RemembrancerError('GPG_FAILED', `cannot run gpg (${r.startError.message})`, {
      fix: 'install GnuPG (apt-get install gnupg) or sign with --key FILE instead',
    });
  }
  if (r.code === 0) return r.stdout;
  const detail = r.stderr.trim().split('\n').pop() ?? '';
  throw new RemembrancerError('GPG_FAILED', `gpg exited with ${r.code}: ${detail}`, {
    fix: 'check that the key exists (gpg --list-secret-keys) and gpg-agent can unlock it',
  });
}

class GpgSigner implements Signer {
  constructor(
    private readonly keyId: string,
    readonly fingerprint: string,
    readonly identity: Identity,
    private readonly env: NodeJS.ProcessEnv,
  ) {}

  get source(): string {
    return `gpg key ${this.fingerprint}`;
  }

  async publicKey(): Promise<string> {
    const armored = await runGpg(
      ['--batch', '--armor', '--export', '--', this.fingerprint],
      undefined,
      this.env,
    );
    return armored.toString('utf8');
  }

  async sign(data: Uint8Array): Promise<string> {
    const armored = await runGpg(
      ['--batch', '--yes', '--armor', '--detach-sign', '--local-user', this.keyId, '--output', '-'],
      data,
      this.env,
    );
    return normalizeArmoredSignature(armored.toString('utf8'));
  }
}

/** Finds a secret key in the user's GnuPG keyring by id, fingerprint or user id. */
export async function loadGpgSigner(
  keyId: string,
  env: NodeJS.ProcessEnv = process.env,
): Promise<Signer> {
  let listing: string;
  try {
    listing = (
      await runGpg(
        [
          '--batch',
          '--with-colons',
          '--fingerprint',
          '--list-secret-keys',
          '--',
          operand(keyId, 'key id'),
        ],
        undefined,
        env,
      )
    ).toString('utf8');
  } catch (err) {
    if (err instanceof RemembrancerError && err.message.startsWith('cannot run gpg')) throw err;
    throw new RemembrancerError('KEY_NOT_FOUND', `no GnuPG secret key matches "${keyId}"`, {
      fix: 'list your keys with `gpg --list-secret-keys` and pass one to --gpg-key or REMEMBRANCER_KEY_ID',
    });
  }
  const lines = listing.split('\n').map((l) => l.split(':'));
  const primaries = lines.filter((f) => f[0] === 'sec');
  if (primaries.length === 0) {
    throw new RemembrancerError('KEY_NOT_FOUND', `no GnuPG secret key matches "${keyId}"`, {
      fix: 'list your keys with `gpg --list-secret-keys`',
    });
  }
  if (primaries.length > 1) {
    throw new RemembrancerError(
      'KEY_AMBIGUOUS',
      `"${keyId}" matches ${primaries.length} GnuPG keys`,
      {
        fix: 'pass the full fingerprint to --gpg-key',
      },
    );
  }
  const secIndex = lines.indexOf(primaries[0] as string[]);
  const fpr = lines.slice(secIndex + 1).find((f) => f[0] === 'fpr')?.[9];
  const uid = lines.slice(secIndex + 1).find((f) => f[0] === 'uid')?.[9];
  if (!fpr) {
    throw new RemembrancerError('GPG_FAILED', 'gpg listed the key without a fingerprint');
  }
  const fingerprint = fpr.toUpperCase();
  // gpg may sign with a signing subkey; verification accepts any signing subkey of the
  // trusted key, and the envelope names the primary fingerprint.
  return new GpgSigner(
    fingerprint,
    fingerprint,
    parseUserId(unescapeColons(uid ?? fingerprint)),
    env,
  );
}

function unescapeColons(value: string): string {
  return value.replace(/\\x([0-9a-fA-F]{2})/g, (_, hex: string) =>
    String.fromCharCode(parseInt(hex, 16)),
  );
}

/**
 * The signer the user asked for: flags first, then REMEMBRANCER_KEY / REMEMBRANCER_KEY_ID,
 * then the default key in the user's config. Undefined when none is configured.
 */
export async function resolveSigner(options: SignerOptions): Promise<Signer | undefined> {
  const env = options.env ?? process.env;
  if (options.keyFile && options.gpgKey) {
    throw new RemembrancerError('USAGE', '--key and --gpg-key cannot be used together', {
      fix: 'choose one way to sign',
    });
  }
  if (options.keyFile) return loadKeyFileSigner(options.keyFile, options);
  if (options.gpgKey) return loadGpgSigner(options.gpgKey, env);
  const envKey = env['REMEMBRANCER_KEY'];
  if (envKey) return loadKeyFileSigner(envKey, options);
  const envGpg = env['REMEMBRANCER_KEY_ID'];
  if (envGpg) return loadGpgSigner(envGpg, env);
  const user = await readUserConfig(env);
  if (user.key) return loadKeyFileSigner(user.key, options);
  if (user.gpgKey) return loadGpgSigner(user.gpgKey, env);
  return undefined;
}
