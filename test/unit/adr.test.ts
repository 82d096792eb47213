/**
 * ADR state derivation, handles and lookups (src/adr/adr.ts) and the $EDITOR template
 * parser (src/adr/template.ts), on memories built in memory: no repository, no CLI.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { deriveAdrs, findAdr, nextAdrNumber, type Adr } from '../../src/adr/adr.js';
import { adrTemplate, parseAdrMarkdown } from '../../src/adr/template.js';
import { toMemory, type Memory } from '../../src/memory/envelope.js';
import { RemembrancerError } from '../../src/ground/errors.js';
import {
  buildAdr,
  buildAdrLink,
  buildAdrStatus,
  buildDecision,
  type AdrRelation,
  type AdrStatus,
  type Origin,
} from '../../src/memory/memory-types.js';

const LOCAL = 'payments';
const PEER = 'platform';

function origin(node: string, created: string): Origin {
  return {
    node,
    author: { name: `${node} author`, email: `${node}@example.com` },
    created: new Date(created),
  };
}

/** Times one minute apart, in the order the test names them. */
function at(minute: number): string {
  return new Date(Date.UTC(2026, 0, 2, 10, minute, 0)).toISOString();
}

function adr(
  number: number,
  title: string,
  options: { node?: string; created?: string; status?: AdrStatus; supersedes?: string[] } = {},
): Memory {
  const signed = buildAdr(
    origin(options.node ?? LOCAL, options.created ?? at(number)),
    { number, title, status: options.status ?? 'proposed', tags: [], decision: `${title}.` },
    options.supersedes ?? [],
  );
  return toMemory({ signed, signatures: [] });
}

function status(
  target: Memory,
  to: AdrStatus,
  created: string,
  note?: string,
  node = LOCAL,
): Memory {
  return toMemory({
    signed: buildAdrStatus(origin(node, created), target.id, to, note),
    signatures: [],
  });
}

function link(from: Memory, to: Memory, rel: AdrRelation, created: string): Memory {
  return toMemory({
    signed: buildAdrLink(origin(LOCAL, created), from.id, to.id, rel),
    signatures: [],
  });
}

function byHandle(adrs: Adr[], handle: string): Adr {
  const found = adrs.find((a) => a.handle === handle);
  if (!found) throw new Error(`no ${handle} in ${adrs.map((a) => a.handle).join(', ')}`);
  return found;
}

/** What a user sees of an ADR: everything but the memory object itself. */
function visible(adrs: Adr[]) {
  return adrs.map(({ memory: _memory, ...rest }) => rest);
}

function caught(fn: () => unknown): RemembrancerError {
  try {
    fn();
  } catch (err) {
    if (err instanceof RemembrancerError) return err;
    throw err;
  }
  throw new Error('expected a RemembrancerError');
}

