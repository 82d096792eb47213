/**
 * Someone with write access commits a peers.json whose URL git or ssh would read as an
 * option or as a remote helper that runs a program. Nothing may run: sync and doctor refuse
 * the file with one line naming it, the covenant rejects the commit, `federation add`
 * refuses the URL, and the repository is left exactly as it was.
 */
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { Sandbox, sandboxTracker } from '../helpers/cli.js';
import { commitAll, forkNode, makeNode, peer, type Node } from '../helpers/nodes.js';

const track = sandboxTracker();

let alpha: Node;
let beta: Node;
let scratch: string;

beforeAll(async () => {
  [alpha, beta] = await Promise.all([makeNode('alpha'), makeNode('beta')]);
  scratch = track(new Sandbox()).dir;
});

/** URLs that would run `touch <marker>` if any transport read them as options or helpers. */
function hostileUrls(marker: string): [string, RegExp][] {
  return [
    [`--upload-pack=touch ${marker}`, /begins with "-"/],
    [`-u touch ${marker}`, /begins with "-"/],
    [`ext::sh -c touch% ${marker}`, /remote helper "ext::"/],
    [`fd::17`, /remote helper "fd::"/],
    [`ssh://-oProxyCommand=touch%20${marker}/x`, /host or user beginning with "-"/],
    [`-oProxyCommand=touch ${marker}:x`, /begins with "-"/],
    [`git@-oProxyCommand=touch:x`, /host or user beginning with "-"/],
    [`gopher://example.com/x`, /transport "gopher:\/\/"/],
  ];
}

async function withPeersJson(node: Node, url: string, ref = 'refs/heads/main'): Promise<void> {
  const file = join(node.s.repo, '.remembrancer', 'peers.json');
  const entry = { name: 'evil', url, ref, tier: 'core', keys: [beta.key.fingerprint] };
  writeFileSync(file, JSON.stringify({ schema: 1, peers: [entry] }, null, 2) + '\n');
  await commitAll(node, 'peers.json by someone with write access');
}

describe('a peer URL that would be read as an option or a helper', () => {
  it('is refused by sync, doctor and the covenant, and nothing runs', async () => {
    const base = forkNode(alpha);
    await peer(base, beta);
    for (const [i, [urlOf, reason]] of hostileUrls(join(scratch, 'MARK')).entries()) {
      const marker = join(scratch, `pwned-${i}`);
      const url = urlOf.replace(join(scratch, 'MARK'), marker);
      const a = forkNode(base);
      await withPeersJson(a, url);
      const before = await a.s.state();

      const synced = await a.s.run(['federation', 'sync', 'evil']);
      expect(synced.code, `${url}: ${synced.stdout}${synced.stderr}`).toBe(2);
      expect(synced.stderr).toMatch(reason);
      expect(synced.stderr).toContain('.remembrancer/peers.json');
      expect(synced.stderr.trim().split('\n')[0]).toMatch(/peer "evil": URL/);

      const doctor = await a.s.json<{ checks: { name: string; state: string; detail: string }[] }>([
        'doctor',
      ]);
      const peers = doctor.checks.find((c) => c.name === 'peers');
      expect(peers?.state, url).toBe('fail');
      expect(peers?.detail).toMatch(reason);

      const covenant = await a.s.run(['covenant']);
      expect(covenant.code, url).toBe(1);
      expect(covenant.stdout + covenant.stderr).toMatch(reason);

      expect(existsSync(marker), `${url} ran a command`).toBe(false);
      expect(await a.s.state()).toBe(before);
    }
  });

  it('a change that brings such a peers.json fails covenant --staged (the pre-commit hook)', async () => {
    const a = forkNode(alpha);
    const marker = join(scratch, 'staged');
    const file = join(a.s.repo, '.remembrancer', 'peers.json');
    writeFileSync(
      file,
      JSON.stringify({
        schema: 1,
        peers: [
          {
            name: 'evil',
            url: `--upload-pack=touch ${marker}`,
            ref: 'refs/heads/main',
            tier: 'core',
            keys: [],
          },
        ],
      }),
    );
    await a.s.git(['add', '.remembrancer/peers.json']);
    const r = await a.s.run(['covenant', '--staged']);
    expect(r.code).toBe(1);
    expect(r.stdout + r.stderr).toMatch(/\.remembrancer\/peers\.json.*begins with "-"/);
    expect(existsSync(marker)).toBe(false);
  });

  it('ref names git would refuse, or read as options, are refused in peers.json', async () => {
    for (const ref of ['refs/heads/a..b', 'refs/heads/.hidden', 'refs/heads/x.lock', 'refs/-x']) {
      const a = forkNode(alpha);
      await withPeersJson(a, beta.s.repo, ref);
      const before = await a.s.state();
      const r = await a.s.run(['federation', 'sync', 'evil']);
      expect(r.code, ref).toBe(2);
      expect(r.stderr).toContain(`ref ${JSON.stringify(ref)}`);
      expect(await a.s.state()).toBe(before);
    }
  });

  it('federation add refuses each of them and writes nothing', async () => {
    const a = forkNode(alpha);
    const before = await a.s.state();
    for (const [url, reason] of hostileUrls(join(scratch, 'add'))) {
      const r = await a.s.run(['federation', 'add', 'evil', url]);
      expect(r.code, url).toBe(2);
      // A value beginning with "-" never even reaches us as the URL: it is an unknown option.
      expect(r.stderr).toMatch(url.startsWith('-') ? /Not enough non-option arguments/ : reason);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
    }
    expect(existsSync(join(scratch, 'add'))).toBe(false);
    expect(await a.s.state()).toBe(before);
  });

  it('a valid ssh, scp-like and git:// URL still reach git (and fail only on the network)', async () => {
    const a = forkNode(alpha);
    for (const url of [
      'ssh://git@127.0.0.1:1/r.git',
      'git@127.0.0.1:r.git',
      'git://127.0.0.1:1/r.git',
    ]) {
      const r = await a.s.run([
        'federation',
        'add',
        `p${url.length}`,
        url,
        '--key',
        beta.key.publicFile,
      ]);
      expect(r.code, `${url}: ${r.stderr}`).toBe(0);
    }
  });
});
