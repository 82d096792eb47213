/**
 * Federation end to end: real repositories that sync through the real CLI over a local
 * path, file://, git's own http-backend on loopback and ssh (a stand-in running
 * git-upload-pack), hostile peers, gossip between three nodes, and key revocation.
 */
import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { head, Sandbox, sandboxTracker } from '../helpers/cli.js';
import {
  commitAll,
  covenantHolds,
  decide,
  forkNode,
  gitIn,
  makeNode,
  memoriesTree,
  peer,
  replaceTreeEntry,
  rootOf,
  sync,
  type Node,
  type Outcome,
  type SyncJson,
} from '../helpers/nodes.js';
import {
  idOf,
  memoryFile,
  newKeyFiles,
  nowSeconds,
  signedEnvelope,
  signWith,
  writeMemory,
  type KeyFiles,
} from '../helpers/craft.js';
import { GitHttpServer, sshStandIn } from '../helpers/git-server.js';

const track = sandboxTracker();

let alpha: Node;
let beta: Node;
let gamma: Node;
let tools: string;

beforeAll(async () => {
  [alpha, beta, gamma] = await Promise.all([
    makeNode('alpha'),
    makeNode('beta'),
    makeNode('gamma'),
  ]);
  tools = track(new Sandbox()).dir;
});

describe('peers', () => {
  it('add, list and remove keep peers.json and the peer keys committed', async () => {
    const a = forkNode(alpha);
    await peer(a, beta, ['--scope', 'decision', '--scope', 'deploy', '--ref', 'main']);
    const list = await a.s.json<{
      peers: { name: string; ref: string; scope: string[]; keys: string[]; tier: string }[];
    }>(['federation', 'list']);
    expect(list.peers).toEqual([
      {
        name: 'beta',
        node: 'beta',
        url: beta.s.repo,
        ref: 'refs/heads/main',
        tier: 'core',
        scope: ['decision', 'deploy'],
        keys: [beta.key.fingerprint],
      },
    ]);
    const committed = await a.s.git(['show', '--name-only', '--format=', 'HEAD']);
    expect(committed).toContain('.remembrancer/peers.json');
    expect(committed).toContain(`.remembrancer/trust/peers/beta/${beta.key.fingerprint}.asc`);
    await covenantHolds(a);

    await a.s.ok(['federation', 'remove', 'beta']);
    expect((await a.s.json<{ peers: unknown[] }>(['federation', 'list'])).peers).toEqual([]);
    expect(a.s.exists(`.remembrancer/trust/peers/beta/${beta.key.fingerprint}.asc`)).toBe(false);
    await covenantHolds(a);
  });

  it('refuses bad peers with one line and changes nothing', async () => {
    const a = forkNode(alpha);
    await peer(a, beta);
    const before = await a.s.state();
    const cases: [string[], RegExp][] = [
      [['federation', 'add', 'beta', '/x'], /already exists/],
      [['federation', 'add', '../evil', '/x'], /not a valid peer name/],
      [['federation', 'add', 'p', 'https://bob:hunter2@git.example.com/r.git'], /password/],
      [['federation', 'add', 'p', '/x', '--scope', 'telepathy'], /not a memory type/],
      [['federation', 'add', 'p', '/x', '--key', beta.key.privateFile], /private|public/i],
      [['federation', 'add', 'p', '/x', '--key', '/no/such.asc'], /cannot read/],
      [['federation', 'add', 'p', '/x', '--ref', 'refs/../../x'], /not a ref name/],
      [['federation', 'remove', 'nobody'], /no peer named "nobody"/],
      [['federation', 'sync', 'nobody'], /no peer named "nobody"/],
    ];
    for (const [args, message] of cases) {
      const r = await a.s.run(args);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stderr).toMatch(message);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
      expect(r.stderr).not.toContain('hunter2');
    }
    expect(await a.s.state()).toBe(before);
  });

  it('a malformed peers.json breaks the covenant and names the file', async () => {
    const a = forkNode(alpha);
    a.s.write('.remembrancer/peers.json', '{"schema":1,"peers":[{"name":"x"}]}\n');
    const r = await a.s.run(['covenant']);
    expect(r.code).toBe(1);
    expect(r.stdout + r.stderr).toContain('.remembrancer/peers.json');
  });
});

