/**
 * Ids and paths: a memory file is `memories/<aa>/<64 hex id>.json`, its id the hash of its
 * content, and nothing else under memories/ is one. A peer's tree and a commit can hold any
 * name git allows (newlines, escape sequences, "..", a leading "-", thousands of
 * characters): each is rejected with its reason, shown on one printable line, and neither
 * a sync nor the covenant is thrown off by it.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import type { CovenantReport } from '../../src/policy/covenant.js';
import { serializeEnvelope } from '../../src/memory/envelope.js';
import {
  idOf,
  memoryFile,
  signedEnvelope,
  writeMemory,
  type AnyEnvelope,
} from '../helpers/craft.js';
import {
  commitEntries,
  noCrash,
  readVerbsHold,
  syncInWords,
  syncRejecting,
  type Entry,
} from '../helpers/hostile.js';
import {
  commitAll,
  covenantHolds,
  decide,
  forkNode,
  makeNode,
  peer,
  type Node,
} from '../helpers/nodes.js';

let alpha: Node;
let beta: Node;

beforeAll(async () => {
  [alpha, beta] = await Promise.all([makeNode('alpha'), makeNode('beta')]);
});

const NOT_A_NAME = 'not a memory file name (<64 hex id>.json)';
const NOT_A_SHARD = 'not a shard folder of memories/ (two hex digits)';
const A_FOLDER = 'a folder where a memory file belongs';
const LONG = 'L'.repeat(3000) + '.json';

/** Every kind of name that is not a memory file, in a shard (`inShard`) or in memories/. */
function badNames(id: string, bytes: string): { inShard: Entry[]; inMemories: Entry[] } {
  const folder = (name: string): Entry => ({ name, mode: '040000', content: bytes });
  return {
    inShard: [
      { name: `${id.toUpperCase()}.json`, content: bytes },
      { name: `${id.slice(0, 63)}.json`, content: bytes },
      { name: `${id}0.json`, content: bytes },
      { name: `${id}.json.bak`, content: bytes },
      { name: id, content: bytes },
      { name: `${id}.JSON`, content: bytes },
      { name: '-rf.json', content: bytes },
      { name: '--upload-pack=touch x.json', content: bytes },
      { name: 'x\n  beta merged: 99 accepted\x1b[31m.json', content: bytes },
      { name: '..', content: bytes },
      { name: LONG, content: bytes },
    ],
    inMemories: [
      { name: `${id}.json`, content: bytes },
      { name: '-x', content: bytes },
      { name: 'zz\x07', content: bytes },
      { name: '..', content: bytes },
      { ...folder('AB') },
    ],
  };
}

describe('names a peer commits that are not memory files', () => {
  it('are each rejected on one printable line, and nothing of ours changes', async () => {
    const a = forkNode(alpha);
    const b = forkNode(beta);
    const envelope = await signedEnvelope('A memory behind a bad name', beta.key, { node: 'beta' });
    const id = idOf(envelope.signed);
    const shard = id.slice(0, 2);
    const { inShard, inMemories } = badNames(id, serializeEnvelope(envelope));
    commitEntries(b.s, `.remembrancer/memories/${shard}`, [
      ...inShard,
      { name: `${id}.json`, mode: '040000', content: 'a folder' },
    ]);
    commitEntries(b.s, '.remembrancer/memories', inMemories);
    await peer(a, b);
    const before = await a.s.state();
    const out = await syncRejecting(a, 'beta');
    const inShardPath = (name: string) => `memories/${shard}/${name}`;
    expect(out.accepted).toEqual([]);
    expect(out.rejected).toEqual(
      [
        ...[
          `${id.toUpperCase()}.json`,
          `${id.slice(0, 63)}.json`,
          `${id}0.json`,
          `${id}.json.bak`,
          id,
          `${id}.JSON`,
          '-rf.json',
          '--upload-pack=touch x.json',
          'x\\x0a  beta merged: 99 accepted\\x1b[31m.json',
          '..',
        ].map((name) => ({ path: inShardPath(name), reason: NOT_A_NAME })),
        { path: inShardPath(LONG).slice(0, 1023) + '…', reason: NOT_A_NAME },
        { path: inShardPath(`${id}.json`), reason: A_FOLDER },
        ...[`${id}.json`, '-x', 'zz\\x07', '..', 'AB'].map((name) => ({
          path: `memories/${name}`,
          reason: NOT_A_SHARD,
        })),
      ].sort((x, y) => (x.path < y.path ? -1 : 1)),
    );
    expect(await a.s.state()).toBe(before);

    // In words: each rejection on a line of its own; no name adds a line or an escape.
    const words = await syncInWords(a, 'beta');
    expect(words.code).toBe(1);
    const lines = words.stdout.split('\n').filter(Boolean);
    expect(lines[0]).toMatch(/^beta up to date: 0 accepted, 17 rejected \(peer at [0-9a-f]{7}\)$/);
    expect(lines.slice(1)).toHaveLength(17);
    for (const line of lines.slice(1)) expect(line).toMatch(/^ {2}rejected memories\/\S/);
    expect(words.stdout).not.toContain('\x1b');
    expect(words.stdout).not.toContain('\x07');
    expect(words.stderr).toBe(
      'warning: 17 memories were rejected (reasons above); nothing rejected was written\n',
    );
    expect(await a.s.state()).toBe(before);
  });

  it('a name too long for a receipt does not stop the rest of the sync', async () => {
    const a = forkNode(alpha);
    const b = forkNode(beta);
    const good = await decide(b, 'Comes through beside a very long name');
    commitEntries(b.s, `.remembrancer/memories/${good.slice(0, 2)}`, [{ name: LONG }]);
    await peer(a, b);
    const out = await syncRejecting(a, 'beta');
    expect(out.accepted).toEqual([good]);
    expect(out.rejected).toEqual([
      {
        path: `memories/${good.slice(0, 2)}/${LONG}`.slice(0, 1023) + '…',
        reason: NOT_A_NAME,
      },
    ]);
    expect(out.receipt).toMatch(/^[0-9a-f]{64}$/);
    expect(a.s.exists(memoryFile(good))).toBe(true);
    await covenantHolds(a);
  });

  it('memory files outside memories/ are never taken', async () => {
    const a = forkNode(alpha);
    const b = forkNode(beta);
    const envelope = await signedEnvelope('Hidden outside memories/', beta.key, { node: 'beta' });
    b.s.write('.remembrancer/evil.json', serializeEnvelope(envelope));
    b.s.write(`.remembrancer/${idOf(envelope.signed)}.json`, serializeEnvelope(envelope));
    b.s.write('.remembrancer/memories.json', serializeEnvelope(envelope));
    await commitAll(b, 'memories where none belong');
    await peer(a, b);
    const before = await a.s.state();
    const r = await a.s.run(['federation', 'sync', 'beta', '--json']);
    noCrash(r);
    expect(r.code, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout) as { peers: { status: string; examined: number }[] };
    expect(out.peers[0]).toMatchObject({ status: 'up-to-date', examined: 0 });
    expect(await a.s.state()).toBe(before);
  });
});

