/**
 * Architecture decision records as a user runs them: `adr create` (flags and $EDITOR),
 * `status`, `supersede`, `link`, `list`, `show`, handles that stay put when other nodes'
 * ADRs arrive, and the same state in every repository that holds the same memories.
 * The real built CLI in real git repositories; editors are small shell scripts.
 */
import { chmodSync, copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Signed } from '../../src/memory/envelope.js';
import {
  buildAdr,
  buildAdrLink,
  buildAdrStatus,
  type AdrBody,
  type Origin,
} from '../../src/memory/memory-types.js';
import {
  filesIn,
  head,
  memoryFiles,
  type RunResult,
  Sandbox,
  sandboxTracker,
  subject,
} from '../helpers/cli.js';
import {
  defaultKey,
  idOf,
  memoryFile,
  newKeyFiles,
  signWith,
  writeMemory,
  type KeyFiles,
} from '../helpers/craft.js';

const track = sandboxTracker();

/** The documented JSON of `adr show` and of each item of `adr list` (docs/json.md). */
interface AdrJson {
  id: string;
  handle: string;
  number: number;
  node: string;
  title: string;
  status: string;
  created: string;
  author: string;
  context: string | null;
  decision: string | null;
  consequences: string | null;
  options: string[];
  deciders: string[];
  tags: string[];
  history: { id: string; status: string; created: string; author: string; note?: string }[];
  relations: { rel: string; direction: 'in' | 'out'; handle: string; id: string; title: string }[];
  path: string;
}

interface Recorded {
  id: string;
  type: string;
  path: string;
  write: string;
  signers: string[];
  commit: string | null;
  warnings: string[];
}

/** A strict repository with a trusted default key (node `test-node`). */
let empty: Sandbox;
let fingerprint: string;
/**
 * `empty` plus: ADR-0001 "Use Postgres for the ledger" (accepted, with a note), ADR-0002
 * "Queue payment events in Kafka", ADR-0003 "Use an outbox" superseding ADR-0002, and
 * "ADR-0003 depends-on ADR-0001".
 */
let rich: Sandbox;
const ids: Record<'postgres' | 'kafka' | 'outbox' | 'statusOf1' | 'link', string> = {
  postgres: '',
  kafka: '',
  outbox: '',
  statusOf1: '',
  link: '',
};
beforeAll(async () => {
  empty = track(new Sandbox());
  fingerprint = await empty.initSigned();
  rich = track(empty.fork());
  ids.postgres = (await rich.json<Recorded>(adrArgs('Use Postgres for the ledger'))).id;
  ids.kafka = (await rich.json<Recorded>(adrArgs('Queue payment events in Kafka'))).id;
  ids.statusOf1 = (
    await rich.json<Recorded>(['adr', 'status', 'ADR-0001', 'accepted', '--note', 'agreed'])
  ).id;
  ids.outbox = (
    await rich.json<Recorded>([
      'adr',
      'supersede',
      'ADR-0002',
      'Use an outbox',
      '--decision',
      'Write events to an outbox table in the same transaction.',
    ])
  ).id;
  ids.link = (
    await rich.json<Recorded>(['adr', 'link', 'ADR-0003', 'ADR-0001', '--rel', 'depends-on'])
  ).id;
});

/** `adr create TITLE` with all three text flags. */
function adrArgs(title: string, ...extra: string[]): string[] {
  return [
    'adr',
    'create',
    title,
    '--context',
    `Why: ${title}`,
    '--decision',
    `We decided: ${title}`,
    '--consequences',
    `What follows: ${title}`,
    ...extra,
  ];
}

async function show(s: Sandbox, wanted: string): Promise<AdrJson> {
  return s.json<AdrJson>(['adr', 'show', wanted]);
}

async function list(s: Sandbox, ...args: string[]): Promise<AdrJson[]> {
  return s.json<AdrJson[]>(['adr', 'list', ...args]);
}

/** The command failed with this exit code and one `error:` line that says what to do. */
function expectError(result: RunResult, code: number, ...mentions: string[]): string {
  expect(result.code, `${result.stdout}\n${result.stderr}`).toBe(code);
  const errors = result.stderr.split('\n').filter((l) => l.startsWith('error:'));
  expect(errors, result.stderr).toHaveLength(1);
  const line = errors[0] as string;
  expect(line).toMatch(/\(fix: .+\)$/);
  for (const m of mentions) expect(line).toContain(m);
  return line;
}

/** Runs a command that must fail and change nothing a user could see in the repository. */
async function refused(s: Sandbox, args: string[], code: number, ...mentions: string[]) {
  const before = await s.state();
  const result = await s.run(args);
  const line = expectError(result, code, ...mentions);
  expect(await s.state()).toBe(before);
  return line;
}

/** A value yargs refuses (not one of the choices): exit 2, the value named, nothing changed. */
async function notAChoice(s: Sandbox, args: string[], value: string) {
  const before = await s.state();
  const result = await s.run(args);
  expect(result.code, `${result.stdout}\n${result.stderr}`).toBe(2);
  expect(result.stderr).toMatch(/^error: /);
  expect(result.stderr).toContain(`"${value}"`);
  expect(result.stderr).toContain('fix: ');
  expect(await s.state()).toBe(before);
}

