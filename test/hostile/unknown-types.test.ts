/**
 * Memories this version cannot read: a type it does not know, a schema version later than
 * its own, and a type that is not a type name at all, each signed by a trusted key and
 * filed under its true id. A later version is refused as exactly that (written by a newer
 * remembrancer; upgrade) before anything else is judged, since a newer format may differ in
 * anything; an unknown type is named as one; neither is misread or passed as a generic
 * schema failure. The same holds for config.json and peers.json, ours and a peer's, and
 * for what a peer brings: rejected by name and reason, nothing of it written.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { CovenantReport } from '../../src/policy/covenant.js';
import { serializeEnvelope, type Signed } from '../../src/memory/envelope.js';
import { memoryFiles } from '../helpers/cli.js';
import {
  decisionSigned,
  idOf,
  memoryFile,
  signWith,
  type AnyEnvelope,
  type KeyFiles,
} from '../helpers/craft.js';
import { commitEntries, noCrash, syncRejecting } from '../helpers/hostile.js';
import {
  commitAll,
  covenantHolds,
  decide,
  forkNode,
  makeNode,
  peer,
  sync,
  type Node,
} from '../helpers/nodes.js';

let alpha: Node;
let beta: Node;

beforeAll(async () => {
  [alpha, beta] = await Promise.all([makeNode('alpha'), makeNode('beta')]);
});

const NEWER = 'schema version 2 is unknown (written by a newer remembrancer; upgrade)';
const FIX_NEWER = 'upgrade remembrancer to one that reads schema 2; this one reads schema 1';
const TYPES = 'adr, adr-link, adr-status, decision, deploy, federation, revocation, seal, spawn';
const unknownType = (type: string) =>
  `memory type "${type}" is unknown to this version (written by a newer remembrancer, or by hand)`;
const FIX_UNKNOWN_TYPE = `this version reads ${TYPES}; upgrade remembrancer if a newer one wrote it, else restore the file from git`;
const FIX_SIGNED = 'the memory does not fit schemas/signed.json; restore it from git';

interface Case {
  what: string;
  /** The `signed` part, from a valid decision's. */
  signed: (decision: Signed<unknown>) => Record<string, unknown>;
  /** The envelope around it, when not the plain one with the key's signature. */
  envelope?: (signed: unknown, signature: { keyid: string; sig: string }) => unknown;
  message: string;
  fix: string;
}

const CASES: Case[] = [
  {
    what: 'a type this version does not know',
    signed: (d) => ({ ...d, type: 'wish', body: { wish: 'a pony' } }),
    message: unknownType('wish'),
    fix: FIX_UNKNOWN_TYPE,
  },
  {
    what: 'an unknown type whose name mimics a known one',
    signed: (d) => ({ ...d, type: 'decision-v2' }),
    message: unknownType('decision-v2'),
    fix: FIX_UNKNOWN_TYPE,
  },
  {
    what: 'a known type under a later schema version',
    signed: (d) => ({ ...d, schema: 2 }),
    message: NEWER,
    fix: FIX_NEWER,
  },
  {
    what: 'a later version with fields and a type this one does not know',
    signed: (d) => ({ ...d, schema: 2, type: 'wish', priority: 'high', body: [1, 2] }),
    message: NEWER,
    fix: FIX_NEWER,
  },
  {
    what: 'a later version whose signatures have a new shape',
    signed: (d) => ({ ...d, schema: 2 }),
    envelope: (signed, s) => ({ signed, signatures: [{ ...s, alg: 'ed448' }], witnesses: [] }),
    message: NEWER,
    fix: FIX_NEWER,
  },
  {
    what: 'schema version 0',
    signed: (d) => ({ ...d, schema: 0 }),
    message: 'signed.schema must be 1',
    fix: 'the decision memory does not fit schemas/decision.json; restore it from git',
  },
  {
    what: 'a schema version written as a string',
    signed: (d) => ({ ...d, schema: '2' }),
    message: 'signed.schema must be 1',
    fix: 'the decision memory does not fit schemas/decision.json; restore it from git',
  },
  {
    what: 'an unknown type missing a field every memory has',
    signed: (d) => {
      const { author: _author, ...rest } = d;
      return { ...rest, type: 'wish' };
    },
    message: 'signed is missing the field "author"',
    fix: FIX_SIGNED,
  },
  {
    what: 'a type that is not a type name',
    signed: (d) => ({ ...d, type: 'Decision!' }),
    message: 'signed.type has a value of the wrong form',
    fix: FIX_SIGNED,
  },
  {
    what: 'a type name holding a newline and a forged line',
    signed: (d) => ({ ...d, type: 'x\nerror: all memories verified' }),
    message: 'signed.type has a value of the wrong form',
    fix: FIX_SIGNED,
  },
  {
    what: 'a type of 500,000 characters',
    signed: (d) => ({ ...d, type: 'w'.repeat(500_000) }),
    message: 'signed.type has a value of the wrong form',
    fix: FIX_SIGNED,
  },
  {
    what: 'a type that is a number',
    signed: (d) => ({ ...d, type: 7 }),
    message: 'signed.type must be string',
    fix: FIX_SIGNED,
  },
  {
    what: 'a type that is an object',
    signed: (d) => ({ ...d, type: { name: 'decision' } }),
    message: 'signed.type must be string',
    fix: FIX_SIGNED,
  },
  {
    what: 'a known type with the body of another',
    signed: (d) => ({ ...d, type: 'deploy' }),
    message: 'signed is missing the field "subject"',
    fix: 'the deploy memory does not fit schemas/deploy.json; restore it from git',
  },
  {
    what: 'a known type named by a key of Object.prototype',
    signed: (d) => ({ ...d, type: 'constructor' }),
    message: unknownType('constructor'),
    fix: FIX_UNKNOWN_TYPE,
  },
];

