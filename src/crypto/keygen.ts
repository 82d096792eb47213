/**
 * `key generate`: a new OpenPGP v4 Ed25519 key pair written outside every repository.
 * The private key file is created with mode 0600 in a 0700 folder and never overwritten.
 * Where it goes is decided on its real path (symbolic links resolved), and no git working
 * tree may hold it unless git ignores it there.
 */
import { existsSync } from 'node:fs';
import { chmod, lstat, mkdir, open, realpath } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { RemembrancerError } from '../ground/errors.js';
import { runGit } from '../git/git-command.js';
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
  /** What a relative `out` is relative to (the -C folder). */
  cwd?: string | undefined;
  env?: NodeJS.ProcessEnv;
}): Promise<GeneratedKey> {
  const env = options.env ?? process.env;
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
  const wanted = options.out
    ? resolve(options.cwd ?? process.cwd(), options.out)
    : join(userKeysDir(env), `${pair.fingerprint}.key.asc`);
  const privateFile = await privateKeyDestination(wanted, options.out ?? wanted, env);
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

/**
 * The real path a private key may be written to, or a refusal: `path` must not itself be a
 * symbolic link (or exist at all), and its real folder must not be in a git working tree
 * unless git ignores the file there, nor in a git directory. `given` is how the user wrote it.
 */
export async function privateKeyDestination(
  path: string,
  given: string,
  env: NodeJS.ProcessEnv,
): Promise<string> {
  const stats = await lstat(path).catch(() => undefined);
  if (stats?.isSymbolicLink()) {
    throw new RemembrancerError(
      'USAGE',
      'refusing to write a private key through a symbolic link',
      { file: given, fix: 'pass the real path of the file to create, not a link to it' },
    );
  }
  if (stats) {
    throw new RemembrancerError('USAGE', 'file already exists; a key is never overwritten', {
      file: given,
      fix: 'choose another --out path, or move the old key away first',
    });
  }
  // The deepest folder that exists, with its links resolved; the rest is made by mkdir.
  let existing = dirname(path);
  const rest: string[] = [basename(path)];
  for (;;) {
    try {
      existing = await realpath(existing);
      break;
    } catch {
      const up = dirname(existing);
      if (up === existing) break;
      rest.unshift(basename(existing));
      existing = up;
    }
  }
  const real = join(existing, ...rest);
  const refuse = (where: string, fix: string) =>
    new RemembrancerError(
      'PATH_OUTSIDE_REPOSITORY',
      `refusing to write a private key inside ${where}: ${real}`,
      { file: given, fix },
    );
  const outside = 'choose a path outside every repository, or leave out --out';
  // git's own discovery (worktrees, submodules, GIT_CEILING_DIRECTORIES), never the
  // caller's GIT_DIR or GIT_WORK_TREE; English messages, since one is told apart below.
  const gitEnv: NodeJS.ProcessEnv = { ...env, LC_ALL: 'C' };
  delete gitEnv['GIT_DIR'];
  delete gitEnv['GIT_WORK_TREE'];
  const top = await runGit(['rev-parse', '--show-toplevel'], [], { cwd: existing, env: gitEnv });
  if (top.startError) {
    // No git to ask: any folder above with a .git in it is taken for a working tree.
    for (let dir = existing; ; dir = dirname(dir)) {
      if (existsSync(join(dir, '.git'))) {
        throw refuse(
          `the repository ${dir}`,
          `${outside} (with git installed, a git-ignored path is allowed)`,
        );
      }
      if (dirname(dir) === dir) return real;
    }
  }
  if (top.code !== 0) {
    const inGitDir = await runGit(['rev-parse', '--is-inside-git-dir'], [], {
      cwd: existing,
      env: gitEnv,
    });
    if (inGitDir.code === 0 && inGitDir.stdout.toString('utf8').trim() === 'true') {
      throw refuse('the git directory of a repository', outside);
    }
    return real; // not in a repository
  }
  const root = top.stdout.toString('utf8').trim();
  // A file git ignores is never staged by `git add -A`; anything else could be.
  const ignored = await runGit(['check-ignore', '-q'], [real], { cwd: root, env: gitEnv });
  if (ignored.code === 0) return real;
  throw refuse(
    `the repository ${root}, where git does not ignore it`,
    `${outside}, or have git ignore it there first (${root}/.gitignore)`,
  );
}