/** An executable editor script outside the repository; it gets the file to edit as $1. */
function editor(s: Sandbox, name: string, script: string): string {
  const path = join(s.dir, name);
  writeFileSync(path, `#!/bin/sh\nset -e\n${script}\n`);
  chmodSync(path, 0o755);
  return path;
}

/** A crafted ADR memory of any node, signed by `key`, written into the working tree. */
async function craft(
  s: Sandbox,
  key: KeyFiles,
  signed: Signed<unknown>,
): Promise<{ id: string; file: string }> {
  return writeMemory(s, { signed, signatures: [await signWith(signed, key)] });
}

function originOf(key: KeyFiles, node: string, created: Date): Origin {
  return { node, author: { name: key.name, email: key.email, key: key.fingerprint }, created };
}

function adrBody(number: number, title: string, status: AdrBody['status'] = 'proposed'): AdrBody {
  return { number, title, status, tags: [], decision: `${title}.` };
}

async function commitAll(s: Sandbox, message: string): Promise<void> {
  await s.git(['add', '-A', '.remembrancer']);
  await s.git(['commit', '-q', '-m', message]);
}

describe.concurrent('adr create with the text flags', () => {
  it('numbers ADRs ADR-0001, ADR-0002, commits each, and prints the record JSON', async () => {
    const s = track(empty.fork());
    const first = await s.json<Recorded>([
      ...adrArgs('Use Postgres for the ledger'),
      '--tag',
      'Database',
      '--tag',
      'ledger',
      '--option',
      'Postgres',
      '--option',
      'MySQL',
      '--decider',
      'Ada Lovelace',
      '--decider',
      'Grace Hopper',
    ]);
    expect(Object.keys(first).sort()).toEqual([
      'commit',
      'handle',
      'id',
      'path',
      'signers',
      'type',
      'warnings',
      'write',
    ]);
    expect(first).toMatchObject({
      type: 'adr',
      handle: 'ADR-0001',
      write: 'created',
      signers: [fingerprint],
    });
    expect(first.path).toBe(memoryFile(first.id));
    expect(first.commit).toBe(await head(s));
    expect(await subject(s)).toBe('remembrancer: ADR-0001 Use Postgres for the ledger');
    expect(await filesIn(s)).toEqual([first.path]);

    const adr = await show(s, first.id);
    expect(adr).toMatchObject({
      id: first.id,
      handle: 'ADR-0001',
      number: 1,
      node: 'test-node',
      title: 'Use Postgres for the ledger',
      status: 'proposed',
      author: 'Test Signer',
      context: 'Why: Use Postgres for the ledger',
      decision: 'We decided: Use Postgres for the ledger',
      consequences: 'What follows: Use Postgres for the ledger',
      options: ['Postgres', 'MySQL'],
      deciders: ['Ada Lovelace', 'Grace Hopper'],
      tags: ['database', 'ledger'],
      relations: [],
      path: first.path,
    });
    expect(adr.history).toEqual([
      { id: first.id, status: 'proposed', created: adr.created, author: 'Test Signer' },
    ]);

    const second = await s.run(['adr', 'create', 'Queue payment events', '--decision', 'Kafka']);
    expect(second.code, second.stderr).toBe(0);
    expect(second.stdout).toContain('ADR-0002 Queue payment events');
    expect(await subject(s)).toBe('remembrancer: ADR-0002 Queue payment events');
    const both = await list(s);
    expect(both.map((a) => [a.handle, a.title, a.status])).toEqual([
      ['ADR-0001', 'Use Postgres for the ledger', 'proposed'],
      ['ADR-0002', 'Queue payment events', 'proposed'],
    ]);
    // Without --decider the signer decided; sections not given are null.
    expect(both[1]).toMatchObject({
      deciders: ['Test Signer'],
      context: null,
      consequences: null,
      options: [],
      tags: [],
    });
    expect(await s.git(['status', '--porcelain'])).toBe('');
  });

  it('ADRs written at the same moment each get a number of their own', async () => {
    const s = track(empty.fork());
    const titles = ['Use Postgres', 'Use Kafka', 'Use gRPC', 'Use Redis'];
    await Promise.all(titles.map((t) => s.ok(['adr', 'create', t, '--decision', t])));
    const all = await list(s);
    expect(all.map((a) => a.handle)).toEqual(['ADR-0001', 'ADR-0002', 'ADR-0003', 'ADR-0004']);
    expect(all.map((a) => a.title).sort()).toEqual([...titles].sort());
    const log = (await s.git(['log', '-4', '--format=%s'])).trim().split('\n');
    expect(log.sort()).toEqual(all.map((a) => `remembrancer: ${a.handle} ${a.title}`).sort());
    expect(await s.git(['status', '--porcelain'])).toBe('');
  });

  it('--status sets the first status; --no-commit stages the ADR only', async () => {
    const s = track(empty.fork());
    const before = await head(s);
    const out = await s.json<Recorded>([
      ...adrArgs('Drop MongoDB'),
      '--status',
      'accepted',
      '--no-commit',
    ]);
    expect(out.commit).toBeNull();
    expect(await head(s)).toBe(before);
    expect(await s.git(['diff', '--cached', '--name-only'])).toBe(`${out.path}\n`);
    expect(await show(s, 'ADR-0001')).toMatchObject({ status: 'accepted', title: 'Drop MongoDB' });
  });

  it('refuses a status that is not one of the four (exit 2), writing nothing', async () => {
    const s = track(empty.fork());
    await notAChoice(s, [...adrArgs('Use Postgres'), '--status', 'superseded'], 'superseded');
    await notAChoice(s, [...adrArgs('Use Postgres'), '--status', 'maybe'], 'maybe');
  });

  it('refuses to guess: no text, no terminal and no --edit is exit 2, writing nothing', async () => {
    const s = track(empty.fork());
    await refused(s, ['adr', 'create', 'Use Postgres'], 2, '--edit');
  });

  it('refuses an empty title (exit 2)', async () => {
    const s = track(empty.fork());
    await refused(s, ['adr', 'create', '   ', '--decision', 'x'], 2, 'title');
  });
});

