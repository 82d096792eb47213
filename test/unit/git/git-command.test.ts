/**
 * runGit, the one way the system's git is started: an operand that git could read as an
 * option never reaches it, and a peer's URL may use only the transports a peer may,
 * whatever the repository's config allows.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { gitOutput, runGit, UnsafeOperandError } from '../../../src/git/git-command.js';
import { gitRepos } from '../../helpers/git-repo.js';

const newRepo = gitRepos();

describe('runGit', () => {
  it('refuses an operand beginning with "-" or holding a control character, running nothing', async () => {
    const r = newRepo();
    const marker = join(r.dir, 'written');
    for (const value of [`--output=${marker}`, '-h', 'a\nb', '']) {
      expect(() => runGit(['log'], [value], { cwd: r.root })).toThrow(UnsafeOperandError);
    }
    expect(existsSync(marker)).toBe(false);
  });

  it('gitOutput gives what git printed when it exits 0, and nothing when it fails', async () => {
    const r = newRepo();
    const commit = r.commit('one');
    expect(await gitOutput(['rev-parse', '--verify', '--quiet'], [commit], { cwd: r.root })).toBe(
      `${commit}\n`,
    );
    expect(
      await gitOutput(['rev-parse', '--verify', '--quiet'], ['nothing'], { cwd: r.root }),
    ).toBe(undefined);
  });

  it('keeps a peer to file, git, http, https and ssh, even where the config allows ext::', async () => {
    const r = newRepo();
    r.git(['config', 'protocol.ext.allow', 'always']);
    const marker = join(r.dir, 'ran');
    const url = `ext::sh -c touch% ${marker}`;
    const peer = await runGit(['ls-remote'], [url], { cwd: r.root, peer: true, env: r.env });
    expect(peer.code).not.toBe(0);
    expect(peer.stderr).toMatch(/transport 'ext' not allowed/);
    expect(existsSync(marker)).toBe(false);
    // The same URL for something that is no peer: the config is obeyed and the command runs.
    await runGit(['ls-remote'], [url], { cwd: r.root, env: r.env });
    expect(existsSync(marker)).toBe(true);
  });
});
