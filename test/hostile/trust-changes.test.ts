/**
 * Trust changes judged by what they leave behind. A pull request behind its base is
 * governed by the base's tip (a key revoked or distrusted there since the fork signs
 * nothing into it); a change that drops an anchor still signing memories is refused, as
 * `trust remove` and `federation remove` refuse to do it: the way out is a revocation with
 * a reason, which keeps what the key signed before.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { CovenantReport } from '../../src/policy/covenant.js';
import { annotations, pullRequestPayload, runAction } from '../helpers/action.js';
import { head, Sandbox, sandboxTracker } from '../helpers/cli.js';
import { newKeyFiles, nowSeconds, type KeyFiles } from '../helpers/craft.js';
import { covenantHolds, decide, makeNode, peer, sync } from '../helpers/nodes.js';

const track = sandboxTracker();
let template: Sandbox;
let second: KeyFiles;
let spare: KeyFiles;
/** A memory only the second anchor signs. */
let signedBySecond: string;

beforeAll(async () => {
  template = track(new Sandbox());
  await template.initSigned();
  [second, spare] = await Promise.all([
    newKeyFiles(template.dir, 'Second Anchor'),
    newKeyFiles(template.dir, 'Spare Anchor'),
  ]);
  await template.ok(['trust', 'add', second.publicFile]);
  await template.ok(['trust', 'add', spare.publicFile]);
  signedBySecond = (
    await template.json<{ path: string }>([
      'record',
      'decision',
      'Signed by the second anchor',
      '--key',
      second.privateFile,
    ])
  ).path;
});

const keyFile = (k: KeyFiles) => `.remembrancer/trust/keys/${k.fingerprint}.asc`;

/** What a refused command must leave exactly as it was. */
async function state(s: Sandbox) {
  return {
    head: await head(s),
    status: await s.git(['status', '--porcelain']),
    tree: await s.git(['ls-files', '-s', '.remembrancer']),
  };
}

async function covenantJson(s: Sandbox, args: string[]) {
  const r = await s.run(['covenant', ...args, '--json']);
  return { code: r.code, report: JSON.parse(r.stdout) as CovenantReport };
}

/** Waits until the clock's second has passed `created`, so "after" is unambiguous. */
async function pastSecond(created: string): Promise<void> {
  while (nowSeconds() <= created) await new Promise((r) => setTimeout(r, 50));
}

describe('a change that removes a trust anchor', () => {
  it('fails the covenant, staged and committed, while the anchor still signs memories', async () => {
    const s = track(template.fork());
    await s.git(['rm', '-q', keyFile(second)]);
    const staged = await covenantJson(s, ['--staged']);
    expect(staged.code).toBe(1);
    const found = staged.report.violations.filter((v) => v.code === 'TRUST_ANCHOR_REMOVED');
    expect(found).toEqual([expect.objectContaining({ rule: 'provenance', file: signedBySecond })]);
    expect(found[0]?.message).toContain(`signed by ${second.fingerprint}`);
    expect(found[0]?.fix).toContain('trust revoke');

    await s.git(['commit', '-q', '--no-verify', '-m', 'drop an anchor']);
    const range = await covenantJson(s, ['--base', 'HEAD~1']);
    expect(range.code).toBe(1);
    expect(range.report.violations.map((v) => [v.code, v.file])).toContainEqual([
      'TRUST_ANCHOR_REMOVED',
      signedBySecond,
    ]);
  });

  it('passes when the anchor it removes signs nothing', async () => {
    const s = track(template.fork());
    await s.git(['rm', '-q', keyFile(spare)]);
    const staged = await covenantJson(s, ['--staged']);
    expect(staged.code).toBe(0);
    expect(staged.report.notes).toContain(
      `trust anchors removed by this change: ${spare.fingerprint}`,
    );
  });

  it('`trust remove` refuses, `trust revoke` asks for a reason, and nothing changes', async () => {
    const s = track(template.fork());
    const before = await state(s);
    const removed = await s.run(['trust', 'remove', second.fingerprint]);
    expect(removed.code).toBe(2);
    expect(removed.stderr).toContain(
      `${second.fingerprint} is the only trusted signer of 1 memory (${signedBySecond}); removing it would fail them`,
    );
    expect(removed.stderr).toContain(`trust revoke ${second.fingerprint.slice(-16)} --reason`);
    expect(await state(s)).toEqual(before);

    const bare = await s.run(['trust', 'revoke', second.fingerprint]);
    expect(bare.code).toBe(2);
    expect(bare.stderr).toContain('revoking it needs a reason');
    expect(await state(s)).toEqual(before);

    await s.ok(['trust', 'revoke', second.fingerprint, '--reason', 'rotated to a new key']);
    expect(s.exists(keyFile(second))).toBe(true);
    const after = await covenantJson(s, []);
    expect(after.code).toBe(0);
    // Without a timestamp the old signature is kept, with a warning that it is unproven.
    expect(after.report.warnings.map((w) => [w.code, w.file])).toContainEqual([
      'SIGNATURE_REVOKED',
      signedBySecond,
    ]);

    // An anchor that signs nothing is still removed at once.
    await s.ok(['trust', 'remove', spare.fingerprint]);
    expect(s.exists(keyFile(spare))).toBe(false);
  });
});