describe.concurrent('adr create in $EDITOR', () => {
  const filled = `# Deliver payment events through an outbox

Status: accepted
Deciders: Ada Lovelace, Grace Hopper
Tags: Payments, messaging

## Context and Problem Statement

Payments must reach the ledger exactly once.

## Considered Options

- Kafka
- RabbitMQ
- A Postgres outbox

## Decision Outcome

A Postgres outbox, because we already run Postgres.

## Consequences

One server less; a relay polls the outbox.
`;

  it('opens the MADR template, reads the filled-in file back and records it', async () => {
    const s = track(empty.fork());
    writeFileSync(join(s.dir, 'filled.md'), filled);
    const script = editor(
      s,
      'fill.sh',
      `cp "$1" "${join(s.dir, 'seen.md')}"\ncp "${join(s.dir, 'filled.md')}" "$1"`,
    );
    const out = await s.json<Recorded>(['adr', 'create', 'Queue payment events', '--edit'], {
      env: { EDITOR: script },
    });
    expect(out.type).toBe('adr');
    expect(out.commit).toBe(await head(s));
    expect(await subject(s)).toBe(
      'remembrancer: ADR-0001 Deliver payment events through an outbox',
    );

    // What the editor was given: the title, the defaults, and the MADR sections.
    const seen = readFileSync(join(s.dir, 'seen.md'), 'utf8').split('\n');
    expect(seen[0]).toBe('# Queue payment events');
    for (const line of [
      'Status: proposed',
      'Deciders: Test Signer',
      '## Context and Problem Statement',
      '## Considered Options',
      '## Decision Outcome',
      '## Consequences',
    ])
      expect(seen).toContain(line);

    expect(await show(s, 'ADR-0001')).toMatchObject({
      id: out.id,
      title: 'Deliver payment events through an outbox',
      status: 'accepted',
      deciders: ['Ada Lovelace', 'Grace Hopper'],
      tags: ['messaging', 'payments'],
      context: 'Payments must reach the ledger exactly once.',
      options: ['Kafka', 'RabbitMQ', 'A Postgres outbox'],
      decision: 'A Postgres outbox, because we already run Postgres.',
      consequences: 'One server less; a relay polls the outbox.',
    });
  });

  it('records what the user wrote: paragraphs and sub-headings survive', async () => {
    const s = track(empty.fork());
    const text = filled
      .replace(
        'Payments must reach the ledger exactly once.',
        'Payments must reach the ledger exactly once.\n\nRetries happen at every hop.',
      )
      .replace(
        'One server less; a relay polls the outbox.',
        '### Good\n\nOne server less.\n\n### Bad\n\nA relay polls the outbox.',
      );
    writeFileSync(join(s.dir, 'filled.md'), text);
    const script = editor(s, 'fill.sh', `cp "${join(s.dir, 'filled.md')}" "$1"`);
    await s.ok(['adr', 'create', 'Queue payment events', '--edit'], { env: { EDITOR: script } });
    const adr = await show(s, 'ADR-0001');
    expect(adr.context).toBe(
      'Payments must reach the ledger exactly once.\n\nRetries happen at every hop.',
    );
    expect(adr.consequences).toContain('One server less.');
    expect(adr.consequences).toContain('A relay polls the outbox.');
  });

  it('--edit with text flags takes the flags and opens no editor', async () => {
    const s = track(empty.fork());
    const script = editor(s, 'fail.sh', 'exit 7');
    await s.ok([...adrArgs('Use Postgres'), '--edit'], { env: { EDITOR: script } });
    expect((await show(s, '1')).decision).toBe('We decided: Use Postgres');
  });

  it('an editor that leaves the template unchanged aborts: exit 1, nothing written', async () => {
    const s = track(empty.fork());
    const script = editor(s, 'noop.sh', ': "$1"');
    const before = await s.state();
    const result = await s.run(['adr', 'create', 'Use Postgres', '--edit'], {
      env: { EDITOR: script },
    });
    expectError(result, 1, 'unchanged', 'nothing was written');
    expect(await s.state()).toBe(before);
  });

  it('an editor that empties the sections aborts: exit 1, nothing written', async () => {
    const s = track(empty.fork());
    // Deletes the hints, leaving every section empty; the title is changed.
    const script = editor(
      s,
      'empty.sh',
      `sed -e '/<!--/d' -e 's/^# .*/# A better title/' "$1" > "$1.new"\nmv "$1.new" "$1"`,
    );
    const before = await s.state();
    const result = await s.run(['adr', 'create', 'Use Postgres', '--edit'], {
      env: { EDITOR: script },
    });
    expectError(result, 1, 'empty', 'nothing was written');
    expect(await s.state()).toBe(before);
  });

  it('an editor that truncates the file aborts: exit 1, nothing written', async () => {
    const s = track(empty.fork());
    const script = editor(s, 'truncate.sh', ': > "$1"');
    const before = await s.state();
    const result = await s.run(['adr', 'create', 'Use Postgres', '--edit'], {
      env: { EDITOR: script },
    });
    expectError(result, 1, 'empty');
    expect(await s.state()).toBe(before);
  });

  it('an editor that exits non-zero aborts: exit 1, nothing written', async () => {
    const s = track(empty.fork());
    // It even wrote a full ADR before failing: a failed editor is never trusted.
    writeFileSync(join(s.dir, 'filled.md'), filled);
    const script = editor(s, 'fail.sh', `cp "${join(s.dir, 'filled.md')}" "$1"\nexit 3`);
    const before = await s.state();
    const result = await s.run(['adr', 'create', 'Use Postgres', '--edit'], {
      env: { EDITOR: script },
    });
    expectError(result, 1, 'editor', 'nothing was written');
    expect(await s.state()).toBe(before);
  });

  it('a status in the template that is not one of the four is exit 2, nothing written', async () => {
    const s = track(empty.fork());
    writeFileSync(join(s.dir, 'filled.md'), filled.replace('Status: accepted', 'Status: done'));
    const script = editor(s, 'fill.sh', `cp "${join(s.dir, 'filled.md')}" "$1"`);
    const before = await s.state();
    const result = await s.run(['adr', 'create', 'Use Postgres', '--edit'], {
      env: { EDITOR: script },
    });
    expectError(result, 2, 'done');
    expect(await s.state()).toBe(before);
  });
});

