/**
 * A node's name is bound to the keys allowed to speak for it. A trusted peer that writes in
 * our node's name, in a third node's name, or renames itself to escape the seal check gets
 * nothing in: the sync says why and exits 1, and nothing of ours changes.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { memoryFile, signWith, decisionSigned, writeMemory } from '../helpers/craft.js';
import {
  commitAll,
  covenantHolds,
  decide,
  forkNode,
  makeNode,
  peer,
  type Node,
  type SyncJson,
  type Outcome,
} from '../helpers/nodes.js';

let alpha: Node;
let beta: Node;
let gamma: Node;

beforeAll(async () => {
  [alpha, beta, gamma] = await Promise.all([
    makeNode('alpha'),
    makeNode('beta'),
    makeNode('gamma', 'permissive'),
  ]);
});

/** Sets a node's config.json "node", as a peer may do to its own repository. */
function renameNode(node: Node, name: string | null): void {
  const file = join(node.s.repo, '.remembrancer', 'config.json');
  if (name === null) {
    writeFileSync(file, '{ this is not json');
    return;
  }
  const config = JSON.parse(readFileSync(file, 'utf8')) as { node: string };
  config.node = name;
  writeFileSync(file, JSON.stringify(config, null, 2) + '\n');
}

/** Syncs, expecting exit 1 for rejections; the outcome and stderr. */
async function syncRejecting(a: Node, name: string) {
  const r = await a.s.run(['federation', 'sync', name, '--json']);
  const out = JSON.parse(r.stdout) as SyncJson;
  const first = out.peers[0] as Outcome;
  expect(r.code, r.stderr).toBe(1);
  return first;
}