describe('deriveAdrs', () => {
  const postgres = adr(1, 'Use Postgres for the ledger', { created: at(1) });
  const kafka = adr(2, 'Queue payment events in Kafka', { created: at(2) });
  const outbox = adr(3, 'Use an outbox instead of Kafka', {
    created: at(10),
    status: 'accepted',
    supersedes: [kafka.id],
  });
  const peerOne = adr(1, 'Platform runs Kubernetes', { node: PEER, created: at(0) });
  const events = [
    status(postgres, 'accepted', at(3), 'agreed in review'),
    status(postgres, 'deprecated', at(20), 'managed database now'),
    status(kafka, 'accepted', at(4)),
    // After the supersession, and yet a superseded ADR stays superseded.
    status(kafka, 'accepted', at(30)),
    link(outbox, postgres, 'depends-on', at(11)),
  ];
  const all = [postgres, kafka, outbox, peerOne, ...events];

  it('numbers local ADRs ADR-0001… and prefixes those of other nodes with their node', () => {
    const adrs = deriveAdrs(all, LOCAL);
    expect(adrs.map((a) => a.handle)).toEqual([
      'ADR-0001',
      'ADR-0002',
      'ADR-0003',
      'platform/ADR-0001',
    ]);
    expect(byHandle(adrs, 'platform/ADR-0001').id).toBe(peerOne.id);
    // The same memories seen from the other node: its own ADR is the plain one.
    const there = deriveAdrs(all, PEER);
    expect(there.map((a) => a.handle)).toEqual([
      'ADR-0001',
      'payments/ADR-0001',
      'payments/ADR-0002',
      'payments/ADR-0003',
    ]);
    expect(byHandle(there, 'ADR-0001').id).toBe(peerOne.id);
  });

  it('takes the status from the last status event, oldest first in the history, with notes', () => {
    const one = byHandle(deriveAdrs(all, LOCAL), 'ADR-0001');
    expect(one.status).toBe('deprecated');
    expect(one.history.map((h) => [h.status, h.created, h.note])).toEqual([
      ['proposed', '2026-01-02T10:01:00Z', undefined],
      ['accepted', '2026-01-02T10:03:00Z', 'agreed in review'],
      ['deprecated', '2026-01-02T10:20:00Z', 'managed database now'],
    ]);
  });

  it('a superseded ADR stays superseded, whatever status events come after', () => {
    const adrs = deriveAdrs(all, LOCAL);
    expect(byHandle(adrs, 'ADR-0002').status).toBe('superseded');
    expect(byHandle(adrs, 'ADR-0003').status).toBe('accepted');
    expect(byHandle(adrs, 'ADR-0002').relations).toContainEqual({
      rel: 'superseded-by',
      direction: 'in',
      id: outbox.id,
      handle: 'ADR-0003',
      title: 'Use an outbox instead of Kafka',
    });
    expect(byHandle(adrs, 'ADR-0003').relations).toContainEqual({
      rel: 'supersedes',
      direction: 'out',
      id: kafka.id,
      handle: 'ADR-0002',
      title: 'Queue payment events in Kafka',
    });
  });

  it('shows a link on both ADRs, outgoing on one and incoming on the other', () => {
    const adrs = deriveAdrs(all, LOCAL);
    expect(byHandle(adrs, 'ADR-0003').relations).toContainEqual({
      rel: 'depends-on',
      direction: 'out',
      id: postgres.id,
      handle: 'ADR-0001',
      title: 'Use Postgres for the ledger',
    });
    expect(byHandle(adrs, 'ADR-0001').relations).toEqual([
      {
        rel: 'depends-on',
        direction: 'in',
        id: outbox.id,
        handle: 'ADR-0003',
        title: 'Use an outbox instead of Kafka',
      },
    ]);
  });

  it('ignores events about ADRs this repository does not hold, and other memory types', () => {
    const elsewhere = adr(9, 'Not here');
    const adrs = deriveAdrs(
      [
        postgres,
        status(elsewhere, 'rejected', at(5)),
        link(postgres, elsewhere, 'amends', at(6)),
        toMemory({ signed: buildDecision(origin(LOCAL, at(7)), 'Unrelated', []), signatures: [] }),
      ],
      LOCAL,
    );
    expect(adrs).toHaveLength(1);
    expect(adrs[0]?.status).toBe('proposed');
    expect(adrs[0]?.history).toHaveLength(1);
    expect(adrs[0]?.relations).toEqual([]);
  });

  it('gives the same state and handles whatever order the memories arrive in', () => {
    const expected = visible(deriveAdrs(all, LOCAL));
    fc.assert(
      fc.property(fc.shuffledSubarray(all, { minLength: all.length }), (order) => {
        expect(visible(deriveAdrs(order, LOCAL))).toEqual(expected);
      }),
      { numRuns: 200 },
    );
  });

  it('two ADRs of one node with the same number: the earlier keeps the handle', () => {
    const mine = adr(4, 'Cache with Redis', { created: at(40) });
    const theirs = adr(4, 'Cache with Memcached', { created: at(41) });
    for (const order of [
      [mine, theirs],
      [theirs, mine],
    ]) {
      const adrs = deriveAdrs(order, LOCAL);
      expect(byHandle(adrs, 'ADR-0004').id).toBe(mine.id);
      expect(byHandle(adrs, `ADR-0004~${theirs.id.slice(0, 6)}`).id).toBe(theirs.id);
    }
  });

  it("a peer's ADRs never change the handles of local ones", () => {
    const before = deriveAdrs([postgres, kafka], LOCAL).map((a) => [a.id, a.handle]);
    const peerTwo = adr(2, 'Platform logs to Loki', { node: PEER, created: at(0) });
    const after = deriveAdrs([postgres, kafka, peerOne, peerTwo], LOCAL);
    for (const [id, handle] of before) {
      expect(after.find((a) => a.id === id)?.handle).toBe(handle);
    }
    expect(after.filter((a) => a.node === PEER).map((a) => a.handle)).toEqual([
      'platform/ADR-0001',
      'platform/ADR-0002',
    ]);
  });
});