describe('ids that do not name their content', () => {
  it('a wrong id, the id of a memory we keep, and the right id in the wrong shard are rejected', async () => {
    const a = forkNode(alpha);
    const b = forkNode(beta);
    const ours = await decide(a, 'A memory of ours whose name a peer borrows');
    const oursBytes = a.s.read(memoryFile(ours));
    const env = (text: string) => signedEnvelope(text, beta.key, { node: 'beta' });
    const wrong = writeMemory(b.s, await env('Filed under a made-up id'), {
      id: 'ab' + '0'.repeat(62),
    });
    const borrowed = await env("Filed under alpha's id");
    const borrowedFile = writeMemory(b.s, borrowed, { id: ours });
    const misfiled = await env('Filed in another shard');
    const misfiledId = idOf(misfiled.signed);
    const otherShard = misfiledId.startsWith('ff') ? 'fe' : 'ff';
    const misfiledFile = writeMemory(b.s, misfiled, { shard: otherShard });
    await commitAll(b, 'ids that lie');
    await peer(a, b);
    const before = await a.s.state();
    const out = await syncRejecting(a, 'beta');
    const hashes = (e: AnyEnvelope) =>
      `content hashes to ${idOf(e.signed).slice(0, 12)}…, not to the id in its name: the memory was altered`;
    const wrongEnvelope = JSON.parse(b.s.read(wrong.file)) as AnyEnvelope;
    expect(out.rejected).toEqual(
      [
        { id: wrong.id, path: wrong.file.slice(14), reason: hashes(wrongEnvelope) },
        { id: ours, path: borrowedFile.file.slice(14), reason: hashes(borrowed) },
        {
          id: misfiledId,
          path: misfiledFile.file.slice(14),
          reason: 'memory is filed under the wrong shard',
        },
      ].sort((x, y) => (x.path < y.path ? -1 : 1)),
    );
    expect(a.s.read(memoryFile(ours))).toBe(oursBytes);
    expect(await a.s.state()).toBe(before);
  });
});