describe.concurrent('adr status', () => {
  it('records a new status with a note, committed, shown last in the history', async () => {
    const s = track(empty.fork());
    const adr = await s.json<Recorded>(adrArgs('Use Postgres for the ledger'));
    const out = await s.json<Recorded>([
      'adr',
      'status',
      'ADR-0001',
      'accepted',
      '--note',
      'agreed in the architecture review',
    ]);
    expect(out).toMatchObject({ type: 'adr-status', write: 'created', signers: [fingerprint] });
    expect(out.commit).toBe(await head(s));
    expect(await subject(s)).toBe('remembrancer: ADR-0001 accepted');
    const shown = await show(s, 'ADR-0001');
    expect(shown.status).toBe('accepted');
    expect(shown.history.map((h) => [h.id, h.status, h.note])).toEqual([
      [adr.id, 'proposed', undefined],
      [out.id, 'accepted', 'agreed in the architecture review'],
    ]);
    const human = await s.ok(['adr', 'show', 'ADR-0001']);
    expect(human.stdout).toContain('agreed in the architecture review');
  });

  it('refuses a status that is not one of the four (exit 2) and an unknown ADR (exit 1)', async () => {
    const s = track(rich.fork());
    await notAChoice(s, ['adr', 'status', 'ADR-0001', 'superseded'], 'superseded');
    await refused(s, ['adr', 'status', 'ADR-0042', 'accepted'], 1, 'ADR-0042');
  });
});

describe.concurrent('adr supersede', () => {
  it('makes the old ADR superseded and the new one accepted, linked both ways', async () => {
    const [old, replacement] = await Promise.all([show(rich, 'ADR-0002'), show(rich, 'ADR-0003')]);
    expect(old).toMatchObject({ id: ids.kafka, status: 'superseded' });
    expect(replacement).toMatchObject({
      id: ids.outbox,
      status: 'accepted',
      title: 'Use an outbox',
      decision: 'Write events to an outbox table in the same transaction.',
    });
    expect(old.relations).toEqual([
      {
        rel: 'superseded-by',
        direction: 'in',
        handle: 'ADR-0003',
        id: ids.outbox,
        title: 'Use an outbox',
      },
    ]);
    expect(replacement.relations).toContainEqual({
      rel: 'supersedes',
      direction: 'out',
      handle: 'ADR-0002',
      id: ids.kafka,
      title: 'Queue payment events in Kafka',
    });
    expect(await subject(rich, 'HEAD~1')).toBe('remembrancer: ADR-0003 Use an outbox');
  });

  it('says what it superseded, and --status overrides the accepted default', async () => {
    const s = track(rich.fork());
    const out = await s.ok([
      'adr',
      'supersede',
      'ADR-0001',
      'Use CockroachDB for the ledger',
      '--decision',
      'CockroachDB 24',
      '--status',
      'proposed',
    ]);
    expect(out.stdout).toContain('supersedes ADR-0001');
    expect(await show(s, 'ADR-0004')).toMatchObject({
      status: 'proposed',
      title: 'Use CockroachDB for the ledger',
    });
  });

  it('a superseded ADR takes no new status and cannot be superseded again (exit 2)', async () => {
    const s = track(rich.fork());
    await refused(s, ['adr', 'status', 'ADR-0002', 'accepted'], 2, 'ADR-0002', 'superseded');
    await refused(
      s,
      ['adr', 'supersede', 'ADR-0002', 'Another queue', '--decision', 'SQS'],
      2,
      'ADR-0002',
      'superseded',
    );
  });

  it('never reuses a number: the next ADR after a supersession is the next number', async () => {
    const s = track(rich.fork());
    await s.ok(['adr', 'create', 'Rejected idea', '--decision', 'no', '--status', 'rejected']);
    await s.ok(['adr', 'create', 'Use gRPC between services', '--decision', 'gRPC']);
    expect((await list(s)).map((a) => [a.handle, a.status])).toEqual([
      ['ADR-0001', 'accepted'],
      ['ADR-0002', 'superseded'],
      ['ADR-0003', 'accepted'],
      ['ADR-0004', 'rejected'],
      ['ADR-0005', 'proposed'],
    ]);
  });
});

