/**
 * `export`: the memory as Markdown any git host renders (one file per ADR, an index, and
 * REMEMBRANCER.md), byte-for-byte the same on a second run; and `list deployments`.
 * The real built CLI in real git repositories.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, symlinkSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildAdr } from '../../src/memory/memory-types.js';
import { head, type RunResult, Sandbox, sandboxTracker } from '../helpers/cli.js';
import { defaultKey, signWith, writeMemory } from '../helpers/craft.js';

const track = sandboxTracker();

interface Exported {
  written: string[];
  unchanged: string[];
  commit: string | null;
}

interface Root {
  root: string;
  treeSize: number;
  latestSeal: { id: string; root: string; treeSize: number; current: boolean } | null;
}

const FILES = [
  'docs/REMEMBRANCER.md',
  'docs/adr/ADR-0001-use-postgres-for-the-ledger.md',
  'docs/adr/ADR-0002-queue-payment-events-in-kafka.md',
  'docs/adr/ADR-0003-use-an-outbox.md',
  'docs/adr/ADR-0004-drop-mongodb.md',
  'docs/adr/README.md',
];

/**
 * A strict repository with three deploy receipts (api 1.0.0 → production, api 1.1.0 →
 * staging, web 2.0.0 with no environment), ADR-0001 accepted with a note, ADR-0002
 * superseded by ADR-0003 which depends on ADR-0001, ADR-0004 rejected, and a seal.
 */
let template: Sandbox;
let fingerprint: string;
const ids: Record<string, string> = {};
beforeAll(async () => {
  template = track(new Sandbox());
  fingerprint = await template.initSigned();
  const t = template;
  const id = async (args: string[]) => (await t.json<{ id: string }>(args)).id;
  const deploy = (component: string, version: string, digit: string, ...env: string[]) =>
    id([
      'record',
      'deploy',
      '--component',
      component,
      '--version',
      version,
      '--sha256',
      digit.repeat(64),
      ...env,
    ]);
  ids['api1'] = await deploy('api', '1.0.0', 'a', '--env', 'production');
  ids['api2'] = await deploy('api', '1.1.0', 'b', '--env', 'staging');
  ids['web'] = await deploy('web', '2.0.0', 'c');
  ids['postgres'] = await id([
    'adr',
    'create',
    'Use Postgres for the ledger',
    '--context',
    'The ledger needs transactions.',
    '--decision',
    'Postgres 16.',
    '--consequences',
    'One more server to run.',
    '--option',
    'Postgres',
    '--option',
    'MongoDB',
    '--tag',
    'database',
  ]);
  await t.ok(['adr', 'status', 'ADR-0001', 'accepted', '--note', 'agreed | in review']);
  ids['kafka'] = await id([
    'adr',
    'create',
    'Queue payment events in Kafka',
    '--decision',
    'Kafka.',
  ]);
  ids['outbox'] = await id([
    'adr',
    'supersede',
    'ADR-0002',
    'Use an outbox',
    '--decision',
    'An outbox table.',
  ]);
  await t.ok(['adr', 'link', 'ADR-0003', 'ADR-0001', '--rel', 'depends-on']);
  ids['mongo'] = await id([
    'adr',
    'create',
    'Drop MongoDB',
    '--decision',
    'No.',
    '--status',
    'rejected',
  ]);
  await t.ok(['seal']);
});

const fresh = () => track(template.fork());

/** Every file under a folder of the repository with the sha256 of its bytes. */
function snapshot(s: Sandbox, dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (rel: string) => {
    for (const entry of readdirSync(join(s.repo, rel), { withFileTypes: true })) {
      const path = `${rel}/${entry.name}`;
      if (entry.isDirectory()) walk(path);
      else
        out[path] = createHash('sha256')
          .update(readFileSync(join(s.repo, path)))
          .digest('hex');
    }
  };
  if (existsSync(join(s.repo, dir))) walk(dir);
  return out;
}