describe('sync', () => {
  it('takes what a peer brings, signs a receipt that recomputes, and is idempotent', async () => {
    const a = forkNode(alpha);
    const b = forkNode(beta);
    const d1 = await decide(b, 'Use Postgres for the ledger');
    const d2 = await decide(b, 'Keep a changelog');
    await peer(a, b, [], b.s.repo);
    const rootBefore = await rootOf(a);

    const first = await sync(a, 'beta');
    expect(first.status).toBe('merged');
    expect(first.accepted).toEqual([d1, d2].sort());
    expect(first.rejected).toEqual([]);
    expect(first.before.ours.root).toBe(rootBefore);
    expect(first.receipt).toMatch(/^[0-9a-f]{64}$/);
    expect(a.s.exists(memoryFile(d1))).toBe(true);
    expect((await a.s.git(['log', '-1', '--format=%s'])).trim()).toBe(
      'remembrancer: sync from beta (2 accepted, 0 rejected)',
    );
    await covenantHolds(a);

    const shown = await a.s.json<{
      envelope: { signed: { type: string; body: Record<string, unknown> } };
    }>(['show', first.receipt as string]);
    expect(shown.envelope.signed.type).toBe('federation');
    expect(shown.envelope.signed.body).toMatchObject({
      peer: 'beta',
      peerNode: 'beta',
      peerCommit: first.peerCommit,
      accepted: [d1, d2].sort(),
      acceptedCount: 2,
      rejectedCount: 0,
      merged: first.merged,
    });
    const verdict = await a.s.json<{ ok: boolean; checks: { name: string; ok: boolean }[] }>([
      'federation',
      'verify-merge',
      (first.receipt as string).slice(0, 10),
    ]);
    expect(verdict.ok).toBe(true);
    expect(verdict.checks.map((c) => [c.name, c.ok])).toEqual([
      ['commit', true],
      ['before', true],
      ['accepted', true],
      ['merged', true],
      ['peer', true],
    ]);

    // Nothing new: no memory read, no commit, the same answer.
    const headBefore = await head(a.s);
    const again = await sync(a, 'beta');
    expect(again.status).toBe('up-to-date');
    expect(again.accepted).toEqual([]);
    expect(await head(a.s)).toBe(headBefore);

    const status = await a.s.json<{
      peers: {
        name: string;
        lastSuccess: string;
        peerCommit: string;
        counts: { accepted: number };
      }[];
    }>(['federation', 'status']);
    expect(status.peers[0]).toMatchObject({ name: 'beta', peerCommit: first.peerCommit });
    expect(status.peers[0]?.lastSuccess).toMatch(/^\d{4}-/);
  });

  it('a large sync writes every file whole, stages it clean and keeps no second copy of the blobs', async () => {
    const a = forkNode(alpha);
    const b = forkNode(beta);
    // More memories than the one-by-one paths handle: files flushed together, blobs
    // looked up among the objects the fetch brought.
    const ids: string[] = [];
    for (let i = 0; i < 80; i++) {
      ids.push(
        writeMemory(b.s, await signedEnvelope(`Decision ${i} of a batch`, b.key, { node: 'beta' }))
          .id,
      );
    }
    await commitAll(b, 'eighty decisions');
    await peer(a, b);
    const outcome = await sync(a, 'beta');
    expect(outcome.accepted).toEqual([...ids].sort());
    for (const id of ids) {
      expect(a.s.read(memoryFile(id))).toBe(b.s.read(memoryFile(id)));
      const blob = gitIn(a, ['rev-parse', `HEAD:${memoryFile(id)}`]);
      // In the fetched pack, not written again as a loose object.
      expect(a.s.exists(`.git/objects/${blob.slice(0, 2)}/${blob.slice(2)}`)).toBe(false);
      gitIn(a, ['cat-file', '-e', blob]);
    }
    expect(gitIn(a, ['status', '--porcelain'])).toBe('');
    expect(gitIn(a, ['fsck', '--no-dangling'])).toBe('');
    const leftovers = gitIn(a, [
      'ls-files',
      '--others',
      '--ignored',
      '--exclude-standard',
      '.remembrancer',
    ]);
    expect(leftovers).toBe('');
    await covenantHolds(a);
  });

  it('a tampered receipt does not recompute, and cosign refuses it', async () => {
    const a = forkNode(alpha);
    const b = forkNode(beta);
    await decide(b, 'Ship on Tuesdays');
    await peer(a, b);
    await peer(b, a);
    await sync(a, 'beta');
    // beta fetches alpha's receipt about beta, recomputes it and countersigns it.
    const back = await sync(b, 'alpha');
    expect(back.accepted).toHaveLength(1); // only the receipt: it writes no receipt of its own
    expect(back.receipt).toBeUndefined();
    const receipt = back.accepted[0] as string;
    const cosign = await b.s.json<{ status: string; ok: boolean }>([
      'federation',
      'cosign',
      receipt,
    ]);
    expect(cosign).toMatchObject({ status: 'cosigned', ok: true });
    // The cosignature travels back: alpha's copy now carries both signatures.
    const gained = await sync(a, 'beta');
    expect(gained.updated).toEqual([receipt]);
    const shown = await a.s.json<{ envelope: { signatures: { keyid: string }[] } }>([
      'show',
      receipt,
    ]);
    expect(shown.envelope.signatures.map((s) => s.keyid).sort()).toEqual(
      [alpha.key.fingerprint, beta.key.fingerprint].sort(),
    );
    await covenantHolds(a);
    expect(await memoriesTree(a)).toBe(await memoriesTree(b));

    // A receipt whose merged root lies: re-signed by alpha, it no longer recomputes.
    const c = forkNode(alpha);
    const other = forkNode(beta);
    await decide(other, 'Prefer boring technology');
    await peer(c, other);
    const synced = await sync(c, 'beta');
    const file = memoryFile(synced.receipt as string);
    const envelope = JSON.parse(c.s.read(file)) as {
      signed: { body: { merged: { root: string } } };
    };
    envelope.signed.body.merged.root = 'f'.repeat(64);
    const forged = {
      signed: envelope.signed,
      signatures: [await signWith(envelope.signed, alpha.key)],
    };
    const forgedId = writeMemory(c.s, forged as never).id;
    await commitAll(c, 'forged receipt');
    const r = await c.s.run(['federation', 'verify-merge', forgedId, '--json']);
    expect(r.code).toBe(1);
    const checks = (JSON.parse(r.stdout) as { checks: { name: string; ok: boolean | null }[] })
      .checks;
    expect(checks.find((x) => x.ok === false)).toBeDefined();
  });

  it('scope takes only the listed types and counts the rest', async () => {
    const a = forkNode(alpha);
    const b = forkNode(beta);
    await decide(b, 'A decision alpha does not want');
    const artifact = join(b.s.dir, 'app.tar');
    writeFileSync(artifact, 'app v1');
    const deploy = await b.s.json<{ id: string }>([
      'record',
      'deploy',
      '--component',
      'api',
      '--version',
      '1.0.0',
      '--evidence',
      artifact,
    ]);
    await peer(a, b, ['--scope', 'deploy']);
    const out = await sync(a, 'beta');
    expect(out.accepted).toEqual([deploy.id]);
    expect(out.ignored).toBe(1);
    const verified = await a.s.run(['verify', artifact]);
    expect(verified.code).toBe(0);
  });

  it('an external peer is fetched and readable but never imported', async () => {
    const a = forkNode(alpha);
    const b = forkNode(beta);
    const d = await decide(b, 'Use Kafka for the event bus');
    const artifact = join(b.s.dir, 'worker.tar');
    writeFileSync(artifact, 'worker v7');
    await b.s.ok([
      'record',
      'deploy',
      '--component',
      'worker',
      '--version',
      '7',
      '--evidence',
      artifact,
    ]);
    await peer(a, b, ['--tier', 'external']);
    const headBefore = await head(a.s);
    const filesBefore = await a.s.git(['ls-files', '.remembrancer']);
    const out = await sync(a, 'beta');
    expect(out.status).toBe('read-only');
    expect(out.accepted).toHaveLength(2);
    expect(await head(a.s)).toBe(headBefore);
    expect(await a.s.git(['ls-files', '.remembrancer'])).toBe(filesBefore);
    expect(a.s.exists(memoryFile(d))).toBe(false);

    const hits = await a.s.json<{ id: string }[]>(['query', 'kafka', '--peer', 'beta']);
    expect(hits.map((h) => h.id)).toEqual([d]);
    expect(await a.s.json<unknown[]>(['query', 'kafka'])).toEqual([]);
    expect((await a.s.run(['show', d.slice(0, 12), '--peer', 'beta'])).code).toBe(0);
    expect((await a.s.run(['show', d.slice(0, 12)])).code).not.toBe(0);
    expect((await a.s.run(['verify', artifact, '--peer', 'beta'])).code).toBe(0);
    expect((await a.s.run(['verify', artifact])).code).toBe(1);
  });

  it('--dry-run judges but writes nothing', async () => {
    const a = forkNode(alpha);
    const b = forkNode(beta);
    await decide(b, 'Dry runs first');
    await peer(a, b);
    const before = await a.s.state();
    const out = await sync(a, 'beta', ['--dry-run']);
    expect(out.status).toBe('dry-run');
    expect(out.accepted).toHaveLength(1);
    expect(await a.s.state()).toBe(before);
  });

  it('a strict node without a signing key refuses before fetching', async () => {
    const a = forkNode(alpha);
    const b = forkNode(beta);
    await decide(b, 'Needs a receipt');
    await peer(a, b);
    const before = await a.s.state();
    const r = await a.s.run(['federation', 'sync', 'beta'], {
      env: { XDG_CONFIG_HOME: join(a.s.dir, 'nowhere') },
    });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/signing key/);
    expect(await a.s.state()).toBe(before);
  });
});

