/**
 * probePeer (what doctor asks of each peer) and the fetch time-out setting; fetchPeer
 * itself is driven in-process by test/e2e/fetch.test.ts. A probe answers what the peer's
 * ref points to through the transport a sync would use, fetching nothing, and fails with
 * the same codes a sync fails with.
 */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DEFAULT_FETCH_TIMEOUT_MS, fetchTimeoutMs, probePeer } from '../../../src/git/fetch.js';
import { gitRepos } from '../../helpers/git-repo.js';

const newRepo = gitRepos();

describe('probePeer', () => {
  it('answers what the peer’s ref points to, over a path and file://, fetching nothing', async () => {
    const peer = newRepo();
    const head = peer.commit('one', { 'a.txt': 'a\n' });
    const ours = newRepo();
    for (const url of [peer.root, `file://${peer.root}`]) {
      const probe = await probePeer(ours.repo, { name: 'beta', url, ref: 'refs/heads/main' });
      expect(probe).toEqual({ oid: head, transport: 'local' });
    }
    expect(ours.git(['for-each-ref'])).toBe('');
    expect(readdirSync(join(ours.gitdir, 'objects', 'pack'))).toEqual([]);
  });

  it('fails with the codes a sync fails with: a missing ref, and no repository', async () => {
    const peer = newRepo();
    peer.commit('one');
    const ours = newRepo();
    await expect(
      probePeer(ours.repo, { name: 'beta', url: peer.root, ref: 'refs/heads/nope' }),
    ).rejects.toMatchObject({ code: 'PEER_REF_MISSING' });
    await expect(
      probePeer(ours.repo, { name: 'beta', url: join(peer.dir, 'gone'), ref: 'refs/heads/main' }),
    ).rejects.toMatchObject({
      code: 'PEER_UNREACHABLE',
      message: expect.stringContaining('peer "beta"'),
    });
  });
});

describe('fetchTimeoutMs', () => {
  it('is REMEMBRANCER_FETCH_TIMEOUT_MS when set, else the fallback', () => {
    expect(fetchTimeoutMs({})).toBe(DEFAULT_FETCH_TIMEOUT_MS);
    expect(fetchTimeoutMs({}, 5000)).toBe(5000);
    expect(fetchTimeoutMs({ REMEMBRANCER_FETCH_TIMEOUT_MS: '2500' })).toBe(2500);
  });
});
