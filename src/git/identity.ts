/** Who a commit is by: git's own rules (environment, then git config), then the signer. */
import { RemembrancerError } from '../ground/errors.js';
import type { Repository } from '../ground/repository.js';
import { gitOutput } from './git-command.js';
import { fs, isogit } from './isogit.js';

export interface GitIdentity {
  name: string;
  email: string;
}

async function systemGitConfig(cwd: string): Promise<Record<string, string>> {
  const stdout = await gitOutput(['config', '--get-regexp', '^user\\.(name|email)$'], [], { cwd });
  const values: Record<string, string> = {};
  for (const line of (stdout ?? '').split('\n')) {
    const m = /^user\.(name|email) (.*)$/.exec(line);
    if (m) values[m[1] as string] = m[2] as string;
  }
  return values;
}

export async function gitIdentity(
  repo: Repository,
  fallback?: GitIdentity,
  env: NodeJS.ProcessEnv = process.env,
): Promise<{ author: GitIdentity; committer: GitIdentity }> {
  let name = env['GIT_AUTHOR_NAME'];
  let email = env['GIT_AUTHOR_EMAIL'];
  if (!name || !email) {
    const config = await systemGitConfig(repo.root);
    name ||= config['name'];
    email ||= config['email'];
  }
  if (!name || !email) {
    const git = await isogit();
    const base = { fs, dir: repo.root, gitdir: repo.gitdir };
    name ||= ((await git.getConfig({ ...base, path: 'user.name' })) as string | undefined) ?? '';
    email ||= ((await git.getConfig({ ...base, path: 'user.email' })) as string | undefined) ?? '';
  }
  name ||= fallback?.name;
  email ||= fallback?.email;
  if (!name || !email) {
    throw new RemembrancerError(
      'GIT_FAILED',
      'git does not know who you are, so it cannot commit',
      {
        fix: 'run `git config --global user.name "Your Name"` and `git config --global user.email you@example.com`, or pass --no-commit',
      },
    );
  }
  const author = { name, email };
  const committer = {
    name: env['GIT_COMMITTER_NAME'] || name,
    email: env['GIT_COMMITTER_EMAIL'] || email,
  };
  return { author, committer };
}