describe('gossip between three nodes', () => {
  const orders: [string, [number, number][]][] = [
    [
      'ring',
      [
        [0, 1],
        [1, 2],
        [2, 0],
      ],
    ],
    [
      'star then back',
      [
        [0, 1],
        [0, 2],
        [1, 0],
        [2, 0],
        [1, 2],
      ],
    ],
  ];
  for (const [label, order] of orders) {
    it(`settles on one root and one memories tree (${label})`, async () => {
      const nodes = [forkNode(alpha), forkNode(beta), forkNode(gamma)];
      for (const x of nodes) for (const y of nodes) if (x !== y) await peer(x, y);
      for (const [i, node] of nodes.entries()) {
        await decide(node, `decision one of ${node.name}`);
        await decide(node, `decision two of ${node.name} (${i})`);
      }
      let rounds = 0;
      for (; rounds < 8; rounds++) {
        let changed = false;
        for (const [from, to] of order) {
          const x = nodes[from] as Node;
          const before = await head(x.s);
          await sync(x, (nodes[to] as Node).name);
          if ((await head(x.s)) !== before) changed = true;
        }
        if (!changed) break;
      }
      expect(rounds).toBeLessThan(8);
      const trees = await Promise.all(nodes.map(memoriesTree));
      const roots = await Promise.all(nodes.map(rootOf));
      expect(new Set(trees).size).toBe(1);
      expect(new Set(roots).size).toBe(1);
      for (const node of nodes) await covenantHolds(node);
      // Settled: one more sync in any direction changes nothing.
      for (const x of nodes) {
        const before = await head(x.s);
        for (const y of nodes)
          if (x !== y) expect((await sync(x, y.name)).status).toBe('up-to-date');
        expect(await head(x.s)).toBe(before);
      }
    });
  }
});

