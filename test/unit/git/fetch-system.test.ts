/**
 * fetchWithGit and lsRemoteWithGit, the peers only the system's git can reach (here a
 * file:// URL stands in for ssh, which test/e2e/fetch.test.ts drives through a stand-in):
 * the peer's ref lands in its tracking ref, a missing ref is said as missing, the ref
 * asked for is the one answered even where git's pattern matches others, and a URL that
 * would run a program is refused by git.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { TransportError } from '../../../src/git/fetch-local.js';
import { fetchWithGit, lsRemoteWithGit } from '../../../src/git/fetch-system.js';
import { gitRepos } from '../../helpers/git-repo.js';

const newRepo = gitRepos();
const never = new AbortController().signal;

function peerAndOurs() {
  const peer = newRepo();
  const main = peer.commit('main', { 'a.txt': 'a\n' });
  const decoy = peer.commit('decoy', { 'a.txt': 'decoy\n' });
  peer.git(['update-ref', 'refs/heads/a/refs/heads/main', decoy]); // sorts first
  peer.git(['update-ref', 'refs/heads/main', main]);
  return { peer, ours: newRepo(), main, decoy, url: `file://${peer.root}` };
}

describe('fetchWithGit', () => {
  it('brings the peer’s ref into its tracking ref, with its history', async () => {
    const { ours, main, url } = peerAndOurs();
    const tracking = 'refs/remembrancer/peers/beta/heads/main';
    await fetchWithGit(ours.gitdir, ours.root, url, 'refs/heads/main', tracking, never);
    expect(ours.git(['rev-parse', tracking])).toBe(main);
    ours.git(['fsck', '--strict', '--no-dangling', '--no-progress']);
    expect(ours.git(['for-each-ref', '--format=%(refname)'])).toBe(tracking);
  });

  it('says a ref the peer lacks is missing, and changes nothing', async () => {
    const { ours, url } = peerAndOurs();
    const failure = fetchWithGit(ours.gitdir, ours.root, url, 'refs/heads/nope', 'refs/x', never);
    await expect(failure).rejects.toBeInstanceOf(TransportError);
    await expect(failure).rejects.toMatchObject({ kind: 'ref-missing' });
    expect(ours.git(['for-each-ref'])).toBe('');
  });

  it('refuses a URL that runs a program, whatever the repository’s config allows', async () => {
    const { ours } = peerAndOurs();
    ours.git(['config', 'protocol.ext.allow', 'always']);
    const marker = join(ours.dir, 'ran');
    await expect(
      fetchWithGit(
        ours.gitdir,
        ours.root,
        `ext::sh -c touch% ${marker}`,
        'refs/heads/main',
        'refs/x',
        never,
      ),
    ).rejects.toThrow(/transport 'ext' not allowed/);
    expect(existsSync(marker)).toBe(false);
  });
});

describe('lsRemoteWithGit', () => {
  it('answers for the ref asked for, not another whose name ends the same', async () => {
    const { ours, main, url } = peerAndOurs();
    expect(await lsRemoteWithGit(ours.root, url, 'refs/heads/main', never)).toBe(main);
    await expect(lsRemoteWithGit(ours.root, url, 'refs/heads/nope', never)).rejects.toMatchObject({
      kind: 'ref-missing',
    });
  });
});
