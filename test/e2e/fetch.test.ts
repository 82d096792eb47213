/**
 * Fetching a peer's ref over every transport, against repositories made by the real CLI
 * and served by real git servers: a local path, file://, git http-backend over http, and
 * ssh through the system git with a stand-in for ssh. Failures must change nothing.
 */
import { execFile, spawnSync } from 'node:child_process';
import { readdirSync, rmSync, statSync, mkdirSync, writeFileSync, symlinkSync } from 'node:fs';
import { join, relative } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RemembrancerError } from '../../src/ground/errors.js';
import type { Repository } from '../../src/ground/repository.js';
import { fetchPeer, type FetchResult } from '../../src/git/fetch.js';
import { Sandbox, sandboxTracker } from '../helpers/cli.js';
import { GitHttpServer, sshStandIn } from '../helpers/git-server.js';

const exec = promisify(execFile);
const track = sandboxTracker();

let peer: Sandbox; // a working tree with signed memories
let served: string; // folder of bare repositories behind the http server
let server: GitHttpServer;
let tools: string; // the ssh stand-in and other helper programs

function repoOf(s: Sandbox): Repository {
  return { root: s.repo, gitdir: join(s.repo, '.git'), remDir: join(s.repo, '.remembrancer') };
}

/** A repository of our own: one commit, nothing of the peer. */
async function ours(): Promise<Sandbox> {
  const s = track(new Sandbox());
  await s.gitInit();
  s.write('README.md', 'ours\n');
  await s.git(['add', 'README.md']);
  await s.git(['commit', '-qm', 'ours']);
  return s;
}

/** Everything a failed fetch could have touched: every file under objects/ and every ref. */
async function storeState(s: Sandbox): Promise<string> {
  const objects = join(s.repo, '.git', 'objects');
  const files: string[] = [];
  const walk = (dir: string) => {
    for (const name of readdirSync(dir)) {
      const path = join(dir, name);
      if (statSync(path).isDirectory()) walk(path);
      else files.push(`${relative(objects, path)} ${statSync(path).size}`);
    }
  };
  walk(objects);
  const refs = await s.git(['for-each-ref', '--format=%(refname) %(objectname)']);
  return `${files.sort().join('\n')}\n--\n${refs}`;
}

/** No object missing (connectivity), and every object's content matches its name. */
async function fsck(s: Sandbox): Promise<void> {
  await s.git(['fsck', '--connectivity-only', '--no-dangling']);
  await s.git(['fsck', '--strict', '--no-dangling']);
}

async function peerHead(rev = 'HEAD'): Promise<string> {
  return (await peer.git(['rev-parse', rev])).trim();
}

async function refValue(s: Sandbox, ref: string): Promise<string | undefined> {
  return (await s.git(['rev-parse', '--verify', '-q', ref]).catch(() => '')).trim() || undefined;
}

/** Number of objects in the packs that appeared since `before`. */
async function newPackObjects(s: Sandbox, before: string[]): Promise<number> {
  const dir = join(s.repo, '.git', 'objects', 'pack');
  let count = 0;
  for (const name of readdirSync(dir)) {
    if (!name.endsWith('.idx') || before.includes(name)) continue;
    const out = await s.git(['verify-pack', '-v', join(dir, name)]);
    count += out.split('\n').filter((l) => /^[0-9a-f]{40} (commit|tree|blob|tag) /.test(l)).length;
  }
  return count;
}

function packs(s: Sandbox): string[] {
  return readdirSync(join(s.repo, '.git', 'objects', 'pack')).filter((n) => n.endsWith('.idx'));
}

async function fails(promise: Promise<FetchResult>, code: string): Promise<RemembrancerError> {
  try {
    await promise;
  } catch (err) {
    expect(err).toBeInstanceOf(RemembrancerError);
    const e = err as RemembrancerError;
    expect(e.code, e.message).toBe(code);
    expect(e.exitCode).toBe(1);
    expect(e.message).not.toContain('\n');
    expect(e.fix).toBeTruthy();
    return e;
  }
  throw new Error(`the fetch succeeded, but it should have failed with ${code}`);
}

async function record(s: Sandbox, text: string): Promise<void> {
  await s.ok(['record', 'decision', text]);
}