describe.concurrent('adr link', () => {
  it('shows the relation on both ADRs, outgoing and incoming', async () => {
    const [outbox, postgres] = await Promise.all([show(rich, 'ADR-0003'), show(rich, 'ADR-0001')]);
    expect(outbox.relations).toContainEqual({
      rel: 'depends-on',
      direction: 'out',
      handle: 'ADR-0001',
      id: ids.postgres,
      title: 'Use Postgres for the ledger',
    });
    expect(postgres.relations).toEqual([
      {
        rel: 'depends-on',
        direction: 'in',
        handle: 'ADR-0003',
        id: ids.outbox,
        title: 'Use an outbox',
      },
    ]);
    expect(await subject(rich)).toBe('remembrancer: ADR-0003 depends-on ADR-0001');
    const human = await rich.ok(['adr', 'show', 'ADR-0001']);
    expect(human.stdout).toContain('Needed by ADR-0003: Use an outbox');
  });

  it('amends and relates-to, by id prefix too, with a note', async () => {
    const s = track(rich.fork());
    const out = await s.json<Recorded>([
      'adr',
      'link',
      ids.kafka.slice(0, 10),
      'ADR-0001',
      '--rel',
      'amends',
      '--note',
      'the queue lives in the ledger database',
    ]);
    expect(out.type).toBe('adr-link');
    expect(await subject(s)).toBe('remembrancer: ADR-0002 amends ADR-0001');
    await s.ok(['adr', 'link', '1', '3', '--rel', 'relates-to']);
    const postgres = await show(s, 'ADR-0001');
    expect(postgres.relations.map((r) => [r.rel, r.direction, r.handle])).toEqual(
      expect.arrayContaining([
        ['depends-on', 'in', 'ADR-0003'],
        ['amends', 'in', 'ADR-0002'],
        ['relates-to', 'out', 'ADR-0003'],
      ]),
    );
    expect(postgres.relations).toHaveLength(3);
    expect((await show(s, 'ADR-0002')).relations.map((r) => [r.rel, r.direction])).toEqual(
      expect.arrayContaining([
        ['amends', 'out'],
        ['superseded-by', 'in'],
      ]),
    );
  });

  it('refuses a link to itself or an unknown relation (exit 2) and an unknown ADR (exit 1)', async () => {
    const s = track(rich.fork());
    await refused(s, ['adr', 'link', 'ADR-0001', '1', '--rel', 'amends'], 2, 'itself');
    await notAChoice(s, ['adr', 'link', 'ADR-0001', 'ADR-0003', '--rel', 'replaces'], 'replaces');
    await refused(s, ['adr', 'link', 'ADR-0001', 'ADR-0009', '--rel', 'amends'], 1, 'ADR-0009');
  });
});