describe('hostile peers', () => {
  let mallory: KeyFiles;
  beforeAll(async () => {
    mallory = await newKeyFiles(tools, 'Mallory');
  });

  /** Our node and a peer; the peer's legitimate memory must still come through. */
  async function pair(): Promise<{ a: Node; b: Node; good: string }> {
    const a = forkNode(alpha);
    const b = forkNode(beta);
    const good = await decide(b, 'A legitimate decision');
    await peer(a, b);
    return { a, b, good };
  }

  async function expectRejected(a: Node, good: string, reason: RegExp, path?: RegExp) {
    const out = await sync(a, 'beta');
    expect(out.accepted).toContain(good);
    const hit = out.rejected.find((r) => reason.test(r.reason));
    expect(hit, JSON.stringify(out.rejected)).toBeDefined();
    if (path) expect(hit?.path).toMatch(path);
    // Nothing rejected reached our memory, and our memory still holds.
    const files = (await a.s.git(['ls-files', '.remembrancer/memories']))
      .split('\n')
      .filter(Boolean);
    if (hit?.id) expect(files.some((f) => f.includes(hit.id as string))).toBe(false);
    await covenantHolds(a);
    return out;
  }

  it('a forged signature', async () => {
    const { a, b, good } = await pair();
    const envelope = await signedEnvelope('Genuine words', beta.key, { node: 'beta' });
    (envelope.signed as { body: { text: string } }).body.text = 'Forged words';
    writeMemory(b.s, envelope);
    await commitAll(b, 'forged');
    await expectRejected(a, good, /signature by .* is invalid/);
  });

  it('a key not trusted for any peer', async () => {
    const { a, b, good } = await pair();
    writeMemory(b.s, await signedEnvelope('Signed by a stranger', mallory));
    await commitAll(b, 'stranger');
    await expectRejected(a, good, /untrusted key|does not trust/);
  });

  it('an id that does not match the content', async () => {
    const { a, b, good } = await pair();
    const envelope = await signedEnvelope('Misnamed', beta.key, { node: 'beta' });
    writeMemory(b.s, envelope, { id: 'ab' + '0'.repeat(62) });
    await commitAll(b, 'misnamed');
    await expectRejected(a, good, /id|hash/i);
  });

  it('a path that escapes and a symbolic link', async () => {
    const { a, b, good } = await pair();
    const envelope = await signedEnvelope('Through a link', beta.key, { node: 'beta' });
    const id = idOf(envelope.signed);
    mkdirSync(join(b.s.repo, '.remembrancer/memories', id.slice(0, 2)), { recursive: true });
    symlinkSync('../../../../../etc/passwd', join(b.s.repo, memoryFile(id)));
    await commitAll(b, 'symlink');
    // A tree entry named ".." inside a shard, made with git's own plumbing.
    await replaceTreeEntry(b, `.remembrancer/memories/${good.slice(0, 2)}`, '..');
    const out = await expectRejected(a, good, /symbolic link/);
    expect(out.rejected.map((r) => r.reason)).toContainEqual(
      expect.stringMatching(/not a memory file name/),
    );
    expect(out.accepted).toEqual([good]);
  });

  it('an oversized file, a wrong shard, malformed JSON and an unknown type', async () => {
    const { a, b, good } = await pair();
    const big = 'cd' + '1'.repeat(62);
    b.s.write(memoryFile(big), '{"signed":"' + 'x'.repeat(2 * 1024 * 1024) + '"}');
    const wrong = await signedEnvelope('Filed in the wrong shard', beta.key, { node: 'beta' });
    const wrongId = idOf(wrong.signed);
    const otherShard = wrongId.startsWith('ff') ? 'fe' : 'ff';
    writeMemory(b.s, wrong, { shard: otherShard });
    const broken = 'ee' + '2'.repeat(62);
    b.s.write(memoryFile(broken), '{"signed": {');
    const strange = {
      type: 'telepathy',
      schema: 1,
      created: nowSeconds(),
      node: 'beta',
      author: { name: 'b', email: 'b@example.com' },
      body: {},
    };
    const strangeEnvelope = { signed: strange, signatures: [await signWith(strange, beta.key)] };
    writeMemory(b.s, strangeEnvelope as never);
    await commitAll(b, 'junk');
    const out = await sync(a, 'beta');
    expect(out.accepted).toEqual([good]);
    const reasons = Object.fromEntries(
      out.rejected.map((r) => [r.path.split('/')[2]?.slice(0, 64), r.reason]),
    );
    expect(reasons[big]).toMatch(/over the .*limit/);
    expect(reasons[wrongId]).toMatch(/shard/);
    expect(reasons[broken]).toMatch(/JSON/i);
    expect(reasons[idOf(strange)]).toMatch(/^memory type "telepathy" is unknown to this version/);
    await covenantHolds(a);
  });

  it('a peer that deleted memories deletes none of ours', async () => {
    const { a, b, good } = await pair();
    await sync(a, 'beta');
    await b.s.git(['rm', '-q', memoryFile(good)]);
    await commitAll(b, 'forget');
    const out = await sync(a, 'beta');
    expect(out.accepted).toEqual([]);
    expect(a.s.exists(memoryFile(good))).toBe(true);
    await covenantHolds(a);
  });

  it('a peer replaying an old seal', async () => {
    const { a, b, good } = await pair();
    const seal = (await b.s.json<{ id: string }>(['seal'])).id;
    const sealFile = memoryFile(seal);
    await decide(b, 'Recorded after the seal');
    await b.s.git(['rm', '-q', sealFile]);
    await commitAll(b, 'drop the seal');
    await decide(b, 'Recorded later still');
    await b.s.git(['checkout', 'HEAD~3', '--', sealFile]);
    await commitAll(b, 'replay the old seal');
    await expectRejected(a, good, /seal says root .* but the peer's commit/);
  });

  it('a ref that does not exist, and an unreachable peer, change nothing', async () => {
    const a = forkNode(alpha);
    await a.s.ok(['federation', 'add', 'ghost', beta.s.repo, '--ref', 'refs/heads/nope']);
    await a.s.ok(['federation', 'add', 'gone', 'http://127.0.0.1:9/none.git']);
    const before = await a.s.state();
    const ghost = await a.s.run(['federation', 'sync', 'ghost']);
    expect(ghost.code).toBe(1);
    expect(ghost.stderr).toMatch(/has no ref refs\/heads\/nope/);
    expect(ghost.stderr.trim().split('\n')).toHaveLength(1);
    const gone = await a.s.run(['federation', 'sync', 'gone', '--timeout', '5']);
    expect(gone.code).toBe(1);
    expect(gone.stderr).toMatch(/cannot fetch peer "gone"/);
    expect(await a.s.state()).toBe(before);
    const status = await a.s.json<{ peers: { name: string; lastError?: string }[] }>([
      'federation',
      'status',
    ]);
    expect(status.peers.find((p) => p.name === 'gone')?.lastError).toMatch(/cannot fetch/);
  });
});

describe('transports', () => {
  let server: GitHttpServer;
  let served: string;
  let b: Node;
  let d: string;
  beforeAll(async () => {
    b = forkNode(beta);
    d = await decide(b, 'Served over the wire');
    served = join(tools, 'served');
    mkdirSync(served, { recursive: true });
    await b.s.git(['clone', '-q', '--bare', b.s.repo, join(served, 'beta.git')], tools);
    server = await new GitHttpServer({ root: served }).start();
  });
  afterAll(async () => {
    await server?.stop();
  });

  it('http through git http-backend, file:// and ssh through the system git', async () => {
    const viaHttp = forkNode(alpha);
    await peer(viaHttp, b, [], server.url('beta.git'));
    expect((await sync(viaHttp, 'beta')).accepted).toEqual([d]);

    const viaFile = forkNode(alpha);
    await peer(viaFile, b, [], `file://${b.s.repo}`);
    expect((await sync(viaFile, 'beta')).accepted).toEqual([d]);

    const viaSsh = forkNode(alpha);
    await peer(viaSsh, b, [], `ssh://git.example.invalid${join(served, 'beta.git')}`);
    const out = await viaSsh.s.json<SyncJson>(['federation', 'sync', 'beta'], {
      env: { GIT_SSH_COMMAND: sshStandIn(tools) },
    });
    expect((out.peers[0] as Outcome).accepted).toEqual([d]);
    for (const node of [viaHttp, viaFile, viaSsh]) {
      expect(node.s.exists(memoryFile(d))).toBe(true);
      await covenantHolds(node);
    }
  });

  it('--all goes on past a peer serving garbage and reports it', async () => {
    const garbage = await new GitHttpServer({ root: served, mode: 'garbage' }).start();
    try {
      const a = forkNode(alpha);
      await peer(a, b, [], server.url('beta.git'));
      await a.s.ok(['federation', 'add', 'junk', garbage.url('beta.git')]);
      const r = await a.s.run(['federation', 'sync', '--all', '--json']);
      expect(r.code).toBe(1);
      const out = JSON.parse(r.stdout) as SyncJson;
      const junk = out.peers.find((p) => p.peer === 'junk');
      expect(junk && 'error' in junk ? junk.error.code : '').toBe('PEER_UNREACHABLE');
      const good = out.peers.find((p) => p.peer === 'beta') as Outcome;
      expect(good.accepted).toEqual([d]);
      await covenantHolds(a);
    } finally {
      await garbage.stop();
    }
  });
});