beforeAll(async () => {
  peer = track(new Sandbox());
  await peer.initSigned();
  await record(peer, 'Adopt PostgreSQL for the ledger');
  await record(peer, 'Keep the audit log for seven years');
  served = join(peer.dir, 'served');
  tools = join(peer.dir, 'tools');
  mkdirSync(served);
  mkdirSync(tools);
  await peer.git(['clone', '-q', '--bare', peer.repo, join(served, 'peer.git')]);
  server = await new GitHttpServer({ root: served }).start();
});

afterAll(async () => {
  await server?.stop();
});

describe('fetchPeer from a local path', () => {
  it('copies the peer branch and all its history into our store, then points the tracking ref at it', async () => {
    const s = await ours();
    const result = await fetchPeer(repoOf(s), {
      name: 'alpha',
      url: relative(s.repo, peer.repo),
      ref: 'refs/heads/main',
    });
    expect(result).toEqual({
      commit: await peerHead(),
      trackingRef: 'refs/remembrancer/peers/alpha/heads/main',
      transport: 'local',
      updated: true,
    });
    expect(await refValue(s, result.trackingRef)).toBe(await peerHead());
    expect(await s.git(['log', '--format=%H %s', result.trackingRef])).toBe(
      await peer.git(['log', '--format=%H %s', 'HEAD']),
    );
    await fsck(s);
    // our own branch is untouched
    expect((await s.git(['log', '--format=%s', 'HEAD'])).trim()).toBe('ours');
  });

  it('fetching again when nothing changed moves nothing and writes no pack', async () => {
    const s = await ours();
    const peerRef = { name: 'alpha', url: peer.repo, ref: 'refs/heads/main' };
    await fetchPeer(repoOf(s), peerRef);
    const state = await storeState(s);
    const again = await fetchPeer(repoOf(s), peerRef);
    expect(again.updated).toBe(false);
    expect(again.commit).toBe(await peerHead());
    expect(await storeState(s)).toBe(state);
  });

  it('reads a bare repository through a file:// URL', async () => {
    const s = await ours();
    const result = await fetchPeer(repoOf(s), {
      name: 'bare',
      url: `file://${join(served, 'peer.git')}`,
      ref: 'refs/heads/main',
    });
    expect(result.transport).toBe('local');
    expect(result.commit).toBe(await peerHead());
    await fsck(s);
  });

  it('an incremental fetch copies only the objects that are new since the last one', async () => {
    const s = await ours();
    const p = peer.fork();
    track(p);
    const peerRef = { name: 'inc', url: p.repo, ref: 'refs/heads/main' };
    const first = await fetchPeer(repoOf(s), peerRef);
    await record(p, 'A decision made after the first fetch');
    const before = packs(s);
    const second = await fetchPeer(repoOf(s), peerRef);
    expect(second.updated).toBe(true);
    expect(second.commit).not.toBe(first.commit);
    const expected = (await p.git(['rev-list', '--objects', `${first.commit}..${second.commit}`]))
      .split('\n')
      .filter(Boolean).length;
    expect(await newPackObjects(s, before)).toBe(expected);
    await fsck(s);
  });

  it('copies from a peer whose objects git packed with deltas, keeping them as deltas', async () => {
    const p = track(peer.fork());
    for (let i = 0; i < 5; i++) await record(p, `Decision ${i} about the retention of logs`);
    await p.git(['gc', '-q', '--aggressive']);
    const s = await ours();
    const before = packs(s);
    const result = await fetchPeer(repoOf(s), { name: 'gc', url: p.repo, ref: 'refs/heads/main' });
    expect(result.commit).toBe((await p.git(['rev-parse', 'HEAD'])).trim());
    await fsck(s);
    const [pack] = packs(s).filter((n) => !before.includes(n));
    const listing = await s.git([
      'verify-pack',
      '-v',
      join(s.repo, '.git/objects/pack', pack as string),
    ]);
    expect(listing).toMatch(/chain length = 1: \d+ object/);
  });

  it('removes the scratch folder a killed fetch left behind, and never one of a live fetch', async () => {
    const s = await ours();
    const dead = spawnSync(process.execPath, ['-e', '']).pid as number;
    const cache = join(s.repo, '.git', 'remembrancer');
    mkdirSync(join(cache, `incoming-${dead}-x`, 'objects'), { recursive: true });
    mkdirSync(join(cache, `incoming-${process.pid}-y`), { recursive: true });
    await fetchPeer(repoOf(s), { name: 'alpha', url: peer.repo, ref: 'refs/heads/main' });
    expect(readdirSync(cache)).toEqual([`incoming-${process.pid}-y`]);
  });

  it('a peer that is no git repository, or not there at all, is unreachable and nothing changes', async () => {
    const s = await ours();
    const state = await storeState(s);
    const e = await fails(
      fetchPeer(repoOf(s), { name: 'ghost', url: join(s.dir, 'nowhere'), ref: 'refs/heads/main' }),
      'PEER_UNREACHABLE',
    );
    expect(e.message).toContain('"ghost"');
    expect(e.message).toContain(join(s.dir, 'nowhere'));
    mkdirSync(join(s.dir, 'plain'));
    await fails(
      fetchPeer(repoOf(s), { name: 'plain', url: join(s.dir, 'plain'), ref: 'refs/heads/main' }),
      'PEER_UNREACHABLE',
    );
    expect(await storeState(s)).toBe(state);
  });

  it('a ref the peer does not have is reported as missing, and nothing changes', async () => {
    const s = await ours();
    const state = await storeState(s);
    const e = await fails(
      fetchPeer(repoOf(s), { name: 'alpha', url: peer.repo, ref: 'refs/heads/nope' }),
      'PEER_REF_MISSING',
    );
    expect(e.message).toContain('refs/heads/nope');
    expect(await storeState(s)).toBe(state);
  });

  it('a peer whose store lacks an object fails naming it, and leaves no pack and no ref', async () => {
    const s = await ours();
    const broken = track(new Sandbox());
    await broken.gitInit();
    broken.write('a.txt', 'one\n');
    await broken.git(['add', 'a.txt']);
    await broken.git(['commit', '-qm', 'one']);
    const blob = (await broken.git(['rev-parse', 'HEAD:a.txt'])).trim();
    rmSync(join(broken.repo, '.git', 'objects', blob.slice(0, 2), blob.slice(2)));
    const state = await storeState(s);
    const e = await fails(
      fetchPeer(repoOf(s), { name: 'broken', url: broken.repo, ref: 'refs/heads/main' }),
      'PEER_UNREACHABLE',
    );
    expect(e.message).toContain(blob);
    expect(await storeState(s)).toBe(state);
  });
});

