/**
 * `query` and `timeline` over a repository of 1,000 signed memories, through the built CLI:
 * ranking, filters, snippets, JSON shapes, date phrases, and a search index that always
 * answers for the memories on disk: after a record, a checkout of an older commit, a
 * return to the branch, a pull from another clone and a deleted file, without a rebuild.
 */
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serializeEnvelope } from '../../src/memory/envelope.js';
import { buildDecision, buildDeploy, type Origin } from '../../src/memory/memory-types.js';
import { signMemory } from '../../src/record/record.js';
import { ENGINE } from '../../src/search/engine.js';
import { IndexFile } from '../../src/search/index-file.js';
import { resolveSigner, type Signer } from '../../src/crypto/signer.js';
import { Sandbox, type RunResult } from '../helpers/cli.js';

interface Hit {
  id: string;
  type: string;
  created: string;
  node: string;
  author: { name: string; email: string; key?: string };
  title: string;
  snippet: string;
  score: number;
  terms: string[];
}

interface Day {
  day: string;
  memories: { id: string; type: string; created: string; title: string }[];
}

const COUNT = 1000;
const AUTHORS = ['Ada Lovelace', 'Grace Hopper', 'Alan Turing', 'Barbara Liskov'];
const COMPONENTS = ['api', 'web', 'worker', 'billing', 'search'];
const WORDS = (
  'cache queue schema index replica shard latency budget rollout canary migration ' +
  'retention backup failover quota throttle tracing logging metrics alerting runbook ' +
  'tenant region cluster gateway proxy certificate rotation secret vault pipeline ' +
  'artifact registry compiler linter formatter dependency upgrade deprecation'
).split(' ');

