/**
 * gitIdentity, who a commit is by, in git's order: GIT_AUTHOR_* and GIT_COMMITTER_*, then
 * the repository's git config, then the signer given as a fallback; with none of them,
 * one error saying how to tell git.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { gitIdentity } from '../../../src/git/identity.js';
import { RemembrancerError } from '../../../src/ground/errors.js';
import { gitRepos, type GitRepo } from '../../helpers/git-repo.js';

const newRepo = gitRepos();

// git config is read by the git command in this process's environment: keep the user's
// own ~/.gitconfig out of it.
const saved = { ...process.env };
let r: GitRepo;
beforeAll(() => {
  r = newRepo();
  for (const name of ['HOME', 'XDG_CONFIG_HOME', 'GIT_CONFIG_NOSYSTEM'])
    process.env[name] = r.env[name];
  delete process.env['GIT_CONFIG_GLOBAL'];
});
afterAll(() => {
  process.env = saved;
});

describe('gitIdentity', () => {
  it('takes the environment first, the committer apart from the author', async () => {
    r.git(['config', 'user.name', 'Config Name']);
    r.git(['config', 'user.email', 'config@example.com']);
    const env = {
      GIT_AUTHOR_NAME: 'Env Author',
      GIT_AUTHOR_EMAIL: 'author@example.com',
      GIT_COMMITTER_NAME: 'Env Committer',
    };
    expect(await gitIdentity(r.repo, undefined, env)).toEqual({
      author: { name: 'Env Author', email: 'author@example.com' },
      committer: { name: 'Env Committer', email: 'author@example.com' },
    });
  });

  it('then the repository’s git config, as git commit would', async () => {
    const repo = newRepo();
    repo.git(['config', 'user.name', 'Config Name']);
    repo.git(['config', 'user.email', 'config@example.com']);
    const who = await gitIdentity(repo.repo, { name: 'Signer', email: 's@example.com' }, {});
    expect(who.author).toEqual({ name: 'Config Name', email: 'config@example.com' });
    expect(who.committer).toEqual(who.author);
  });

  it('then the fallback; with nothing at all, says how to tell git', async () => {
    const repo = newRepo();
    const fallback = { name: 'Signer', email: 's@example.com' };
    expect((await gitIdentity(repo.repo, fallback, {})).author).toEqual(fallback);
    const failure = gitIdentity(repo.repo, undefined, {});
    await expect(failure).rejects.toBeInstanceOf(RemembrancerError);
    await expect(failure).rejects.toMatchObject({
      code: 'GIT_FAILED',
      message: 'git does not know who you are, so it cannot commit',
    });
  });
});