describe('fetchPeer over http (git http-backend)', () => {
  it('fetches the branch with its history through the smart protocol', async () => {
    const s = await ours();
    const result = await fetchPeer(repoOf(s), {
      name: 'web',
      url: server.url('peer.git'),
      ref: 'refs/heads/main',
    });
    expect(result).toMatchObject({ commit: await peerHead(), transport: 'http', updated: true });
    expect(await refValue(s, 'refs/remembrancer/peers/web/heads/main')).toBe(await peerHead());
    await fsck(s);
    // isomorphic-git's remote-tracking refs never reach our repository
    expect(await s.git(['for-each-ref', 'refs/remotes'])).toBe('');
  });

  it('an incremental fetch asks only for what is new, and a no-op fetch writes nothing', async () => {
    const s = await ours();
    const p = track(peer.fork());
    await p.git(['clone', '-q', '--bare', p.repo, join(p.dir, 'inc.git')]);
    const local = new GitHttpServer({ root: p.dir });
    await local.start();
    try {
      const peerRef = { name: 'inc', url: local.url('inc.git'), ref: 'refs/heads/main' };
      const first = await fetchPeer(repoOf(s), peerRef);
      const state = await storeState(s);
      expect((await fetchPeer(repoOf(s), peerRef)).updated).toBe(false);
      expect(await storeState(s)).toBe(state);
      await record(p, 'A decision made after the first http fetch');
      await p.git(['push', '-q', join(p.dir, 'inc.git'), 'main:main']);
      const before = packs(s);
      const second = await fetchPeer(repoOf(s), peerRef);
      expect(second.updated).toBe(true);
      const expected = (await p.git(['rev-list', '--objects', `${first.commit}..${second.commit}`]))
        .split('\n')
        .filter(Boolean).length;
      expect(await newPackObjects(s, before)).toBe(expected);
      await fsck(s);
    } finally {
      await local.stop();
    }
  });

  it('a ref the server does not have is reported as missing', async () => {
    const s = await ours();
    const state = await storeState(s);
    await fails(
      fetchPeer(repoOf(s), { name: 'web', url: server.url('peer.git'), ref: 'refs/heads/nope' }),
      'PEER_REF_MISSING',
    );
    expect(await storeState(s)).toBe(state);
  });

  it('a repository the server does not have (404) is unreachable', async () => {
    const s = await ours();
    const e = await fails(
      fetchPeer(repoOf(s), { name: 'web', url: server.url('none.git'), ref: 'refs/heads/main' }),
      'PEER_UNREACHABLE',
    );
    expect(e.message).toContain('404');
  });

  it('a closed port is unreachable: one line naming peer and URL, and nothing changes', async () => {
    const s = await ours();
    const gone = await new GitHttpServer({ root: served }).start();
    const url = gone.url('peer.git');
    await gone.stop();
    const state = await storeState(s);
    const e = await fails(
      fetchPeer(repoOf(s), { name: 'down', url, ref: 'refs/heads/main' }),
      'PEER_UNREACHABLE',
    );
    expect(e.message).toContain('"down"');
    expect(e.message).toContain(url);
    expect(e.message).toContain('connection refused');
    expect(await storeState(s)).toBe(state);
    expect(readdirSync(join(s.repo, '.git', 'remembrancer'))).toEqual([]);
  });

  for (const mode of ['garbage', '500'] as const) {
    it(`a server answering ${mode === '500' ? 'HTTP 500' : 'random bytes'} is unreachable and nothing changes`, async () => {
      const s = await ours();
      const bad = await new GitHttpServer({ root: served, mode }).start();
      try {
        const state = await storeState(s);
        const e = await fails(
          fetchPeer(repoOf(s), { name: 'bad', url: bad.url('peer.git'), ref: 'refs/heads/main' }),
          'PEER_UNREACHABLE',
        );
        if (mode === '500') expect(e.message).toContain('HTTP 500');
        else expect(e.message).toContain('did not answer as a git server');
        expect(await storeState(s)).toBe(state);
      } finally {
        await bad.stop();
      }
    });
  }

  it('a server that never answers times out after timeoutMs and nothing changes', async () => {
    const s = await ours();
    const slow = await new GitHttpServer({ root: served, mode: 'slow' }).start();
    try {
      const state = await storeState(s);
      const started = Date.now();
      const e = await fails(
        fetchPeer(
          repoOf(s),
          { name: 'slow', url: slow.url('peer.git'), ref: 'refs/heads/main' },
          { timeoutMs: 700 },
        ),
        'PEER_UNREACHABLE',
      );
      expect(Date.now() - started).toBeLessThan(5000);
      expect(e.message).toContain('timed out');
      expect(await storeState(s)).toBe(state);
    } finally {
      await slow.stop();
    }
  });

  it('sends credentials from the URL, and never prints the password', async () => {
    const s = await ours();
    const locked = await new GitHttpServer({
      root: served,
      auth: { user: 'alice', password: 's3cret-pw' },
    }).start();
    try {
      const url = locked.url('peer.git').replace('http://', 'http://alice:s3cret-pw@');
      const result = await fetchPeer(repoOf(s), { name: 'auth', url, ref: 'refs/heads/main' });
      expect(result.commit).toBe(await peerHead());
      const wrong = url.replace('s3cret-pw', 'wrong-pw');
      const e = await fails(
        fetchPeer(repoOf(s), { name: 'auth', url: wrong, ref: 'refs/heads/main' }),
        'PEER_UNREACHABLE',
      );
      expect(e.message).toContain('401');
      expect(e.message).not.toContain('wrong-pw');
      expect(e.message).toContain('alice:***@');
    } finally {
      await locked.stop();
    }
  });
});