/** The text under a `## heading`, up to the next `## `. */
function section(markdown: string, heading: string): string {
  const lines = markdown.split('\n');
  const start = lines.indexOf(`## ${heading}`);
  expect(start, `no "## ${heading}" in:\n${markdown}`).toBeGreaterThanOrEqual(0);
  const rest = lines.slice(start + 1);
  const end = rest.findIndex((l) => l.startsWith('## '));
  return (end < 0 ? rest : rest.slice(0, end)).join('\n');
}

/** The text under a `### heading` inside a section, up to the next `### `. */
function subsection(text: string, heading: string): string {
  const lines = text.split('\n');
  const start = lines.indexOf(`### ${heading}`);
  if (start < 0) return '';
  const rest = lines.slice(start + 1);
  const end = rest.findIndex((l) => l.startsWith('### '));
  return (end < 0 ? rest : rest.slice(0, end)).join('\n');
}

/** Markdown table rows (not the header or the rule) as arrays of trimmed cells. */
function rows(text: string): string[][] {
  return text
    .split('\n')
    .filter((l) => l.startsWith('|') && !l.startsWith('| ---'))
    .slice(1)
    .map((l) =>
      l
        .slice(1, -1)
        .split(/(?<!\\) \| /)
        .map((c) => c.trim()),
    );
}

/** Relative Markdown links of a file that point at .md files, resolved from its folder. */
function mdLinks(s: Sandbox, file: string): string[] {
  const text = s.read(file);
  return [...text.matchAll(/\]\(([^)]+\.md)\)/g)].map((m) => join(dirname(file), m[1] as string));
}

function expectUsage(result: RunResult, ...mentions: string[]): void {
  expect(result.code, `${result.stdout}\n${result.stderr}`).toBe(2);
  const errors = result.stderr.split('\n').filter((l) => l.startsWith('error:'));
  expect(errors, result.stderr).toHaveLength(1);
  expect(errors[0]).toMatch(/\(fix: .+\)$/);
  for (const m of mentions) expect(errors[0]).toContain(m);
}