describe.concurrent('adr list and adr show', () => {
  it('lists every ADR with its current status, and only one status with --status', async () => {
    const all = await list(rich);
    expect(all.map((a) => [a.handle, a.status, a.title])).toEqual([
      ['ADR-0001', 'accepted', 'Use Postgres for the ledger'],
      ['ADR-0002', 'superseded', 'Queue payment events in Kafka'],
      ['ADR-0003', 'accepted', 'Use an outbox'],
    ]);
    expect((await list(rich, '--status', 'accepted')).map((a) => a.handle)).toEqual([
      'ADR-0001',
      'ADR-0003',
    ]);
    expect((await list(rich, '--status', 'superseded')).map((a) => a.handle)).toEqual(['ADR-0002']);
    expect(await list(rich, '--status', 'rejected')).toEqual([]);
    // Piped, the table is tab-separated rows: handle, status, date, title.
    const table = await rich.ok(['adr', 'list']);
    const rows = table.stdout
      .trim()
      .split('\n')
      .map((l) => l.split('\t'));
    expect(rows.map((r) => [r[0], r[1], r[3]])).toEqual([
      ['ADR-0001', 'accepted', 'Use Postgres for the ledger'],
      ['ADR-0002', 'superseded', 'Queue payment events in Kafka'],
      ['ADR-0003', 'accepted', 'Use an outbox'],
    ]);
    for (const r of rows) expect(r[2]).toMatch(/^\d{4}-\d\d-\d\d$/);
    const none = await rich.ok(['adr', 'list', '--status', 'rejected']);
    expect(none.stdout).toContain('no rejected ADRs');
    expectError(await rich.run(['adr', 'list', '--status', 'done']), 2, 'done');
  });

  it('finds an ADR by ADR-0002, 2, adr-2 and an id prefix', async () => {
    const found = await Promise.all(
      ['ADR-0002', '2', 'adr-2', ids.kafka.slice(0, 8)].map((w) => show(rich, w)),
    );
    for (const adr of found) expect(adr.id).toBe(ids.kafka);
    const human = await rich.ok(['adr', 'show', 'adr-0002']);
    expect(human.stdout.split('\n')[0]).toBe('ADR-0002: Queue payment events in Kafka');
    expect(human.stdout).toContain('Superseded by ADR-0003: Use an outbox');
    expect(human.stdout).toContain(`id ${ids.kafka}`);
  });

  it('an unknown ADR is exit 1: a handle, a number, the id of a status memory', async () => {
    for (const wanted of ['ADR-0007', '7', ids.statusOf1.slice(0, 12)])
      expectError(await rich.run(['adr', 'show', wanted]), 1, wanted);
  });

  it('an id prefix two ADRs share is exit 2, naming both', async () => {
    const s = track(rich.fork());
    const key = defaultKey(s, fingerprint);
    // Two ADRs whose ids share four hex digits, found by trying titles.
    const created = new Date(Date.now() - 60_000);
    const seen = new Map<string, Signed<AdrBody>>();
    let pair: [Signed<AdrBody>, Signed<AdrBody>] | undefined;
    for (let n = 10; !pair; n++) {
      const signed = buildAdr(originOf(key, 'test-node', created), adrBody(n, `Spike ${n}`));
      const prefix = idOf(signed).slice(0, 4);
      const other = seen.get(prefix);
      if (other) pair = [other, signed];
      else if (!Object.values(ids).some((id) => id.startsWith(prefix))) seen.set(prefix, signed);
    }
    for (const signed of pair) await craft(s, key, signed);
    await commitAll(s, 'two spikes');
    const prefix = idOf(pair[0]).slice(0, 4);
    const line = expectError(await s.run(['adr', 'show', prefix]), 2, prefix);
    for (const signed of pair)
      expect(line).toContain(`ADR-${String(signed.body.number).padStart(4, '0')}`);
    // The full id still finds each.
    expect((await show(s, idOf(pair[1]))).title).toBe(pair[1].body.title);
  });

  it('list adrs shows handle, status and title of each ADR', async () => {
    const items = await rich.json<{ id: string; type: string; adr: unknown }[]>(['list', 'adrs']);
    expect(items.every((i) => i.type === 'adr')).toBe(true);
    expect(
      items.map((i) => i.adr).sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b))),
    ).toEqual([
      { handle: 'ADR-0001', status: 'accepted', title: 'Use Postgres for the ledger' },
      { handle: 'ADR-0002', status: 'superseded', title: 'Queue payment events in Kafka' },
      { handle: 'ADR-0003', status: 'accepted', title: 'Use an outbox' },
    ]);
    // Piped, the table is tab-separated rows: handle, status, date, title (newest first).
    const table = await rich.ok(['list', 'adrs']);
    const rows = table.stdout
      .trim()
      .split('\n')
      .map((l) => l.split('\t'));
    expect(rows.map((r) => [r[0], r[1], r[3]]).sort()).toEqual([
      ['ADR-0001', 'accepted', 'Use Postgres for the ledger'],
      ['ADR-0002', 'superseded', 'Queue payment events in Kafka'],
      ['ADR-0003', 'accepted', 'Use an outbox'],
    ]);
  });
});

describe.concurrent('ADRs of other nodes and handles', () => {
  it("another node's ADRs show as node/ADR-0001 and leave local handles and numbers alone", async () => {
    const s = track(rich.fork());
    const before = (await list(s)).map((a) => [a.id, a.handle]);
    // A peer's key, trusted here, as federation would leave it.
    const olga = await newKeyFiles(s.dir, 'Olga Peer');
    await s.ok(['trust', 'add', olga.publicFile]);
    const created = new Date(Date.now() - 3_600_000); // older than every local ADR
    const peerOne = await craft(
      s,
      olga,
      buildAdr(originOf(olga, 'platform', created), adrBody(1, 'Run on Kubernetes', 'accepted')),
    );
    const peerTwo = await craft(
      s,
      olga,
      buildAdr(originOf(olga, 'platform', created), adrBody(2, 'Log to Loki')),
    );
    // The peer also rejected its second ADR.
    await craft(
      s,
      olga,
      buildAdrStatus(originOf(olga, 'platform', created), peerTwo.id, 'rejected'),
    );
    await commitAll(s, 'memories from platform');

    const after = await list(s);
    expect(after.map((a) => [a.handle, a.node, a.status])).toEqual([
      ['ADR-0001', 'test-node', 'accepted'],
      ['ADR-0002', 'test-node', 'superseded'],
      ['ADR-0003', 'test-node', 'accepted'],
      ['platform/ADR-0001', 'platform', 'accepted'],
      ['platform/ADR-0002', 'platform', 'rejected'],
    ]);
    for (const [id, handle] of before) expect(after.find((a) => a.id === id)?.handle).toBe(handle);
    expect((await show(s, 'platform/ADR-0001')).id).toBe(peerOne.id);
    expect((await show(s, 'platform/2')).id).toBe(peerTwo.id);
    expect((await show(s, '1')).id).toBe(ids.postgres);

    // The next local ADR takes the next local number, whatever the peer used.
    await s.ok(['adr', 'create', 'Use OpenTelemetry', '--decision', 'OTLP everywhere']);
    expect(await subject(s)).toBe('remembrancer: ADR-0004 Use OpenTelemetry');
    // A local ADR may link to a peer's.
    await s.ok(['adr', 'link', 'ADR-0004', 'platform/ADR-0001', '--rel', 'depends-on']);
    expect((await show(s, 'platform/ADR-0001')).relations).toEqual([
      expect.objectContaining({ rel: 'depends-on', direction: 'in', handle: 'ADR-0004' }),
    ]);
    const covenant = await s.run(['covenant']);
    expect(covenant.code, covenant.stdout + covenant.stderr).toBe(0);
  });

  it('two local ADRs with one number: the earlier keeps ADR-000N, the later gets ~<6 hex>', async () => {
    const s = track(rich.fork());
    const key = defaultKey(s, fingerprint);
    const earlier = await craft(
      s,
      key,
      buildAdr(
        originOf(key, 'test-node', new Date(Date.now() - 120_000)),
        adrBody(4, 'Cache with Redis'),
      ),
    );
    const later = await craft(
      s,
      key,
      buildAdr(
        originOf(key, 'test-node', new Date(Date.now() - 60_000)),
        adrBody(4, 'Cache with Memcached'),
      ),
    );
    await commitAll(s, 'two branches wrote ADR-0004');
    const all = await list(s);
    expect(all.map((a) => a.handle)).toEqual([
      'ADR-0001',
      'ADR-0002',
      'ADR-0003',
      'ADR-0004',
      `ADR-0004~${later.id.slice(0, 6)}`,
    ]);
    expect((await show(s, 'ADR-0004')).id).toBe(earlier.id);
    expect((await show(s, '4')).id).toBe(earlier.id);
    expect((await show(s, `ADR-0004~${later.id.slice(0, 6)}`)).id).toBe(later.id);
    // And the next one is ADR-0005.
    await s.ok(['adr', 'create', 'Use gRPC', '--decision', 'gRPC']);
    expect(await subject(s)).toBe('remembrancer: ADR-0005 Use gRPC');
  });
});