describe('node impersonation', () => {
  it("a peer's key writing in our node's name (an ADR that supersedes ours) is rejected", async () => {
    const a = forkNode(alpha);
    const b = forkNode(beta);
    await a.s.ok(['adr', 'create', 'Use Postgres', '--context', 'c', '--decision', 'd']);
    const good = await decide(b, 'A legitimate decision by beta');
    // beta records in alpha's name with its own, trusted, key.
    renameNode(b, 'alpha');
    await b.s.ok(['adr', 'create', 'Use Postgres', '--context', 'c', '--decision', 'd']);
    await b.s.ok([
      'adr',
      'supersede',
      'ADR-0001',
      'Use MySQL instead',
      '--context',
      'c',
      '--decision',
      'd',
    ]);
    await commitAll(b, 'speak for alpha');
    await peer(a, b);
    const before = await a.s.json<unknown[]>(['adr', 'list']);

    const out = await syncRejecting(a, 'beta');
    expect(out.accepted).toContain(good);
    expect(out.rejected.length).toBeGreaterThanOrEqual(2);
    for (const r of out.rejected) {
      expect(r.reason).toBe(
        `key ${beta.key.fingerprint} may not sign in the name of node "alpha": it is trusted for node "beta"`,
      );
    }
    expect(await a.s.json<unknown[]>(['adr', 'list'])).toEqual(before);
    for (const r of out.rejected) expect(a.s.exists(`.remembrancer/${r.path}`)).toBe(false);
    await covenantHolds(a);
  });

  it("an unsigned memory in our node's name is rejected even under the permissive policy", async () => {
    const g = forkNode(gamma);
    const b = forkNode(beta);
    const signed = decisionSigned('Gamma agreed to this, says beta', { node: 'gamma' });
    const { id } = writeMemory(b.s, { signed, signatures: [] });
    await commitAll(b, 'unsigned, in gamma name');
    await peer(g, b);
    const headBefore = await g.s.git(['rev-parse', 'HEAD']);
    const out = await syncRejecting(g, 'beta');
    expect(out.rejected).toEqual([
      {
        id,
        path: memoryFile(id).replace('.remembrancer/', ''),
        reason: 'in the name of this node (gamma) but not signed by one of its trust anchors',
      },
    ]);
    expect(await g.s.git(['rev-parse', 'HEAD'])).toBe(headBefore);
  });

  it("a peer's key signing a third node's memories and seals is rejected", async () => {
    const a = forkNode(alpha);
    const b = forkNode(beta);
    await peer(a, b);
    await peer(a, forkNode(gamma)); // gamma is known to alpha, with its own key
    const signed = {
      ...decisionSigned('Gamma decided this, says beta', { key: beta.key, node: 'gamma' }),
    };
    const { id } = writeMemory(b.s, { signed, signatures: [await signWith(signed, beta.key)] });
    const seal = {
      type: 'seal',
      schema: 1 as const,
      created: signed.created,
      node: 'gamma',
      author: signed.author,
      body: { root: 'ab'.repeat(32), treeSize: 7, previous: null },
    };
    const sealed = writeMemory(b.s, { signed: seal, signatures: [await signWith(seal, beta.key)] });
    await commitAll(b, 'speak for gamma');
    const before = await a.s.state();
    const out = await syncRejecting(a, 'beta');
    expect(out.rejected.map((r) => r.id).sort()).toEqual([id, sealed.id].sort());
    for (const r of out.rejected)
      expect(r.reason).toMatch(
        /may not sign in the name of node "gamma": it is trusted for node "beta"/,
      );
    expect(await a.s.state()).toBe(before);
  });

  it('a peer that renames or breaks its config.json still has its replayed seal recomputed', async () => {
    for (const rename of ['beta-renamed', null] as const) {
      const a = forkNode(alpha);
      const b = forkNode(beta);
      await peer(a, b);
      const seal = (await b.s.json<{ id: string }>(['seal'])).id;
      const sealFile = memoryFile(seal);
      await decide(b, 'Recorded after the seal');
      await b.s.git(['rm', '-q', sealFile]);
      await commitAll(b, 'drop the seal');
      await decide(b, 'Recorded later still');
      await b.s.git(['checkout', 'HEAD~3', '--', sealFile]);
      renameNode(b, rename);
      await commitAll(b, 'replay the old seal under another name');
      const r = await a.s.run(['federation', 'sync', 'beta', '--json']);
      expect(r.code, r.stderr).toBe(1);
      const out = (JSON.parse(r.stdout) as SyncJson).peers[0] as Outcome;
      const hit = out.rejected.find((x) => x.id === seal);
      expect(hit?.reason, JSON.stringify(out.rejected)).toMatch(
        /seal says root .* but the peer's commit .* that added it gives/,
      );
      expect(a.s.exists(sealFile)).toBe(false);
      expect(out.warnings.join('\n')).toMatch(
        rename === null ? /has no readable config\.json/ : /now calls its node "beta-renamed"/,
      );
    }
  });

  it("the covenant rejects a change that adds a memory in our name signed by a peer's key", async () => {
    const a = forkNode(alpha);
    await peer(a, beta);
    const signed = decisionSigned('Slipped in through a pull request', {
      key: beta.key,
      node: 'alpha',
    });
    const { file } = writeMemory(a.s, { signed, signatures: [await signWith(signed, beta.key)] });
    const r = await a.s.run(['covenant']);
    expect(r.code).toBe(1);
    expect(r.stdout + r.stderr).toContain(
      `key ${beta.key.fingerprint} may not sign in the name of node "alpha"`,
    );
    expect(r.stdout + r.stderr).toContain(file.slice(file.indexOf('.remembrancer/')));
  });

  it('a peer claiming our own node name is refused', async () => {
    const a = forkNode(alpha);
    const r = await a.s.run(['federation', 'add', 'beta', beta.s.repo, '--node', 'alpha']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/"alpha" is this node's own name/);
  });

  it('a second route to the same node (--node) carries its memories', async () => {
    const a = forkNode(alpha);
    const b = forkNode(beta);
    const good = await decide(b, 'Through the mirror');
    await a.s.ok([
      'federation',
      'add',
      'mirror',
      b.s.repo,
      '--node',
      'beta',
      '--key',
      beta.key.publicFile,
    ]);
    const r = await a.s.run(['federation', 'sync', 'mirror', '--json']);
    expect(r.code, r.stderr).toBe(0);
    expect(((JSON.parse(r.stdout) as SyncJson).peers[0] as Outcome).accepted).toContain(good);
    await covenantHolds(a);
  });
});
