/**
 * `key generate`: a new OpenPGP v4 Ed25519 key pair written outside every repository.
 * The private key file is created with mode 0600 in a 0700 folder and never overwritten.
 */
import { chmod, mkdir, open } from 'node:fs/promises';
import { dirname, join, relative, resolve, isAbsolute } from 'node:path';
import { RemembrancerError } from '../core/errors.js';
import { generateKeyPair } from './openpgp.js';
import { readUserConfig, userKeysDir, writeUserConfig } from './user-config.js';

export interface GeneratedKey {
  fingerprint: string;
  privateFile: string;
  publicFile: string;
  publicArmored: string;
  /** True when this key became the default signing key in the user config. */
  madeDefault: boolean;
}

function isInside(parent: string, child: string): boolean {
  const rel = relative(parent, child);
  return rel === '' || (!rel.startsWith('..') && !isAbsolute(rel));
}

/** The public key file that sits beside a private key file. */
export function publicFileFor(privateFile: string): string {
  if (privateFile.endsWith('.key.asc'))
    return privateFile.slice(0, -'.key.asc'.length) + '.pub.asc';
  return privateFile + '.pub.asc';
}

async function createExclusive(path: string, content: string, mode: number): Promise<void> {
  let handle;
  try {
    handle = await open(path, 'wx', mode);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') {
      throw new RemembrancerError('USAGE', 'file already exists; a key is never overwritten', {
        file: path,
        fix: 'choose another --out path, or move the old key away first',
      });
    }
    throw err;
  }
  try {
    await handle.writeFile(content);
    await handle.sync();
  } finally {
    await handle.close();
  }
  await chmod(path, mode);
}

export async function generateKey(options: {
  name: string;
  email: string;
  passphrase?: string | undefined;
  out?: string | undefined;
  /** Top of the current repository, where private keys must never go. */
  repositoryRoot?: string | undefined;
  env?: NodeJS.ProcessEnv;
}): Promise<GeneratedKey> {
  const env = options.env ?? process.env;
  if (
    options.out &&
    options.repositoryRoot &&
    isInside(options.repositoryRoot, resolve(options.out))
  ) {
    throw new RemembrancerError(
      'PATH_OUTSIDE_REPOSITORY',
      'refusing to write a private key inside the repository',
      {
        file: options.out,
        fix: 'choose a path outside the repository, or leave out --out to use the user config folder',
      },
    );
  }
  let pair;
  try {
    pair = await generateKeyPair({
      name: options.name,
      email: options.email,
      ...(options.passphrase ? { passphrase: options.passphrase } : {}),
    });
  } catch (err) {
    // openpgp.js refuses user ids it cannot encode (an email without a proper domain, say).
    throw new RemembrancerError(
      'USAGE',
      `cannot make a key for "${options.name} <${options.email}>": ${(err as Error).message}`,
      {
        fix: 'pass a plain name and an email like you@example.com',
      },
    );
  }
  const privateFile = resolve(options.out ?? join(userKeysDir(env), `${pair.fingerprint}.key.asc`));
  const publicFile = publicFileFor(privateFile);
  await mkdir(dirname(privateFile), { recursive: true, mode: 0o700 });
  await createExclusive(privateFile, pair.privateArmored, 0o600);
  await createExclusive(publicFile, pair.publicArmored, 0o644);
  const config = await readUserConfig(env);
  let madeDefault = false;
  if (!config.key && !config.gpgKey) {
    await writeUserConfig({ ...config, key: privateFile }, env);
    madeDefault = true;
  }
  return {
    fingerprint: pair.fingerprint,
    privateFile,
    publicFile,
    publicArmored: pair.publicArmored,
    madeDefault,
  };
}