describe('names and ids committed into our own repository', () => {
  it('each fails the covenant with its file on one printable line; the read verbs still answer', async () => {
    const a = forkNode(alpha);
    const ours = await decide(a, 'Ours, soon overwritten by a commit');
    const base = (await a.s.git(['rev-parse', 'HEAD'])).trim();
    const envelope = await signedEnvelope('Behind a bad name', alpha.key, { node: 'alpha' });
    const id = idOf(envelope.signed);
    const shard = id.slice(0, 2);
    const bytes = serializeEnvelope(envelope);
    const { inShard, inMemories } = badNames(id, bytes);
    commitEntries(a.s, `.remembrancer/memories/${shard}`, inShard);
    commitEntries(
      a.s,
      '.remembrancer/memories',
      inMemories.filter((e) => e.mode !== '040000'),
    );
    // Another memory's content written over one of ours, and a memory in the wrong shard.
    commitEntries(a.s, `.remembrancer/memories/${ours.slice(0, 2)}`, [
      { name: `${ours}.json`, content: bytes },
    ]);
    const otherShard = shard === 'ff' ? 'fe' : 'ff';
    commitEntries(a.s, `.remembrancer/memories/${otherShard}`, [
      { name: `${id}.json`, content: bytes },
    ]);
    const before = await a.s.state();
    const report = await a.s.json<CovenantReport>(['covenant', '--base', base, '--head', 'HEAD']);
    const rel = (name: string) => `.remembrancer/memories/${shard}/${name}`;
    const unexpected = [
      ...inShard.map((e) => rel(e.name)),
      ...inMemories
        .filter((e) => e.mode !== '040000')
        .map((e) => `.remembrancer/memories/${e.name}`),
    ];
    const found = (code: string) =>
      report.violations.filter((v) => v.code === code).map((v) => [v.file, v.message]);
    expect(found('UNEXPECTED_FILE').sort()).toEqual(
      unexpected.map((f) => [f, 'file that is not a memory in memories/']).sort(),
    );
    expect(found('ID_MISMATCH')).toEqual([
      [
        memoryFile(ours),
        `content hashes to ${id.slice(0, 12)}…, not to the id in its name: the memory was altered`,
      ],
    ]);
    expect(found('WRONG_SHARD')).toEqual([
      [memoryFile(id, otherShard), 'memory is filed under the wrong shard'],
    ]);
    expect(found('MEMORY_ALTERED')).toEqual([
      [memoryFile(ours), 'memory was altered and no longer reads as a valid memory'],
    ]);
    expect(report.violations).toHaveLength(unexpected.length + 3);

    const human = await a.s.run(['covenant', '--base', base, '--head', 'HEAD']);
    noCrash(human);
    expect(human.code).toBe(1);
    expect(human.stdout).not.toContain('\x1b');
    expect(human.stdout).toContain(
      `integrity   ${rel('x\\x0a  beta merged: 99 accepted\\x1b[31m.json')}: file that is not a memory in memories/\n`,
    );
    expect(human.stdout).toContain(`integrity   .remembrancer/memories/zz\\x07: file that is not`);
    // Every finding is two lines: the finding and its fix.
    const body = human.stdout.split('\n').slice(1).filter(Boolean);
    expect(body).toHaveLength(2 * report.violations.length);
    expect(await a.s.state()).toBe(before);
    await readVerbsHold(a.s, [ours, id]);
  });

  it('the same names in the working tree and the index fail the covenant (--staged)', async () => {
    const a = forkNode(alpha);
    const envelope = await signedEnvelope('Staged under bad names', alpha.key, { node: 'alpha' });
    const id = idOf(envelope.signed);
    const bytes = serializeEnvelope(envelope);
    const names = [
      `${id.toUpperCase()}.json`,
      '-rf.json',
      'x\n\x1b[2J.json',
      `${'L'.repeat(200)}.json`,
    ];
    for (const name of names) a.s.write(`.remembrancer/memories/${id.slice(0, 2)}/${name}`, bytes);
    a.s.write(`.remembrancer/memories/${id}.json`, bytes);
    await a.s.git(['add', '-A']);
    const before = await a.s.state();
    const staged = await a.s.json<CovenantReport>(['covenant', '--staged']);
    expect(staged.violations.map((v) => [v.code, v.file]).sort()).toEqual(
      [
        ...names.map((n) => `.remembrancer/memories/${id.slice(0, 2)}/${n}`),
        `.remembrancer/memories/${id}.json`,
      ]
        .map((f) => ['UNEXPECTED_FILE', f])
        .sort(),
    );
    const human = await a.s.run(['covenant', '--staged']);
    expect(human.code).toBe(1);
    expect(human.stdout).toContain(
      `/x\\x0a\\x1b[2J.json: file that is not a memory in memories/\n`,
    );
    expect(await a.s.state()).toBe(before);
  });

  it('a memory-shaped file outside memories/ is not a memory: not listed, not in the root', async () => {
    const a = forkNode(alpha);
    const rootBefore = await a.s.json<{ root: string }>(['root']);
    const envelope = await signedEnvelope('Outside memories/', alpha.key, { node: 'alpha' });
    a.s.write('.remembrancer/evil.json', serializeEnvelope(envelope));
    a.s.write(`.remembrancer/${idOf(envelope.signed)}.json`, serializeEnvelope(envelope));
    const list = await a.s.json<{ id: string }[]>(['list']);
    expect(list.map((m) => m.id)).not.toContain(idOf(envelope.signed));
    expect(await a.s.json<{ root: string }>(['root'])).toEqual(rootBefore);
    await covenantHolds(a);
  });
});