describe('fetchPeer through the system git (ssh stand-in)', () => {
  let saved: string | undefined;
  beforeAll(() => {
    saved = process.env['GIT_SSH_COMMAND'];
    process.env['GIT_SSH_COMMAND'] = sshStandIn(tools);
  });
  afterAll(() => {
    if (saved === undefined) delete process.env['GIT_SSH_COMMAND'];
    else process.env['GIT_SSH_COMMAND'] = saved;
  });

  for (const form of ['ssh://fake-host', 'fake-host:']) {
    it(`fetches ${form}/abs/path through git and ssh`, async () => {
      const s = await ours();
      const url = `${form}${join(served, 'peer.git')}`;
      const result = await fetchPeer(repoOf(s), { name: 'far', url, ref: 'refs/heads/main' });
      expect(result).toEqual({
        commit: await peerHead(),
        trackingRef: 'refs/remembrancer/peers/far/heads/main',
        transport: 'git',
        updated: true,
      });
      await fsck(s);
      const again = await fetchPeer(repoOf(s), { name: 'far', url, ref: 'refs/heads/main' });
      expect(again.updated).toBe(false);
    });
  }

  it('a missing ref over ssh is reported as missing, and nothing changes', async () => {
    const s = await ours();
    const state = await storeState(s);
    await fails(
      fetchPeer(repoOf(s), {
        name: 'far',
        url: `ssh://fake-host${join(served, 'peer.git')}`,
        ref: 'refs/heads/nope',
      }),
      'PEER_REF_MISSING',
    );
    expect(await storeState(s)).toBe(state);
  });

  it('a path the far side does not have is unreachable, with git’s reason', async () => {
    const s = await ours();
    const e = await fails(
      fetchPeer(repoOf(s), {
        name: 'far',
        url: `ssh://fake-host${join(served, 'none.git')}`,
        ref: 'refs/heads/main',
      }),
      'PEER_UNREACHABLE',
    );
    expect(e.message).toContain('none.git');
  });

  it('an ssh that hangs is stopped at timeoutMs and nothing changes', async () => {
    const s = await ours();
    const hang = join(tools, 'hanging-ssh');
    writeFileSync(hang, '#!/bin/sh\nexec sleep 60\n', { mode: 0o755 });
    process.env['GIT_SSH_COMMAND'] = hang;
    try {
      const state = await storeState(s);
      const started = Date.now();
      const e = await fails(
        fetchPeer(
          repoOf(s),
          { name: 'far', url: 'ssh://fake-host/x.git', ref: 'refs/heads/main' },
          { timeoutMs: 700 },
        ),
        'PEER_UNREACHABLE',
      );
      expect(e.message).toContain('timed out');
      expect(Date.now() - started).toBeLessThan(5000);
      expect(await storeState(s)).toBe(state);
    } finally {
      process.env['GIT_SSH_COMMAND'] = sshStandIn(tools);
    }
  });
});

