/**
 * advertisedRef and fetchOverHttp against git's own `git http-backend`: the ref is read
 * from the server's list, and a fetch is quarantined, writing nothing under our git
 * directory (no pack, no remote-tracking ref) until the caller moves its checked pack in.
 * Misbehaving servers are test/hostile/peer-servers.test.ts's; fetchPeer over http is
 * test/e2e/fetch.test.ts's.
 */
import { mkdirSync, mkdtempSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { advertisedRef, fetchOverHttp } from '../../../src/git/fetch-http.js';
import { GitHttpServer } from '../../helpers/git-server.js';
import { allObjects, gitRepos, type GitRepo } from '../../helpers/git-repo.js';

const newRepo = gitRepos();
const never = new AbortController().signal;

let server: GitHttpServer;
let peer: GitRepo;
let head: string;
beforeAll(async () => {
  peer = newRepo();
  head = peer.commit('one', { 'a.txt': 'a\n', 'dir/b.txt': 'b\n' });
  const served = join(peer.dir, 'served');
  mkdirSync(served);
  peer.git(['clone', '-q', '--bare', peer.root, join(served, 'peer.git')]);
  server = await new GitHttpServer({ root: served }).start();
});
afterAll(async () => {
  await server?.stop();
});

describe('advertisedRef', () => {
  it('reads the ref from the server’s list, or says the server lacks it', async () => {
    expect(await advertisedRef(server.url('peer.git'), 'refs/heads/main', never)).toBe(head);
    await expect(
      advertisedRef(server.url('peer.git'), 'refs/heads/nope', never),
    ).rejects.toMatchObject({ kind: 'ref-missing' });
  });
});

describe('fetchOverHttp', () => {
  it('writes the pack in the scratch folder only, and nothing under our git directory', async () => {
    const ours = newRepo();
    const before = readdirSync(ours.gitdir, { recursive: true }).sort();
    const scratch = mkdtempSync(join(ours.dir, 'scratch-'));
    const fetched = await fetchOverHttp(
      ours.gitdir,
      scratch,
      server.url('peer.git'),
      'refs/heads/main',
      'refs/remembrancer/peers/beta/heads/main',
      never,
    );
    expect(fetched.oid).toBe(head);
    expect(readdirSync(ours.gitdir, { recursive: true }).sort()).toEqual(before);
    const pack = fetched.pack;
    if (!pack) throw new Error('no pack came');
    expect(pack.pack.startsWith(scratch)).toBe(true);
    const listed = ours.git(['verify-pack', '-v', pack.idx]);
    for (const oid of allObjects(peer)) expect(listed).toContain(oid);
  });
});
