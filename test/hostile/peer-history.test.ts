/**
 * A peer's history is its own to rewrite, but never silently: a force-push is reported by
 * the sync that sees it and kept in `federation status`; what the peer dropped stays here.
 * A sync that rejects anything exits 1 and says how many and why.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { decisionSigned, memoryFile, writeMemory } from '../helpers/craft.js';
import {
  commitAll,
  covenantHolds,
  decide,
  forkNode,
  makeNode,
  peer,
  sync,
  type Node,
  type Outcome,
  type SyncJson,
} from '../helpers/nodes.js';

let alpha: Node;
let beta: Node;

beforeAll(async () => {
  [alpha, beta] = await Promise.all([makeNode('alpha'), makeNode('beta')]);
});

interface StatusRow {
  name: string;
  node: string;
  peerCommit?: string;
  lastRewrite?: { at: string; from: string; to: string };
}

describe('history rewrites', () => {
  it('a force-push by a peer is reported, recorded in status, and what it dropped stays', async () => {
    const a = forkNode(alpha);
    const b = forkNode(beta);
    await peer(a, b);
    const dropped = await decide(b, 'Beta decided this, then rewrote it away');
    const first = await sync(a, 'beta');
    expect(first.accepted).toContain(dropped);
    const before = (await b.s.git(['rev-parse', 'HEAD'])).trim();

    await b.s.git(['reset', '-q', '--hard', 'HEAD~1']);
    const replacement = await decide(b, 'What beta says now');
    const after = (await b.s.git(['rev-parse', 'HEAD'])).trim();

    const r = await a.s.run(['federation', 'sync', 'beta', '--json']);
    expect(r.code, r.stderr).toBe(0);
    const out = (JSON.parse(r.stdout) as SyncJson).peers[0] as Outcome & {
      rewritten?: { from: string; to: string };
    };
    expect(out.rewritten).toEqual({ from: before, to: after });
    expect(out.warnings, JSON.stringify(out.warnings)).toContain(
      `peer "beta" rewrote its history: refs/heads/main is now ${after.slice(0, 7)}, which does not descend from ${before.slice(0, 7)} synced last (force-push); what it dropped stays here, and \`federation status\` keeps the record`,
    );
    expect(out.accepted).toContain(replacement);
    expect(a.s.exists(memoryFile(dropped))).toBe(true);

    const status = await a.s.json<{ peers: StatusRow[] }>(['federation', 'status']);
    expect(status.peers[0]?.lastRewrite).toMatchObject({ from: before, to: after });
    const table = await a.s.run(['federation', 'status']);
    expect(table.code).toBe(0);
    expect(table.stderr).toContain(`beta rewrote its history (force-push) seen`);
    expect(table.stderr).toContain(
      `${before.slice(0, 7)} is not an ancestor of ${after.slice(0, 7)}`,
    );
    await covenantHolds(a);
  });

  it('a peer that only moves forward is never reported as rewritten', async () => {
    const a = forkNode(alpha);
    const b = forkNode(beta);
    await peer(a, b);
    await sync(a, 'beta');
    await decide(b, 'One more');
    const r = await a.s.run(['federation', 'sync', 'beta', '--json']);
    expect(r.code, r.stderr).toBe(0);
    const out = (JSON.parse(r.stdout) as SyncJson).peers[0] as Outcome & { rewritten?: unknown };
    expect(out.rewritten).toBeUndefined();
    expect(out.warnings.join('\n')).not.toMatch(/rewrote/);
    const status = await a.s.json<{ peers: StatusRow[] }>(['federation', 'status']);
    expect(status.peers[0]?.lastRewrite).toBeUndefined();
  });

  it('a sync that rejects memories exits 1 and says how many and why on stderr', async () => {
    const a = forkNode(alpha);
    const b = forkNode(beta);
    await peer(a, b);
    const good = await decide(b, 'A signed decision');
    const unsigned = writeMemory(b.s, {
      signed: decisionSigned('No signature at all', { node: 'beta' }),
      signatures: [],
    });
    await commitAll(b, 'one unsigned memory');
    const r = await a.s.run(['federation', 'sync', 'beta']);
    expect(r.code, r.stdout + r.stderr).toBe(1);
    expect(r.stderr).toContain(
      '1 memory was rejected (reasons above); nothing rejected was written',
    );
    expect(r.stdout + r.stderr).toContain(unsigned.id.slice(0, 12));
    expect(a.s.exists(memoryFile(good))).toBe(true);
    expect(a.s.exists(memoryFile(unsigned.id))).toBe(false);
  });
});