describe('fetchPeer with no git installed', () => {
  /** Runs fetchPeer from the built library in a node whose PATH has no git. */
  async function fetchWithoutGit(
    s: Sandbox,
    url: string,
  ): Promise<{ result?: FetchResult; error?: { code: string; message: string } }> {
    const bin = join(s.dir, 'bin-without-git');
    mkdirSync(bin, { recursive: true });
    rmSync(join(bin, 'node'), { force: true });
    symlinkSync(process.execPath, join(bin, 'node'));
    const lib = new URL('../../dist/lib.js', import.meta.url).href;
    const script = `
      const { fetchPeer } = await import(${JSON.stringify(lib)});
      const repo = JSON.parse(process.argv[1]);
      try {
        const result = await fetchPeer(repo, { name: 'nogit', url: process.argv[2], ref: 'refs/heads/main' });
        console.log(JSON.stringify({ result }));
      } catch (e) {
        console.log(JSON.stringify({ error: { code: e.code, message: e.message } }));
      }`;
    const { stdout } = await exec(
      join(bin, 'node'),
      ['--input-type=module', '-e', script, JSON.stringify(repoOf(s)), url],
      { env: { PATH: bin, HOME: s.home } },
    );
    return JSON.parse(stdout) as {
      result?: FetchResult;
      error?: { code: string; message: string };
    };
  }

  it('fetches a local path and over http', async () => {
    await expect(
      exec('git', ['--version'], { env: { PATH: join(peer.dir, 'none') } }),
    ).rejects.toThrow();
    const s = await ours();
    const local = await fetchWithoutGit(s, peer.repo);
    expect(local.result?.commit).toBe(await peerHead());
    const s2 = await ours();
    const web = await fetchWithoutGit(s2, server.url('peer.git'));
    expect(web.result?.commit).toBe(await peerHead());
    expect(web.result?.transport).toBe('http');
    await fsck(s);
    await fsck(s2);
  });

  it('an ssh URL says it needs git', async () => {
    const s = await ours();
    const out = await fetchWithoutGit(s, 'ssh://fake-host/x.git');
    expect(out.error?.code).toBe('PEER_UNREACHABLE');
    expect(out.error?.message).toContain('needs the git command');
  });
});