describe('nextAdrNumber', () => {
  it("is one past this node's highest number, whatever other nodes use", () => {
    expect(nextAdrNumber([], LOCAL)).toBe(1);
    const mine = [adr(1, 'One'), adr(5, 'Five'), adr(3, 'Three')];
    const theirs = adr(40, 'Forty', { node: PEER });
    expect(nextAdrNumber([...mine, theirs], LOCAL)).toBe(6);
    expect(nextAdrNumber([...mine, theirs], PEER)).toBe(41);
  });

  it('does not reuse the number of a superseded or rejected ADR', () => {
    const old = adr(1, 'Old');
    const replacement = adr(2, 'New', { supersedes: [old.id] });
    const rejected = adr(3, 'Rejected', { status: 'rejected' });
    expect(nextAdrNumber([old, replacement, rejected], LOCAL)).toBe(4);
  });
});

describe('findAdr', () => {
  const seven = adr(7, 'Seven', { created: at(7) });
  const seventeen = adr(17, 'Seventeen', { created: at(17) });
  const peerSeven = adr(7, 'Peer seven', { node: PEER, created: at(1) });
  const peerThree = adr(3, 'Peer three', { node: PEER, created: at(1) });
  const twin = adr(7, 'Seven again', { created: at(8) });
  const adrs = deriveAdrs([seven, seventeen, peerSeven, peerThree, twin], LOCAL);

  it.each([
    ['ADR-0007', 'plain handle'],
    ['adr-0007', 'lower case'],
    ['ADR-7', 'without the zeros'],
    ['adr-7', 'short'],
    ['7', 'the number alone'],
    [' 7 ', 'with spaces around'],
  ])('finds the local ADR by %s (%s)', (wanted) => {
    expect(findAdr(adrs, wanted).id).toBe(seven.id);
  });

  it("finds another node's ADR by node/handle, and its twin by the ~suffix", () => {
    expect(findAdr(adrs, 'platform/ADR-0007').id).toBe(peerSeven.id);
    expect(findAdr(adrs, 'platform/3').id).toBe(peerThree.id);
    const twinHandle = `ADR-0007~${twin.id.slice(0, 6)}`;
    expect(adrs.find((a) => a.id === twin.id)?.handle).toBe(twinHandle);
    expect(findAdr(adrs, twinHandle).id).toBe(twin.id);
  });

  it('finds an ADR by a unique id prefix or its full id', () => {
    expect(findAdr(adrs, seventeen.id).id).toBe(seventeen.id);
    expect(findAdr(adrs, seventeen.id.slice(0, 10)).id).toBe(seventeen.id);
    expect(findAdr(adrs, seventeen.id.slice(0, 10).toUpperCase()).id).toBe(seventeen.id);
  });

  it('does not give a peer ADR for a local handle, and says so with exit 1', () => {
    const err = caught(() => findAdr(adrs, 'ADR-0003'));
    expect(err.code).toBe('MEMORY_NOT_FOUND');
    expect(err.exitCode).toBe(1);
    expect(caught(() => findAdr(adrs, 'ADR-0099')).code).toBe('MEMORY_NOT_FOUND');
    expect(caught(() => findAdr(adrs, 'elsewhere/ADR-0007')).code).toBe('MEMORY_NOT_FOUND');
    expect(caught(() => findAdr(adrs, 'not an adr')).code).toBe('MEMORY_NOT_FOUND');
  });

  it('refuses an id prefix that two ADRs share (exit 2), naming both', () => {
    // Two ADRs whose ids share four hex digits: found by trying titles (a birthday search).
    const seen = new Map<string, Memory>();
    let pair: [Memory, Memory] | undefined;
    for (let i = 0; !pair; i++) {
      const m = adr(100 + i, `Spike ${i}`, { created: at(50) });
      const other = seen.get(m.id.slice(0, 4));
      if (other) pair = [other, m];
      else seen.set(m.id.slice(0, 4), m);
    }
    const both = deriveAdrs(pair, LOCAL);
    const err = caught(() => findAdr(both, pair[0].id.slice(0, 4)));
    expect(err.code).toBe('MEMORY_AMBIGUOUS');
    expect(err.exitCode).toBe(2);
    for (const a of both) expect(err.message).toContain(a.handle);
    // One more digit tells them apart, unless they share it too.
    const five = pair[0].id.slice(0, 5);
    if (!pair[1].id.startsWith(five)) expect(findAdr(both, five).id).toBe(pair[0].id);
  });
});