describe('the Action on a pull request', () => {
  /** A feature branch forked from main, then main moves on with `onMain`. */
  async function behind(
    onMain: (s: Sandbox) => Promise<void>,
    onFeature: (s: Sandbox) => Promise<void>,
  ) {
    const s = track(template.fork());
    await s.git(['branch', 'feature']);
    await onMain(s);
    await s.git(['checkout', '-q', 'feature']);
    await onFeature(s);
    await s.git(['add', '-A']);
    await s.git(['commit', '-q', '--no-verify', '--allow-empty', '-m', 'feature']);
    const headSha = await head(s);
    await s.git(['checkout', '-q', 'main']);
    const baseSha = await head(s);
    return { s, headSha, baseSha };
  }

  it("is governed by its base's tip: keys revoked or distrusted there since the fork sign nothing in", async () => {
    let revokedAt = '';
    const { s, headSha, baseSha } = await behind(
      async (s) => {
        const revoked = await s.json<{ id: string }>([
          'trust',
          'revoke',
          second.fingerprint,
          '--reason',
          'laptop stolen',
        ]);
        const shown = await s.json<{ envelope: { signed: { created: string } } }>([
          'show',
          revoked.id,
        ]);
        revokedAt = shown.envelope.signed.created;
        await s.ok(['trust', 'remove', spare.fingerprint]);
      },
      async (s) => {
        await pastSecond(revokedAt);
        await s.ok(['record', 'decision', 'Signed after the theft', '--key', second.privateFile]);
        await s.ok(['record', 'decision', 'Signed by a dropped key', '--key', spare.privateFile]);
      },
    );
    const run = await runAction(s, 'pull_request', pullRequestPayload(baseSha, headSha));
    expect(run.code, run.stdout).toBe(1);
    const errors = annotations(run.stdout).join('\n');
    expect(errors).toContain('SIGNATURE_REVOKED');
    expect(errors).toContain(`signed only by untrusted key ${spare.fingerprint}`);
    expect(run.stdout).toContain(
      `the trust anchors, revocations and policy of main at ${baseSha.slice(0, 7)} apply`,
    );
    expect(run.outputs['violations']).toBe('2');
  });

  it('fails when it removes an anchor that still signs memories', async () => {
    const { s, headSha, baseSha } = await behind(
      async () => {},
      async (s) => {
        await s.git(['rm', '-q', keyFile(second)]);
      },
    );
    const run = await runAction(s, 'pull_request', pullRequestPayload(baseSha, headSha));
    expect(run.code, run.stdout).toBe(1);
    expect(annotations(run.stdout).join('\n')).toContain('TRUST_ANCHOR_REMOVED');
  });
});

describe("a change to a peer's binding", () => {
  it('fails the covenant on each memory the peer brought that would lose its signer', async () => {
    const [alpha, beta] = await Promise.all([makeNode('alpha'), makeNode('beta')]);
    await decide(beta, 'Beta signs as beta');
    await peer(alpha, beta);
    const taken = await sync(alpha, 'beta');
    const file = join(alpha.s.repo, '.remembrancer', 'peers.json');
    const peers = JSON.parse(readFileSync(file, 'utf8')) as { peers: Record<string, unknown>[] };
    (peers.peers[0] as Record<string, unknown>)['node'] = 'somebody-else';
    alpha.s.write('.remembrancer/peers.json', JSON.stringify(peers, null, 2) + '\n');
    const { code, report } = await covenantJson(alpha.s, []);
    expect(code).toBe(1);
    const removed = report.violations.filter((v) => v.code === 'TRUST_ANCHOR_REMOVED');
    expect(removed.map((v) => v.file)).toEqual(
      taken.accepted.map((id) => `.remembrancer/memories/${id.slice(0, 2)}/${id}.json`),
    );
  });
});

describe('federation remove', () => {
  it('retires a peer whose keys sign what it brought, and removes one that brought nothing', async () => {
    const [alpha, beta, gamma] = await Promise.all([
      makeNode('alpha'),
      makeNode('beta'),
      makeNode('gamma'),
    ]);
    await decide(beta, 'Beta keeps its own ledger');
    await peer(alpha, beta);
    await peer(alpha, gamma);
    expect((await sync(alpha, 'beta')).accepted).toHaveLength(1);

    const retired = await alpha.s.ok(['federation', 'remove', 'beta']);
    expect(retired.stdout).toContain('retired peer beta: it is no longer synced');
    const betaKey = `.remembrancer/trust/peers/beta/${beta.key.fingerprint}.asc`;
    expect(alpha.s.exists(betaKey)).toBe(true);
    const peers = JSON.parse(
      readFileSync(join(alpha.s.repo, '.remembrancer', 'peers.json'), 'utf8'),
    ) as { peers: { name: string; retired?: boolean }[] };
    expect(peers.peers.find((p) => p.name === 'beta')?.retired).toBe(true);
    await covenantHolds(alpha);

    const before = await state(alpha.s);
    const again = await alpha.s.run(['federation', 'sync', 'beta']);
    expect(again.code).toBe(2);
    expect(again.stderr).toContain('peer "beta" is retired and is not synced');
    const twice = await alpha.s.run(['federation', 'remove', 'beta']);
    expect(twice.code).toBe(2);
    expect(twice.stderr).toContain('peer "beta" is already retired');
    expect(await state(alpha.s)).toEqual(before);
    const status = await alpha.s.json<{ peers: { name: string; retired: boolean }[] }>([
      'federation',
      'status',
      '--json',
    ]);
    expect(status.peers.map((p) => [p.name, p.retired])).toEqual([
      ['beta', true],
      ['gamma', false],
    ]);

    const removed = await alpha.s.ok(['federation', 'remove', 'gamma']);
    expect(removed.stdout).toContain('removed peer gamma');
    expect(alpha.s.exists(`.remembrancer/trust/peers/gamma/${gamma.key.fingerprint}.asc`)).toBe(
      false,
    );
    await covenantHolds(alpha);
  });
});
