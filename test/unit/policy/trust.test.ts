/**
 * TrustStore.load, the trust anchors of a snapshot of .remembrancer/: a key file counts
 * only when it holds one public key whose fingerprint is its name; a private key, a key
 * under another key's name, something that is no key, and a misnamed file are each a
 * problem naming the file, never an anchor. Keys trusted for a peer sign only in the name
 * of that peer's node (peers.json), anchors in every other name. A commit's anchors are the
 * commit's own, whatever the working tree holds.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { CommitSnapshot } from '../../../src/git/snapshots.js';
import { WorkingTreeSnapshot } from '../../../src/ground/snapshot.js';
import { TrustStore } from '../../../src/policy/trust.js';
import { gitRepos, type GitRepo } from '../../helpers/git-repo.js';
import { makeKey, type TestKey } from '../../helpers/keys.js';

const newRepo = gitRepos();

let alice: TestKey;
let bob: TestKey;
let carol: TestKey;
let sub: TestKey;
beforeAll(async () => {
  [alice, bob, carol, sub] = await Promise.all([
    makeKey('Alice'),
    makeKey('Bob'),
    makeKey('Carol'),
    makeKey('Subkey Signer', { signingSubkey: true }),
  ]);
});

const config = (node: string) => JSON.stringify({ schema: 1, node, policy: 'strict' }) + '\n';
const peers = (list: { name: string; node?: string; keys: string[] }[]) =>
  JSON.stringify({
    schema: 1,
    peers: list.map((p) => ({ url: '/srv/peer', ref: 'refs/heads/main', tier: 'core', ...p })),
  }) + '\n';
const keyFile = (k: TestKey) => `.remembrancer/trust/keys/${k.fingerprint}.asc`;

function node(files: Record<string, string>): GitRepo {
  const r = newRepo();
  r.write('.remembrancer/config.json', config('alpha'));
  for (const [path, content] of Object.entries(files)) r.write(path, content);
  return r;
}

const load = (r: GitRepo) => TrustStore.load(new WorkingTreeSnapshot(r.repo.remDir));
const problems = (t: TrustStore) => t.problems.map((p) => ({ code: p.code, file: p.file }));

describe('TrustStore.load', () => {
  it('trusts each public key filed under its own fingerprint, a key with a signing subkey too', async () => {
    const r = node({ [keyFile(alice)]: alice.publicArmored, [keyFile(sub)]: sub.publicArmored });
    const trust = await load(r);
    expect(problems(trust)).toEqual([]);
    expect(trust.anchors.map((k) => k.fingerprint).sort()).toEqual(
      [alice.fingerprint, sub.fingerprint].sort(),
    );
    expect(trust.isAnchor(alice.fingerprint)).toBe(true);
    expect(trust.has(bob.fingerprint)).toBe(false);
    const described = await trust.describe();
    expect(described.map((d) => d.path)).toEqual(
      [alice, sub].map((k) => `trust/keys/${k.fingerprint}.asc`).sort((a, b) => (a < b ? -1 : 1)),
    );
  });

  it('refuses a private key where an anchor belongs, naming the file', async () => {
    const r = node({ [keyFile(alice)]: alice.privateArmored, [keyFile(bob)]: bob.publicArmored });
    const trust = await load(r);
    expect(problems(trust)).toEqual([{ code: 'KEY_IS_PRIVATE', file: keyFile(alice) }]);
    expect(trust.has(alice.fingerprint)).toBe(false);
    expect(trust.has(bob.fingerprint)).toBe(true);
  });

  it('refuses a key filed under another key’s fingerprint, and what is no key at all', async () => {
    const r = node({
      [keyFile(alice)]: bob.publicArmored,
      [keyFile(carol)]: 'not a key\n',
      [`.remembrancer/trust/keys/${'A'.repeat(40)}.asc`]: alice.publicArmored + bob.publicArmored,
    });
    const trust = await load(r);
    expect(problems(trust).sort((a, b) => ((a.file ?? '') < (b.file ?? '') ? -1 : 1))).toEqual(
      [
        { code: 'KEY_UNREADABLE', file: keyFile(alice) },
        { code: 'KEY_UNREADABLE', file: keyFile(carol) },
        { code: 'KEY_UNREADABLE', file: `.remembrancer/trust/keys/${'A'.repeat(40)}.asc` },
      ].sort((a, b) => (a.file < b.file ? -1 : 1)),
    );
    expect(trust.problems.find((p) => p.file === keyFile(alice))?.message).toBe(
      `holds key ${bob.fingerprint}, not the one its name says`,
    );
    expect(trust.keys.size).toBe(0);
  });

  it('names files that are no anchor file name, and trusts nothing in them', async () => {
    const lower = `.remembrancer/trust/keys/${alice.fingerprint.toLowerCase()}.asc`;
    const r = node({
      [lower]: alice.publicArmored,
      '.remembrancer/trust/keys/notes.txt': 'hello\n',
      '.remembrancer/trust/tsa/root.pem': 'no certificate here\n',
    });
    const trust = await load(r);
    expect(problems(trust).map((p) => p.code)).toEqual([
      'UNEXPECTED_FILE',
      'UNEXPECTED_FILE',
      'UNEXPECTED_FILE',
    ]);
    expect(trust.keys.size).toBe(0);
    expect(trust.tsaRoots.size).toBe(0);
  });

  it('binds a peer’s key to the peer’s node, and our anchors to every node no peer speaks for', async () => {
    const r = node({
      [keyFile(alice)]: alice.publicArmored,
      '.remembrancer/peers.json': peers([
        { name: 'beta', node: 'beta-node', keys: [bob.fingerprint] },
      ]),
      [`.remembrancer/trust/peers/beta/${bob.fingerprint}.asc`]: bob.publicArmored,
      [`.remembrancer/trust/peers/gamma/${carol.fingerprint}.asc`]: carol.publicArmored,
    });
    const trust = await load(r);
    expect(problems(trust)).toEqual([]);
    expect(trust.isAnchor(bob.fingerprint)).toBe(false);
    expect(trust.get(bob.fingerprint)?.peer).toBe('beta');
    expect(trust.bindingProblem(bob.fingerprint, 'beta-node')).toBeUndefined();
    expect(trust.bindingProblem(bob.fingerprint, 'alpha')).toBe(
      `key ${bob.fingerprint} may not sign in the name of node "alpha": it is trusted for node "beta-node"`,
    );
    // A folder no peers.json entry names speaks for the node named like it.
    expect(trust.bindingProblem(carol.fingerprint, 'gamma')).toBeUndefined();
    expect(trust.bindingProblem(alice.fingerprint, 'alpha')).toBeUndefined();
    expect(trust.bindingProblem(alice.fingerprint, 'an-old-name')).toBeUndefined();
    expect(trust.bindingProblem(alice.fingerprint, 'beta-node')).toMatch(
      /it is a trust anchor of this node, and "beta-node" is a peer's node/,
    );
  });

  it('refuses a peer that claims this node’s own name', async () => {
    const r = node({
      '.remembrancer/peers.json': peers([{ name: 'beta', node: 'alpha', keys: [bob.fingerprint] }]),
      [`.remembrancer/trust/peers/beta/${bob.fingerprint}.asc`]: bob.publicArmored,
    });
    const trust = await load(r);
    expect(trust.problems.map((p) => [p.code, p.message])).toEqual([
      ['SCHEMA_VIOLATION', 'peer "beta" claims this node\'s own name "alpha"'],
    ]);
    expect(trust.bindingProblem(bob.fingerprint, 'alpha')).toMatch(
      /may not sign in the name of node "alpha"/,
    );
  });

  it('reads a commit’s anchors from the commit, not from the working tree', async () => {
    const r = node({ [keyFile(alice)]: alice.publicArmored });
    const commit = r.commit('alice is trusted');
    r.write(keyFile(bob), bob.publicArmored); // added since, not committed
    const committed = await TrustStore.load(new CommitSnapshot(r.repo, commit, 'HEAD'));
    expect([...committed.keys.keys()]).toEqual([alice.fingerprint]);
    const working = await load(r);
    expect(working.keys.size).toBe(2);
    expect(committed.sameKeysAs(working)).toBe(false);
    expect(
      committed.sameKeysAs(await TrustStore.load(new CommitSnapshot(r.repo, commit, 'x'))),
    ).toBe(true);
  });
});
