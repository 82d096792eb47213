import { gitOutput } from '../../git/git-command.js';
import { RemembrancerError } from '../../ground/errors.js';
import { findRepository, requireInitialized } from '../../ground/repository.js';
import { addTrustAnchors } from '../../policy/trust-admin.js';
import { generateKey } from '../../crypto/keygen.js';
import type { GlobalOptions } from '../context.js';
import type { IO } from '../../present/io.js';

export interface KeyGenerateOptions extends GlobalOptions {
  name?: string;
  email?: string;
  out?: string;
  passphraseEnv?: string;
  trust: boolean;
  commit: boolean;
  json: boolean;
}

async function gitUser(cwd: string): Promise<{ name?: string; email?: string }> {
  const get = async (key: string) =>
    (await gitOutput(['config', '--get', key], [], { cwd }))?.trim() || undefined;
  const [name, email] = await Promise.all([get('user.name'), get('user.email')]);
  return { ...(name ? { name } : {}), ...(email ? { email } : {}) };
}

export async function run(options: KeyGenerateOptions, io: IO): Promise<number> {
  const cwd = options.cwd ?? process.cwd();
  let repoRoot: string | undefined;
  try {
    repoRoot = findRepository(cwd).root;
  } catch {
    repoRoot = undefined;
  }
  if (options.trust && repoRoot === undefined) {
    throw new RemembrancerError(
      'NOT_A_GIT_REPOSITORY',
      '--trust needs a repository to trust the key in',
      {
        fix: 'run it inside an initialised repository, or leave out --trust',
      },
    );
  }
  const fromGit = options.name && options.email ? {} : await gitUser(cwd);
  const name = options.name ?? fromGit.name;
  const email = options.email ?? fromGit.email;
  if (!name || !email) {
    throw new RemembrancerError('USAGE', 'a key needs a name and an email', {
      fix: 'pass --name "Your Name" --email you@example.com',
    });
  }
  let passphrase: string | undefined;
  if (options.passphraseEnv) {
    passphrase = io.env[options.passphraseEnv];
    if (!passphrase) {
      throw new RemembrancerError(
        'USAGE',
        `environment variable ${options.passphraseEnv} is empty or unset`,
        {
          fix: `export ${options.passphraseEnv}=... before running, or leave out --passphrase-env`,
        },
      );
    }
  }
  if (options.trust && repoRoot) requireInitialized(findRepository(cwd));
  const key = await generateKey({
    name,
    email,
    passphrase,
    out: options.out,
    cwd,
    env: io.env,
  });
  let trustCommit: string | undefined;
  if (options.trust) {
    const change = await addTrustAnchors(findRepository(cwd), [key.publicFile], options.commit);
    trustCommit = change.commit;
  }
  if (options.json) {
    io.json({
      fingerprint: key.fingerprint,
      privateKey: key.privateFile,
      publicKey: key.publicFile,
      default: key.madeDefault,
      trusted: options.trust,
      commit: trustCommit ?? null,
    });
    return 0;
  }
  io.out(`fingerprint ${io.c.bold(key.fingerprint)}`);
  io.out(
    `private key ${key.privateFile} ${io.c.dim('(mode 0600; keep it out of every repository)')}`,
  );
  io.out(`public key  ${key.publicFile}`);
  if (key.madeDefault) io.out(io.c.dim('it is now your default signing key'));
  else io.out(io.c.dim(`sign with it: export REMEMBRANCER_KEY=${key.privateFile}`));
  if (options.trust)
    io.out(
      `trusted in this repository${trustCommit ? io.c.dim(` (committed ${trustCommit.slice(0, 7)})`) : ''}`,
    );
  return 0;
}