describe('parseAdrMarkdown', () => {
  const template = adrTemplate({
    title: 'Queue payment events',
    status: 'proposed',
    deciders: ['Ada Lovelace'],
    tags: ['payments'],
  });

  function filled(
    sections: Partial<Record<'context' | 'options' | 'decision' | 'consequences', string>>,
  ) {
    return template
      .replace(
        '<!-- What forces are at play? What question does this decision answer? -->',
        sections.context ?? '',
      )
      .replace('<!-- One option per list item. -->', sections.options ?? '')
      .replace('<!-- The chosen option, and why. -->', sections.decision ?? '')
      .replace(
        '<!-- What becomes easier, and what becomes harder. -->',
        sections.consequences ?? '',
      );
  }

  it('the template names the MADR sections and carries title, status, deciders and tags', () => {
    expect(template.startsWith('# Queue payment events\n')).toBe(true);
    for (const line of [
      'Status: proposed',
      'Deciders: Ada Lovelace',
      'Tags: payments',
      '## Context and Problem Statement',
      '## Considered Options',
      '## Decision Outcome',
      '## Consequences',
    ])
      expect(template.split('\n')).toContain(line);
  });

  it('an untouched template is empty: exit 1, nothing to write', () => {
    const err = caught(() => parseAdrMarkdown(template, 'Queue payment events'));
    expect(err.exitCode).toBe(1);
    expect(err.message).toMatch(/empty/);
  });

  it('an emptied file is empty too', () => {
    expect(caught(() => parseAdrMarkdown('', 'Title')).exitCode).toBe(1);
    expect(caught(() => parseAdrMarkdown('# Only a title\n', 'Title')).exitCode).toBe(1);
  });

  it('reads the title, the metadata lines, every section and the options list', () => {
    const text = filled({
      context: 'Payments must reach the ledger exactly once.',
      options: '- Kafka\n- RabbitMQ\n- A Postgres outbox',
      decision: 'A Postgres outbox, because we already run Postgres.',
      consequences: 'One server less; the relay polls.',
    })
      .replace('# Queue payment events', '# Deliver payment events through an outbox')
      .replace('Status: proposed', 'Status: Accepted')
      .replace('Deciders: Ada Lovelace', 'Deciders: Ada Lovelace,  Grace Hopper ,')
      .replace('Tags: payments', 'Tags: Payments, Messaging');
    expect(parseAdrMarkdown(text, 'fallback')).toEqual({
      title: 'Deliver payment events through an outbox',
      status: 'accepted',
      context: 'Payments must reach the ledger exactly once.',
      options: ['Kafka', 'RabbitMQ', 'A Postgres outbox'],
      decision: 'A Postgres outbox, because we already run Postgres.',
      consequences: 'One server less; the relay polls.',
      deciders: ['Ada Lovelace', 'Grace Hopper'],
      tags: ['payments', 'messaging'],
    });
  });

  it('keeps the given title when the heading is removed', () => {
    const text = filled({ decision: 'Yes.' }).replace('# Queue payment events\n', '');
    expect(parseAdrMarkdown(text, 'Fallback title').title).toBe('Fallback title');
  });

  it('refuses a status that is not one of the four (exit 2)', () => {
    const err = caught(() =>
      parseAdrMarkdown(
        filled({ decision: 'Yes.' }).replace('Status: proposed', 'Status: superseded'),
        'x',
      ),
    );
    expect(err.code).toBe('USAGE');
    expect(err.exitCode).toBe(2);
  });

  it('keeps the paragraphs of a section apart', () => {
    const draft = parseAdrMarkdown(
      filled({ context: 'Payments must reach the ledger exactly once.\n\nRetries happen.' }),
      'x',
    );
    // What the user typed: two paragraphs, not "once.Retries happen."
    expect(draft.context).toBe('Payments must reach the ledger exactly once.\n\nRetries happen.');
  });

  it('keeps the text under sub-headings of a section', () => {
    const draft = parseAdrMarkdown(
      filled({
        decision: 'A Postgres outbox.',
        consequences: '### Good\n\nOne server less.\n\n### Bad\n\nThe relay polls.',
      }),
      'x',
    );
    expect(draft.consequences).toContain('One server less.');
    expect(draft.consequences).toContain('The relay polls.');
  });
});