describe.concurrent('export', () => {
  it('writes one file per ADR, an index and REMEMBRANCER.md, committed together', async () => {
    const s = fresh();
    const out = await s.json<Exported>(['export']);
    expect(out.written).toEqual(FILES);
    expect(out.unchanged).toEqual([]);
    expect(out.commit).toBe(await head(s));
    expect((await s.git(['log', '-1', '--format=%s'])).trim()).toBe(
      'remembrancer: export 6 file(s) to docs',
    );
    expect((await s.git(['show', '--name-only', '--format=', 'HEAD'])).trim().split('\n')).toEqual(
      FILES,
    );
    expect(await s.git(['status', '--porcelain'])).toBe('');
    // Every relative link in every file leads to a file that was written.
    for (const file of FILES)
      for (const target of mdLinks(s, file)) expect(FILES, `${file} → ${target}`).toContain(target);
  });

  it('an ADR file holds the ADR as written, its status, links and history', async () => {
    const s = fresh();
    await s.ok(['export']);
    const postgres = s.read('docs/adr/ADR-0001-use-postgres-for-the-ledger.md');
    const lines = postgres.split('\n');
    expect(lines[0]).toBe('# ADR-0001: Use Postgres for the ledger');
    expect(lines).toContain('- Status: accepted');
    expect(lines).toContain('- Tags: database');
    expect(lines).toContain(`- Memory: \`${ids['postgres']}\` (signed by ${fingerprint})`);
    expect(section(postgres, 'Context and Problem Statement').trim()).toBe(
      'The ledger needs transactions.',
    );
    expect(section(postgres, 'Considered Options').trim()).toBe('- Postgres\n- MongoDB');
    expect(section(postgres, 'Decision Outcome').trim()).toBe('Postgres 16.');
    expect(section(postgres, 'Consequences').trim()).toBe('One more server to run.');
    expect(section(postgres, 'Links').trim()).toBe(
      '- Needed by [ADR-0003](ADR-0003-use-an-outbox.md): Use an outbox',
    );
    expect(rows(section(postgres, 'History')).map((r) => r.slice(1))).toEqual([
      ['proposed', 'Test Signer', ''],
      ['accepted', 'Test Signer', 'agreed \\| in review'],
    ]);

    const kafka = s.read('docs/adr/ADR-0002-queue-payment-events-in-kafka.md').split('\n');
    expect(kafka).toContain('- Status: superseded by [ADR-0003](ADR-0003-use-an-outbox.md)');
    const outbox = s.read('docs/adr/ADR-0003-use-an-outbox.md');
    expect(section(outbox, 'Links').trim().split('\n').sort()).toEqual([
      '- Depends on [ADR-0001](ADR-0001-use-postgres-for-the-ledger.md): Use Postgres for the ledger',
      '- Supersedes [ADR-0002](ADR-0002-queue-payment-events-in-kafka.md): Queue payment events in Kafka',
    ]);
  });

  it('the index lists every ADR with its status', async () => {
    const s = fresh();
    await s.ok(['export']);
    const index = s.read('docs/adr/README.md');
    expect(index.split('\n')[0]).toBe('# Architecture decision records');
    expect(rows(index).map((r) => r.slice(0, 3))).toEqual([
      [
        '[ADR-0001](ADR-0001-use-postgres-for-the-ledger.md)',
        'Use Postgres for the ledger',
        'accepted',
      ],
      [
        '[ADR-0002](ADR-0002-queue-payment-events-in-kafka.md)',
        'Queue payment events in Kafka',
        'superseded',
      ],
      ['[ADR-0003](ADR-0003-use-an-outbox.md)', 'Use an outbox', 'accepted'],
      ['[ADR-0004](ADR-0004-drop-mongodb.md)', 'Drop MongoDB', 'rejected'],
    ]);
  });

  it('REMEMBRANCER.md: deployments by component, ADRs by status, seals and the root', async () => {
    const s = fresh();
    await s.ok(['export']);
    const root = await s.json<Root>(['root']);
    const md = s.read('docs/REMEMBRANCER.md');
    expect(md.split('\n')[0]).toBe('# Remembrancer: test-node');

    expect(section(md, 'Merkle root')).toContain(
      `Root \`${root.root}\` over ${root.treeSize} memories`,
    );
    expect(root.latestSeal?.current).toBe(true);
    expect(section(md, 'Merkle root')).toContain(
      `Latest seal \`${root.latestSeal?.id.slice(0, 12)}\``,
    );

    const deployments = section(md, 'Deployments by component');
    expect([...deployments.matchAll(/^### (.+)$/gm)].map((m) => m[1])).toEqual(['api', 'web']);
    const api = rows(subsection(deployments, 'api'));
    expect(api.map((r) => [r[0], r[1], r[3]]).sort()).toEqual([
      ['1.0.0', 'production', `\`${ids['api1']?.slice(0, 12)}\``],
      ['1.1.0', 'staging', `\`${ids['api2']?.slice(0, 12)}\``],
    ]);
    for (const r of api) expect(r[2]).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    expect(rows(subsection(deployments, 'web')).map((r) => [r[0], r[1]])).toEqual([['2.0.0', '']]);

    const adrs = section(md, 'ADRs by status');
    const listed = (status: string) =>
      subsection(adrs, status)
        .split('\n')
        .filter((l) => l.startsWith('- '));
    expect(listed('accepted')).toEqual([
      '- [ADR-0001](adr/ADR-0001-use-postgres-for-the-ledger.md): Use Postgres for the ledger',
      '- [ADR-0003](adr/ADR-0003-use-an-outbox.md): Use an outbox',
    ]);
    expect(listed('superseded')).toEqual([
      '- [ADR-0002](adr/ADR-0002-queue-payment-events-in-kafka.md): Queue payment events in Kafka',
    ]);
    expect(listed('rejected')).toEqual([
      '- [ADR-0004](adr/ADR-0004-drop-mongodb.md): Drop MongoDB',
    ]);
    expect(subsection(adrs, 'proposed')).toBe('');

    const seals = rows(section(md, 'Seals'));
    expect(seals).toEqual([
      [
        `\`${root.latestSeal?.id.slice(0, 12)}\``,
        'test-node',
        expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/),
        String(root.latestSeal?.treeSize),
        `\`${root.latestSeal?.root}\``,
      ],
    ]);
  });

  it('a second run changes no byte, makes no commit and says it wrote nothing', async () => {
    const s = fresh();
    await s.ok(['export']);
    const before = { head: await head(s), files: snapshot(s, 'docs'), state: await s.state() };
    const again = await s.json<Exported>(['export']);
    expect(again).toEqual({ written: [], unchanged: FILES, commit: null });
    expect(await head(s)).toBe(before.head);
    expect(snapshot(s, 'docs')).toEqual(before.files);
    expect(await s.state()).toBe(before.state);
    const human = await s.ok(['export']);
    expect(human.stdout).not.toContain('wrote');
    expect(human.stdout).toContain('6 file(s) already up to date');
  });

  it('--dir handbook writes there instead', async () => {
    const s = fresh();
    const out = await s.json<Exported>(['export', '--dir', 'handbook']);
    expect(out.written).toEqual(FILES.map((f) => f.replace(/^docs\//, 'handbook/')));
    expect(s.exists('docs')).toBe(false);
    expect(s.read('handbook/REMEMBRANCER.md')).toContain(
      '[ADR-0004](adr/ADR-0004-drop-mongodb.md)',
    );
  });

  it('refuses a folder outside the repository or inside .remembrancer/ or .git/ (exit 2)', async () => {
    const s = fresh();
    const before = await s.state();
    expectUsage(await s.run(['export', '--dir', '../outside']), '../outside');
    expectUsage(await s.run(['export', '--dir', '.remembrancer']), '.remembrancer');
    expectUsage(await s.run(['export', '--dir', '.remembrancer/docs']), '.remembrancer');
    expectUsage(await s.run(['export', '--dir', '.git']), '.git');
    expectUsage(await s.run(['export', '--dir', join(s.dir, 'elsewhere')]), 'elsewhere');
    expect(await s.state()).toBe(before);
    expect(existsSync(join(s.dir, 'outside'))).toBe(false);
    expect(existsSync(join(s.dir, 'elsewhere'))).toBe(false);
  });

  it('refuses a folder that is a symlink leading out of the repository (exit 2)', async () => {
    const s = fresh();
    const outside = join(s.dir, 'outside');
    mkdirSync(outside);
    symlinkSync(outside, join(s.repo, 'handbook'));
    await s.git(['add', 'handbook']);
    await s.git(['commit', '-q', '-m', 'a link to somewhere else']);
    const before = await s.state();
    const result = await s.run(['export', '--dir', 'handbook']);
    expect(readdirSync(outside)).toEqual([]);
    expect(await s.state()).toBe(before);
    expectUsage(result, 'handbook');
  });

  it('after a status change only the ADR, the index and REMEMBRANCER.md change', async () => {
    const s = fresh();
    await s.ok(['export']);
    const before = snapshot(s, 'docs');
    await s.ok(['adr', 'status', 'ADR-0004', 'proposed', '--note', 'reconsidered']);
    const out = await s.json<Exported>(['export']);
    expect(out.written).toEqual([
      'docs/REMEMBRANCER.md',
      'docs/adr/ADR-0004-drop-mongodb.md',
      'docs/adr/README.md',
    ]);
    expect(out.commit).toBe(await head(s));
    const after = snapshot(s, 'docs');
    for (const file of Object.keys(before)) {
      if (out.written.includes(file)) expect(after[file]).not.toBe(before[file]);
      else expect(after[file]).toBe(before[file]);
    }
    expect(s.read('docs/adr/ADR-0004-drop-mongodb.md').split('\n')).toContain('- Status: proposed');
    const md = s.read('docs/REMEMBRANCER.md');
    expect(subsection(section(md, 'ADRs by status'), 'proposed')).toContain('ADR-0004');
    expect(section(md, 'Merkle root')).toContain('older than the memories above');
  });

  it("another node's ADR and a second ADR-0002 get files of their own, and nothing stale stays", async () => {
    const s = fresh();
    await s.ok(['export']);
    const key = defaultKey(s, fingerprint);
    const author = { name: key.name, email: key.email, key: key.fingerprint };
    const long = new Date(Date.now() - 24 * 3_600_000);
    // A colleague's branch wrote its own ADR-0002 a day earlier, and a peer node one ADR.
    for (const signed of [
      buildAdr(
        { node: 'test-node', author, created: long },
        { number: 2, title: 'Use SQS', status: 'proposed', tags: [], decision: 'SQS.' },
      ),
      buildAdr(
        { node: 'platform', author, created: long },
        { number: 1, title: 'Run on Kubernetes', status: 'accepted', tags: [], decision: 'EKS.' },
      ),
    ])
      writeMemory(s, { signed, signatures: [await signWith(signed, key)] });
    await s.git(['add', '.remembrancer']);
    await s.git(['commit', '-q', '-m', 'merge a branch and a peer']);

    const handles = (await s.json<{ handle: string; title: string }[]>(['adr', 'list'])).map(
      (a) => [a.handle, a.title],
    );
    const kafkaHandle = `ADR-0002~${ids['kafka']?.slice(0, 6)}`;
    expect(handles).toEqual([
      ['ADR-0001', 'Use Postgres for the ledger'],
      ['ADR-0002', 'Use SQS'],
      [kafkaHandle, 'Queue payment events in Kafka'],
      ['ADR-0003', 'Use an outbox'],
      ['ADR-0004', 'Drop MongoDB'],
      ['platform/ADR-0001', 'Run on Kubernetes'],
    ]);

    const out = await s.json<Exported>(['export']);
    const kafkaFile = `docs/adr/ADR-0002-${ids['kafka']?.slice(0, 6)}-queue-payment-events-in-kafka.md`;
    expect(out.written).toEqual(
      expect.arrayContaining([
        'docs/adr/ADR-0002-use-sqs.md',
        kafkaFile,
        'docs/adr/platform-ADR-0001-run-on-kubernetes.md',
      ]),
    );
    expect(s.read(kafkaFile).split('\n')[0]).toBe(
      `# ${kafkaHandle}: Queue payment events in Kafka`,
    );
    expect(s.read('docs/adr/platform-ADR-0001-run-on-kubernetes.md').split('\n')[0]).toBe(
      '# platform/ADR-0001: Run on Kubernetes',
    );
    // docs/adr/ holds one file per ADR and the index: no file from the first export that
    // now describes an ADR under a handle it no longer has.
    const exported = [...out.written, ...out.unchanged].filter((f) => f.startsWith('docs/adr/'));
    expect(
      readdirSync(join(s.repo, 'docs/adr'))
        .map((f) => `docs/adr/${f}`)
        .sort(),
    ).toEqual(exported.sort());
  });
});

describe.concurrent('list deployments', () => {
  it('shows component, version, environment and when, in JSON and as rows', async () => {
    const items = await template.json<
      {
        id: string;
        type: string;
        created: string;
        deploy: { component: string; version: string; environment: string | null };
      }[]
    >(['list', 'deployments']);
    expect(items.every((i) => i.type === 'deploy')).toBe(true);
    expect(
      items.map((i) => [i.id, i.deploy]).sort((a, b) => String(a[0]).localeCompare(String(b[0]))),
    ).toEqual(
      [
        [ids['api1'], { component: 'api', version: '1.0.0', environment: 'production' }],
        [ids['api2'], { component: 'api', version: '1.1.0', environment: 'staging' }],
        [ids['web'], { component: 'web', version: '2.0.0', environment: null }],
      ].sort((a, b) => String(a[0]).localeCompare(String(b[0]))),
    );
    // Newest first.
    const created = items.map((i) => i.created);
    expect([...created].sort().reverse()).toEqual(created);

    // Piped, the table is tab-separated rows: component, version, environment, when, id.
    const table = await template.ok(['list', 'deployments']);
    const lines = table.stdout
      .trim()
      .split('\n')
      .map((l) => l.split('\t'));
    expect(lines.map((r) => r.slice(0, 3)).sort()).toEqual([
      ['api', '1.0.0', 'production'],
      ['api', '1.1.0', 'staging'],
      ['web', '2.0.0', '-'],
    ]);
    for (const r of lines) {
      expect(r[3]).toMatch(/^\d{4}-\d\d-\d\d \d\d:\d\d$/);
      expect(r[4]).toMatch(/^[0-9a-f]{12}$/);
    }
  });
});