interface Crafted {
  what: string;
  id: string;
  file: string;
  bytes: string;
  reason: string;
  line: string;
}

/** Each case as a memory signed by `key`, speaking for `node`, filed under its own id. */
async function craft(key: KeyFiles, node: string): Promise<Crafted[]> {
  const out: Crafted[] = [];
  for (const [i, c] of CASES.entries()) {
    const signed = c.signed(decisionSigned(`Case ${i}: ${c.what}`, { key, node }));
    const signature = await signWith(signed, key);
    const envelope = c.envelope?.(signed, signature) ?? { signed, signatures: [signature] };
    // The canonical file form, so that nothing but what the case is about is wrong.
    const bytes = serializeEnvelope(envelope as AnyEnvelope);
    const id = idOf(signed);
    const file = memoryFile(id);
    out.push({
      what: c.what,
      id,
      file,
      bytes,
      reason: c.message,
      line: `${file}: ${c.message} (fix: ${c.fix})`,
    });
  }
  return out;
}

describe('in our working tree', () => {
  let a: Node;
  let crafted: Crafted[];
  beforeAll(async () => {
    a = forkNode(alpha);
    await decide(a, 'A good memory of ours');
    crafted = await craft(alpha.key, 'alpha');
  });

  it.each(CASES.map((c, i) => [c.what, i] as const))(
    '%s: show names the file and why, list leaves it out',
    async (_what, i) => {
      const c = crafted[i] as Crafted;
      a.s.write(c.file, c.bytes);
      try {
        const before = await a.s.state();
        const show = await a.s.run(['show', c.id]);
        noCrash(show);
        expect([show.code, show.stderr, show.stdout]).toEqual([2, `error: ${c.line}\n`, '']);
        const list = await a.s.run(['list']);
        expect([list.code, list.stderr]).toEqual([0, `warning: left out ${c.line}\n`]);
        expect(list.stdout).not.toContain(c.id.slice(0, 12));
        expect(await a.s.state()).toBe(before);
        expect(a.s.read(c.file)).toBe(c.bytes);
      } finally {
        await a.s.git(['clean', '-fq', '.remembrancer/memories']);
      }
    },
  );

  it('all at once: the covenant names each as an integrity violation, and the root leaves them out', async () => {
    for (const c of crafted) a.s.write(c.file, c.bytes);
    const before = await a.s.state();
    const covenant = await a.s.run(['covenant', '--json']);
    noCrash(covenant);
    expect(covenant.code).toBe(1);
    const report = JSON.parse(covenant.stdout) as CovenantReport;
    expect(
      report.violations.map((v) => `${v.rule} ${v.file}: ${v.message} (fix: ${v.fix})`).sort(),
    ).toEqual(crafted.map((c) => `integrity ${c.line}`).sort());
    expect(report.memories).toBe(1);
    for (const args of [['query', 'case'], ['timeline']]) {
      const r = await a.s.run(args);
      noCrash(r, args.join(' '));
      expect(r.code).toBe(0);
      expect(r.stderr).toContain(
        `warning: ${crafted.length - 5} more invalid memory file(s) left out; run \`remembrancer covenant\` for details`,
      );
    }
    expect(await a.s.state()).toBe(before);
    await a.s.git(['clean', '-fq', '.remembrancer/memories']);
  });

  it('a config.json of a later schema version: every verb that reads it refuses, naming it', async () => {
    const b = forkNode(alpha);
    const id = await decide(b, 'Recorded before the upgrade');
    const configFile = join(b.s.repo, '.remembrancer/config.json');
    const config = JSON.parse(readFileSync(configFile, 'utf8')) as Record<string, unknown>;
    writeFileSync(configFile, JSON.stringify({ ...config, schema: 2, future: true }, null, 2));
    const before = await b.s.state();
    const line = `.remembrancer/config.json: ${NEWER} (fix: ${FIX_NEWER})`;
    for (const args of [
      ['show', id],
      ['record', 'decision', 'Written by an old version'],
      ['verify', `sha256:${'5'.repeat(64)}`],
      ['seal'],
    ]) {
      const r = await b.s.run(args);
      noCrash(r, args.join(' '));
      expect([r.code, r.stderr], args.join(' ')).toEqual([2, `error: ${line}\n`]);
    }
    const covenant = await b.s.json<CovenantReport>(['covenant']);
    expect(covenant.violations.map((v) => `${v.file}: ${v.message} (fix: ${v.fix})`)).toEqual([
      line,
    ]);
    expect(await b.s.state()).toBe(before);
  });

  it('a peers.json of a later schema version: federation refuses, naming it', async () => {
    const b = forkNode(alpha);
    await peer(b, beta);
    const peersFile = join(b.s.repo, '.remembrancer/peers.json');
    const peers = JSON.parse(readFileSync(peersFile, 'utf8')) as Record<string, unknown>;
    writeFileSync(peersFile, JSON.stringify({ ...peers, schema: 2 }, null, 2));
    const before = await b.s.state();
    const line = `.remembrancer/peers.json: ${NEWER} (fix: ${FIX_NEWER})`;
    for (const args of [
      ['federation', 'sync', 'beta'],
      ['federation', 'status'],
    ]) {
      const r = await b.s.run(args);
      noCrash(r, args.join(' '));
      expect([r.code, r.stderr], args.join(' ')).toEqual([2, `error: ${line}\n`]);
    }
    expect(await b.s.state()).toBe(before);
  });
});