describe('the same memories give the same ADRs in every repository', () => {
  it('merging two branches in either order, or copying the files one by one, agrees', async () => {
    const base = track(rich.fork());
    const alice = track(base.fork());
    const bob = track(base.fork());
    // Two branches at once: each writes its own ADR-0004, and both change ADR-0001.
    await alice.ok(['adr', 'create', 'Alice: cache with Redis', '--decision', 'Redis 7']);
    await alice.ok(['adr', 'status', 'ADR-0001', 'deprecated', '--note', 'alice']);
    await bob.ok(['adr', 'create', 'Bob: cache in process', '--decision', 'an LRU map']);
    await bob.ok(['adr', 'link', 'ADR-0004', 'ADR-0003', '--rel', 'relates-to']);
    await bob.ok(['adr', 'status', 'ADR-0001', 'rejected', '--note', 'bob']);

    async function merged(order: Sandbox[]): Promise<Sandbox> {
      const s = track(base.fork());
      for (const [i, from] of order.entries()) {
        await s.git(['fetch', '-q', from.repo, `main:branch${i}`]);
        await s.git(['merge', '-q', '--no-edit', `branch${i}`]);
      }
      return s;
    }
    const x = await merged([alice, bob]);
    const y = await merged([bob, alice]);
    // z receives the same memory files by hand, newest commit's first, one commit each.
    const z = track(base.fork());
    const have = new Set(await memoryFiles(z));
    const missing = (await memoryFiles(x)).filter((f) => !have.has(f)).reverse();
    expect(missing).toHaveLength(5);
    for (const file of missing) {
      mkdirSync(dirname(join(z.repo, file)), { recursive: true });
      copyFileSync(join(x.repo, file), join(z.repo, file));
      await z.git(['add', file]);
      await z.git(['commit', '-q', '-m', `copy ${file}`]);
    }

    const [lx, ly, lz] = await Promise.all([list(x), list(y), list(z)]);
    expect(ly).toEqual(lx);
    expect(lz).toEqual(lx);
    // The same memories: the same memories/ tree in all three.
    const trees = await Promise.all(
      [x, y, z].map((s) => s.git(['rev-parse', 'HEAD:.remembrancer/memories'])),
    );
    expect(new Set(trees).size).toBe(1);

    // Both branches' ADR-0004 are there: one keeps the handle, the other is told apart.
    const fours = lx.filter((a) => a.number === 4);
    expect(fours.map((a) => a.handle).sort()).toEqual([
      'ADR-0004',
      expect.stringMatching(/^ADR-0004~[0-9a-f]{6}$/),
    ]);
    // Both status changes are in ADR-0001's history, in the same order everywhere.
    const postgres = lx.find((a) => a.number === 1) as AdrJson;
    expect(postgres.history.map((h) => h.note ?? h.status).slice(0, 2)).toEqual([
      'proposed',
      'agreed',
    ]);
    expect(
      postgres.history
        .slice(2)
        .map((h) => h.note)
        .sort(),
    ).toEqual(['alice', 'bob']);
    expect(postgres.status).toBe(postgres.history[postgres.history.length - 1]?.status);

    // The next ADR in any of them is ADR-0005.
    await x.ok(['adr', 'create', 'After the merge', '--decision', 'next']);
    expect(await subject(x)).toBe('remembrancer: ADR-0005 After the merge');
  });
});