/** A small deterministic random source, so the fixture is the same on every run. */
function random(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const sandboxes: Sandbox[] = [];
let base: Sandbox;
let signer: Signer;

function said(r: RunResult): string {
  return `exit ${r.code}\nstdout:\n${r.stdout}\nstderr:\n${r.stderr}`;
}

async function query(s: Sandbox, ...args: string[]): Promise<Hit[]> {
  return s.json<Hit[]>(['query', ...args]);
}

function header(s: Sandbox) {
  const file = IndexFile.open(join(s.repo, '.git', 'remembrancer', 'search-v2.idx'), ENGINE);
  if (!file) throw new Error('no search index');
  const h = file.header;
  const kafkaBucket = Buffer.from(file.section('p:k'));
  file.close();
  return { ...h, kafkaBucket };
}

/** The 1,000 memories: decisions and deploys by four authors over five weeks of 2025. */
async function fill(s: Sandbox): Promise<void> {
  const next = random(42);
  const pick = <T>(list: T[]): T => list[Math.floor(next() * list.length)] as T;
  const origin = (i: number): Origin => ({
    node: 'test-node',
    author: {
      name: AUTHORS[i % AUTHORS.length] as string,
      email: 'team@example.com',
      key: signer.fingerprint,
    },
    created: new Date(Date.UTC(2025, 0, 1) + i * 50 * 60_000),
  });
  const signed = [];
  for (let i = 0; i < COUNT - 4; i++) {
    const words = Array.from({ length: 8 }, () => pick(WORDS));
    if (i % 3 === 0) {
      signed.push(
        buildDeploy(
          origin(i),
          {
            component: COMPONENTS[i % COMPONENTS.length] as string,
            version: `2.${i}.0`,
            environment: i % 2 ? 'production' : 'staging',
            note: `${words.slice(0, 4).join(' ')}${i === 300 ? ' after kafka consumer lag' : ''}`,
          },
          `${i.toString(16).padStart(64, '0')}`,
        ),
      );
    } else {
      const tags = [pick(WORDS), i === 301 ? 'kafka' : pick(WORDS)];
      const second = i === 302 ? ' We looked at kafka too.' : '';
      signed.push(
        buildDecision(
          origin(i),
          `Prefer ${words.slice(0, 3).join(' ')} for the ${words[3]} ${words[4]}\n\n${words.join(' ')}.${second}`,
          tags,
        ),
      );
    }
  }
  // The one memory that names Kafka in its title.
  signed.push(
    buildDecision(origin(COUNT - 4), 'Adopt Kafka for the event bus', ['messaging']),
    buildDecision(origin(COUNT - 3), 'Keep the billing ledger in Postgres', ['database']),
    buildDecision(
      origin(COUNT - 2),
      'Retire the legacy cron host\n\nThe zeppelin scheduler replaces it.',
      [],
    ),
    buildDeploy(
      origin(COUNT - 1),
      { component: 'billing', version: '9.9.9', environment: 'production', note: 'hotfix' },
      'f'.repeat(64),
    ),
  );
  for (const item of signed) {
    const memory = await signMemory(item, signer);
    const path = join(s.repo, '.remembrancer', memory.path);
    mkdirSync(join(path, '..'), { recursive: true });
    writeFileSync(path, serializeEnvelope(memory.envelope));
  }
  await s.git(['add', '-A']);
  await s.git(['commit', '-qm', `${COUNT} memories`]);
}

beforeAll(async () => {
  base = new Sandbox();
  sandboxes.push(base);
  await base.initSigned();
  signer = (await resolveSigner({ env: base.env })) as Signer;
  await fill(base);
});

afterAll(() => {
  for (const s of sandboxes) s.cleanup();
});

function fork(): Sandbox {
  const s = base.fork();
  sandboxes.push(s);
  return s;
}

describe('query', () => {
  it('ranks the memory that names the words in its title first', async () => {
    const hits = await query(base, 'kafka');
    expect(hits[0]?.title).toBe('Adopt Kafka for the event bus');
    // Also found where Kafka is only in the body, a tag or a deploy's note.
    expect(hits.length).toBe(4);
    expect(hits.every((h) => h.terms.includes('kafka'))).toBe(true);
    const postgres = await query(base, 'billing', 'ledger', 'postgres');
    expect(postgres[0]?.title).toBe('Keep the billing ledger in Postgres');
  });

  it('matches prefixes and typos', async () => {
    expect((await query(base, 'kaf'))[0]?.title).toBe('Adopt Kafka for the event bus');
    expect((await query(base, 'zepelin'))[0]?.terms).toEqual(['zeppelin']);
    expect((await query(base, 'kafkq'))[0]?.title).toBe('Adopt Kafka for the event bus');
    // Versions and names with joiners are words of their own, found by their parts too.
    expect((await query(base, '2.300.0'))[0]?.title).toBe('api 2.300.0 → staging');
    expect((await query(base, '300'))[0]?.title).toBe('api 2.300.0 → staging');
  });

  it('prints a snippet around the match, and the JSON shape of docs/json.md', async () => {
    const [hit] = await query(base, 'zeppelin');
    expect(Object.keys(hit as Hit).sort()).toEqual(
      ['author', 'created', 'id', 'node', 'score', 'snippet', 'terms', 'title', 'type'].sort(),
    );
    expect(hit).toMatchObject({
      type: 'decision',
      node: 'test-node',
      title: 'Retire the legacy cron host',
      terms: ['zeppelin'],
      author: { name: expect.any(String), email: 'team@example.com', key: signer.fingerprint },
    });
    expect(hit?.id).toMatch(/^[0-9a-f]{64}$/);
    expect(hit?.snippet).toContain('The zeppelin scheduler replaces it.');
    expect(hit?.score).toBeGreaterThan(0);
    const text = await base.ok(['query', 'zeppelin']);
    const columns = text.stdout.trim().split('\t');
    expect(columns.slice(0, 3)).toEqual(['1', (hit as Hit).id.slice(0, 12), 'decision']);
    expect(columns.at(-1)).toContain('zeppelin');
  });

  it('filters by type, author, component, dates and limit', async () => {
    const deploys = await query(base, 'production', '--type', 'deployments', '--limit', '500');
    expect(deploys.length).toBeGreaterThan(50);
    expect(deploys.every((h) => h.type === 'deploy')).toBe(true);
    const byAda = await query(base, 'rollout', '--author', 'LOVE', '--limit', '500');
    expect(byAda.length).toBeGreaterThan(0);
    expect(byAda.every((h) => h.author.name === 'Ada Lovelace')).toBe(true);
    const billing = await query(base, 'production', '--component', 'billing', '--limit', '500');
    expect(billing.length).toBeGreaterThan(0);
    expect(billing.every((h) => h.title.startsWith('billing '))).toBe(true);
    expect(await query(base, 'production', '--component', 'bill')).toEqual([]);
    const january = await query(
      base,
      'cache',
      '--since',
      '2025-01-10',
      '--until',
      '2025-01-12',
      '--limit',
      '500',
    );
    expect(january.length).toBeGreaterThan(0);
    expect(
      january.every(
        (h) => h.created >= '2025-01-10T00:00:00Z' && h.created <= '2025-01-12T23:59:59Z',
      ),
    ).toBe(true);
    expect(await query(base, 'cache', '--limit', '5')).toHaveLength(5);
  });

  it('refuses bad dates, types and limits with exit 2 and a fix', async () => {
    for (const args of [
      ['kafka', '--since', 'next blursday'],
      ['kafka', '--until', '2025-02-30'],
      ['kafka', '--since', '2025-03-01', '--until', '2025-02-01'],
      ['kafka', '--type', 'memos'],
      ['kafka', '--limit', '0'],
    ]) {
      const r = await base.run(['query', ...args]);
      expect(r.code, said(r)).toBe(2);
      expect(r.stdout).toBe('');
      expect(r.stderr).toMatch(/error: .*\(fix: /);
    }
    const r = await base.run(['timeline', '--since', 'soonish']);
    expect(r.code, said(r)).toBe(2);
    expect(r.stderr).toContain('--since "soonish"');
  });
});

describe('timeline', () => {
  it('groups memories by UTC day, newest first, within --since and --until', async () => {
    const days = await base.json<Day[]>([
      'timeline',
      '--since',
      '2025-01-03',
      '--until',
      '2025-01-05',
    ]);
    expect(days.map((d) => d.day)).toEqual(['2025-01-05', '2025-01-04', '2025-01-03']);
    for (const day of days) {
      expect(day.memories.length).toBeGreaterThan(20);
      expect(day.memories.every((m) => m.created.startsWith(day.day))).toBe(true);
      const times = day.memories.map((m) => m.created);
      expect(times).toEqual([...times].sort().reverse());
    }
    const all = await base.json<Day[]>(['timeline']);
    expect(all.flatMap((d) => d.memories)).toHaveLength(COUNT);
    const decisions = await base.json<Day[]>(['timeline', '--type', 'decisions']);
    expect(decisions.flatMap((d) => d.memories).every((m) => m.type === 'decision')).toBe(true);
    const text = await base.ok(['timeline', '--since', '2025-01-05', '--until', '2025-01-05']);
    expect(text.stdout.split('\n')[0]).toBe('2025-01-05');
    expect(text.stdout).toMatch(/^ {2}\d\d:\d\d {2}(deploy {2}|decision) {2}[0-9a-f]{12} {2}\S/m);
  });

  it('reads date phrases relative to now', async () => {
    const s = fork();
    await s.ok(['record', 'decision', 'Adopt trunk-based development']);
    const recent = await s.json<Day[]>(['timeline', '--since', '2 days ago']);
    expect(recent.flatMap((d) => d.memories).map((m) => m.title)).toEqual([
      'Adopt trunk-based development',
    ]);
    const old = await s.json<Day[]>(['timeline', '--until', '1 year ago']);
    expect(old.flatMap((d) => d.memories)).toHaveLength(COUNT);
    expect(await query(s, 'trunk', '--since', 'yesterday')).toHaveLength(1);
  });
});

describe('the search index', () => {
  it('follows the files on disk: record, checkout, return, pull, delete', async () => {
    const s = fork();
    expect(await query(s, 'quokka')).toEqual([]);
    const built = header(s);
    expect(built.live).toBe(COUNT);

    // A new record is indexed by updating the index, not by building it again.
    await s.ok(['record', 'decision', 'Quokka migration plan for the zebra cluster']);
    expect((await query(s, 'quokka')).map((h) => h.title)).toEqual([
      'Quokka migration plan for the zebra cluster',
    ]);
    const updated = header(s);
    expect(updated.live).toBe(COUNT + 1);
    expect(updated.built).toBe(built.built);
    expect(updated.updates).toBe(built.updates + 1);
    // The postings of terms the new memory does not use are the same bytes as before.
    expect(updated.kafkaBucket.equals(built.kafkaBucket)).toBe(true);

    // An older commit: the newer memory is not on disk, so it is not found.
    await s.git(['checkout', '-q', 'HEAD~1']);
    expect(await query(s, 'quokka')).toEqual([]);
    expect(header(s).live).toBe(COUNT);
    expect((await query(s, 'kafka'))[0]?.title).toBe('Adopt Kafka for the event bus');

    // Back to the branch.
    await s.git(['checkout', '-q', 'main']);
    expect(await query(s, 'quokka')).toHaveLength(1);

    // A pull bringing a memory recorded in another clone.
    const other = join(s.dir, 'other');
    await s.git(['clone', '-q', s.repo, other]);
    const r = await s.run(['record', 'decision', 'Wombat pager rotation starts Monday'], {
      cwd: other,
    });
    expect(r.code, said(r)).toBe(0);
    expect(await query(s, 'wombat')).toEqual([]);
    await s.git(['pull', '-q', '--no-rebase', other, 'main']);
    expect((await query(s, 'wombat')).map((h) => h.title)).toEqual([
      'Wombat pager rotation starts Monday',
    ]);

    // A deleted file.
    const id = (await query(s, 'wombat'))[0]?.id as string;
    rmSync(join(s.repo, '.remembrancer', 'memories', id.slice(0, 2), `${id}.json`));
    expect(await query(s, 'wombat')).toEqual([]);

    // An uncommitted memory is on disk, so it is found.
    await s.ok(['record', 'decision', 'Numbat canary for the gateway', '--no-commit']);
    expect(await query(s, 'numbat')).toHaveLength(1);
    const last = header(s);
    expect(last.live).toBe(COUNT + 2);
    expect(last.built).toBe(built.built);
  });

  it('builds a damaged index again', async () => {
    const s = fork();
    await query(s, 'kafka');
    const path = join(s.repo, '.git', 'remembrancer', 'search-v2.idx');
    writeFileSync(path, readFileSync(path).subarray(0, 100));
    expect((await query(s, 'kafka'))[0]?.title).toBe('Adopt Kafka for the event bus');
    writeFileSync(path, 'RMBSRCH1 but not really');
    expect((await query(s, 'kafka'))[0]?.title).toBe('Adopt Kafka for the event bus');
    // Damaged inside, where the header cannot show it: the dictionary of words in k.
    const bytes = readFileSync(path);
    const headerLength = bytes.readUInt32LE(8);
    const sections = (
      JSON.parse(bytes.subarray(12, 12 + headerLength).toString()) as {
        sections: Record<string, [number, number]>;
      }
    ).sections;
    const [offset, length] = sections['d:k'] as [number, number];
    const dataStart = (12 + headerLength + 7) & ~7;
    bytes.fill('#', dataStart + offset, dataStart + offset + length);
    writeFileSync(path, bytes);
    expect((await query(s, 'kafka'))[0]?.title).toBe('Adopt Kafka for the event bus');
    expect(header(s).live).toBe(COUNT);
  });
});