describe("in a peer's commit", () => {
  it('each is rejected with its reason (exit 1), the good memory comes through, none is written', async () => {
    const a = forkNode(alpha);
    const b = forkNode(beta);
    const good = await decide(b, 'A legitimate decision');
    const crafted = await craft(beta.key, 'beta');
    const byShard = new Map<string, Crafted[]>();
    for (const c of crafted) {
      const shard = c.id.slice(0, 2);
      byShard.set(shard, [...(byShard.get(shard) ?? []), c]);
    }
    for (const [shard, files] of byShard) {
      commitEntries(
        b.s,
        `.remembrancer/memories/${shard}`,
        files.map((c) => ({ name: `${c.id}.json`, content: c.bytes })),
      );
    }
    await peer(a, b);
    const out = await syncRejecting(a, 'beta');
    expect(out.accepted).toEqual([good]);
    expect(out.rejected).toEqual(
      crafted
        .map((c) => ({ path: c.file.slice('.remembrancer/'.length), id: c.id, reason: c.reason }))
        .sort((x, y) => (x.path < y.path ? -1 : 1)),
    );
    const ours = await memoryFiles(a.s);
    for (const c of crafted) expect(ours).not.toContain(c.file);
    await covenantHolds(a);
  });

  it("a peer's config.json of a later schema version: the sync says why it cannot read it", async () => {
    const a = forkNode(alpha);
    const b = forkNode(beta);
    const good = await decide(b, 'A decision beside a newer config');
    const configFile = join(b.s.repo, '.remembrancer/config.json');
    const config = JSON.parse(readFileSync(configFile, 'utf8')) as Record<string, unknown>;
    writeFileSync(configFile, JSON.stringify({ ...config, schema: 2 }, null, 2) + '\n');
    await commitAll(b, 'a config.json from a newer version');
    await peer(a, b);
    const out = await sync(a, 'beta');
    expect(out.accepted).toEqual([good]);
    expect(out.warnings).toContain(
      `peer "beta" has no readable config.json (${NEWER}); its memories are judged as node "beta"`,
    );
    await covenantHolds(a);
  });
});