describe.concurrent('the covenant and ADR memories', () => {
  it('holds over adr, adr-status, adr-link and a superseding adr', async () => {
    const types = new Set((await rich.json<{ type: string }[]>(['list'])).map((m) => m.type));
    expect([...types].sort()).toEqual(['adr', 'adr-link', 'adr-status']);
    const result = await rich.run(['covenant', '--json']);
    expect(result.code, result.stdout).toBe(0);
    expect(JSON.parse(result.stdout)).toMatchObject({ ok: true, violations: [] });
  });

  const bad: [string, (key: KeyFiles, created: Date) => Signed<unknown>][] = [
    [
      'an adr-status whose link target is not a memory id',
      (key, created) => {
        const signed = buildAdrStatus(
          originOf(key, 'test-node', created),
          ids.postgres,
          'accepted',
        );
        return { ...signed, links: [{ rel: 'status-of', id: 'ADR-0001' }] };
      },
    ],
    [
      'an adr-status without a link',
      (key, created) => {
        const { links: _links, ...signed } = buildAdrStatus(
          originOf(key, 'test-node', created),
          ids.postgres,
          'accepted',
        );
        return signed;
      },
    ],
    [
      'an adr-status to "superseded" (supersession is a new ADR)',
      (key, created) => ({
        ...buildAdrStatus(originOf(key, 'test-node', created), ids.postgres, 'accepted'),
        body: { status: 'superseded' },
      }),
    ],
    [
      'an adr-link with one end',
      (key, created) => {
        const signed = buildAdrLink(
          originOf(key, 'test-node', created),
          ids.outbox,
          ids.postgres,
          'amends',
        );
        return { ...signed, links: signed.links?.slice(0, 1) };
      },
    ],
    [
      'an adr-link with an unknown relation',
      (key, created) => ({
        ...buildAdrLink(originOf(key, 'test-node', created), ids.outbox, ids.postgres, 'amends'),
        body: { rel: 'replaces' },
      }),
    ],
    [
      'an adr numbered 0',
      (key, created) => buildAdr(originOf(key, 'test-node', created), adrBody(0, 'Zero')),
    ],
    [
      'an adr without a title',
      (key, created) => {
        const signed = buildAdr(originOf(key, 'test-node', created), adrBody(9, 'x'));
        const { title: _title, ...body } = signed.body;
        return { ...signed, body };
      },
    ],
  ];

  it('rejects malformed ADR memories, each by its schema (exit 1)', async () => {
    const s = track(rich.fork());
    const key = defaultKey(s, fingerprint);
    const created = new Date(Date.now() - 60_000);
    const files: [string, string][] = [];
    for (const [name, make] of bad)
      files.push([name, (await craft(s, key, make(key, created))).file]);
    const result = await s.run(['covenant', '--json']);
    expect(result.code, result.stdout).toBe(1);
    const report = JSON.parse(result.stdout) as {
      ok: boolean;
      violations: { rule: string; code: string; file: string }[];
    };
    expect(report.ok).toBe(false);
    for (const [name, file] of files) {
      expect(
        report.violations.filter((v) => v.file === file),
        `${name}: ${JSON.stringify(report.violations, null, 2)}`,
      ).toContainEqual(expect.objectContaining({ rule: 'integrity', code: 'SCHEMA_VIOLATION' }));
    }
    // Nothing else is wrong: only the crafted files are reported.
    expect(new Set(report.violations.map((v) => v.file))).toEqual(new Set(files.map(([, f]) => f)));
  });
});

// Alone, after the concurrent tests: a quick user makes several changes a second.
describe('adr status in quick succession', () => {
  it('status changes made one after another keep their order; the last one wins', async () => {
    const s = track(empty.fork());
    const key = defaultKey(s, fingerprint);
    const adr = await s.json<Recorded>(adrArgs('Use Postgres for the ledger'));
    const sequence = ['accepted', 'deprecated', 'accepted', 'rejected', 'accepted', 'deprecated'];
    const recorded: string[] = [adr.id];
    for (const [i, status] of sequence.entries()) {
      // Changes come in pairs, each pair started on a fresh second as a quick user or a
      // script would. Any wording of the note will do; the second of a pair is worded so that
      // its id sorts before the first's should both fall in the same second.
      if (i % 2 === 0) await new Promise((r) => setTimeout(r, 1000 - (Date.now() % 1000)));
      let note = `step ${i + 1}`;
      const previous = recorded[recorded.length - 1] as string;
      const now = Math.floor(Date.now() / 1000) * 1000;
      for (let n = 0; i % 2 === 1 && n < 20_000; n++) {
        const candidate = `step ${i + 1} (${n})`;
        const sortsFirst = [now, now + 1000].every(
          (t) =>
            idOf(
              buildAdrStatus(
                originOf(key, 'test-node', new Date(t)),
                adr.id,
                status as AdrBody['status'],
                candidate,
              ),
            ) < previous,
        );
        if (sortsFirst) {
          note = candidate;
          break;
        }
      }
      recorded.push((await s.json<Recorded>(['adr', 'status', '1', status, '--note', note])).id);
    }
    const shown = await show(s, '1');
    expect(shown.status).toBe('deprecated');
    expect(shown.history.map((h) => h.status)).toEqual(['proposed', ...sequence]);
    expect(shown.history.map((h) => h.id)).toEqual(recorded);
  });
});
