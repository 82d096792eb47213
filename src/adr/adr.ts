/**
 * Architecture decision records. An ADR is immutable; what happens to it later is told by
 * other memories that point at it: `adr-status` (a new status), a newer `adr` that
 * supersedes it, `adr-link` (relates-to, amends, depends-on). Its current state is derived
 * from those memories alone, in a fixed order, so every repository holding the same
 * memories shows the same state.
 *
 * Handles: a node numbers its own ADRs 1, 2, 3… (the number is in the signed body, never
 * reused). This repository shows its own ADRs as ADR-0007 and another node's as
 * node/ADR-0003, so a peer's ADRs arriving later never take or shift a local handle. If two
 * ADRs of one node share a number (written on two branches at once), the earlier one keeps
 * the plain handle and the other shows a short id after it: ADR-0007~3f2a9c.
 */
import type { Memory } from '../memory/envelope.js';
import { RemembrancerError } from '../ground/errors.js';
import { oldestFirst } from '../store/store.js';
import {
  adrLabel,
  type AdrBody,
  type AdrLinkBody,
  type AdrRelation,
  type AdrStatus,
  type AdrStatusBody,
} from '../memory/memory-types.js';

export type AdrState = AdrStatus | 'superseded';

export interface AdrEvent {
  id: string;
  status: AdrStatus;
  created: string;
  author: string;
  note?: string;
}

export interface AdrRelationView {
  rel: AdrRelation | 'supersedes' | 'superseded-by';
  /** 'out': this ADR points at the other; 'in': the other points at this one. */
  direction: 'out' | 'in';
  id: string;
  handle: string;
  title: string;
}

export interface Adr {
  id: string;
  memory: Memory;
  handle: string;
  node: string;
  number: number;
  title: string;
  body: AdrBody;
  created: string;
  author: string;
  /** The status now: the last status event's, or `superseded` once a newer ADR replaces it. */
  status: AdrState;
  history: AdrEvent[];
  relations: AdrRelationView[];
}

/** Every ADR with its derived state, oldest first, with handles as this node shows them. */
export function deriveAdrs(memories: Memory[], localNode: string): Adr[] {
  const records = memories.filter((m) => m.envelope.signed.type === 'adr').sort(oldestFirst);
  const adrs = new Map<string, Adr>();
  const taken = new Map<string, number>();
  for (const memory of records) {
    const s = memory.envelope.signed;
    const body = s.body as unknown as AdrBody;
    const label = adrLabel(body.number);
    const plain = s.node === localNode ? label : `${s.node}/${label}`;
    const seen = taken.get(plain) ?? 0;
    taken.set(plain, seen + 1);
    adrs.set(memory.id, {
      id: memory.id,
      memory,
      handle: seen === 0 ? plain : `${plain}~${memory.id.slice(0, 6)}`,
      node: s.node,
      number: body.number,
      title: body.title,
      body,
      created: s.created,
      author: s.author.name,
      status: body.status,
      history: [{ id: memory.id, status: body.status, created: s.created, author: s.author.name }],
      relations: [],
    });
  }
  const view = (adr: Adr) => ({ id: adr.id, handle: adr.handle, title: adr.title });
  const events = memories.filter((m) => m.envelope.signed.type !== 'adr').sort(oldestFirst);
  for (const memory of events) {
    const s = memory.envelope.signed;
    if (s.type === 'adr-status') {
      const target = adrs.get(s.links?.[0]?.id ?? '');
      if (!target) continue; // a status for an ADR this repository does not hold
      const body = s.body as unknown as AdrStatusBody;
      target.history.push({
        id: memory.id,
        status: body.status,
        created: s.created,
        author: s.author.name,
        ...(body.note ? { note: body.note } : {}),
      });
      target.status = body.status;
    } else if (s.type === 'adr-link') {
      const [from, to] = [adrs.get(s.links?.[0]?.id ?? ''), adrs.get(s.links?.[1]?.id ?? '')];
      if (!from || !to) continue;
      const rel = (s.body as unknown as AdrLinkBody).rel;
      from.relations.push({ rel, direction: 'out', ...view(to) });
      to.relations.push({ rel, direction: 'in', ...view(from) });
    }
  }
  // Supersession last: a superseded ADR stays superseded whatever status events say.
  for (const adr of adrs.values()) {
    for (const link of adr.memory.envelope.signed.links ?? []) {
      const old = link.rel === 'supersedes' ? adrs.get(link.id) : undefined;
      if (!old) continue;
      old.status = 'superseded';
      adr.relations.push({ rel: 'supersedes', direction: 'out', ...view(old) });
      old.relations.push({ rel: 'superseded-by', direction: 'in', ...view(adr) });
    }
  }
  // Listed in handle order: this node's by number, then each other node's.
  return [...adrs.values()].sort((a, b) => {
    const fa = a.node === localNode ? '' : a.node;
    const fb = b.node === localNode ? '' : b.node;
    if (fa !== fb) return fa < fb ? -1 : 1;
    if (a.number !== b.number) return a.number - b.number;
    return a.handle < b.handle ? -1 : 1;
  });
}

/** How a relation reads from the ADR it is listed under: "Depends on", "Amended by". */
export function relationPhrase(relation: Pick<AdrRelationView, 'rel' | 'direction'>): string {
  const out: Record<string, string> = {
    'relates-to': 'Relates to',
    amends: 'Amends',
    'depends-on': 'Depends on',
    supersedes: 'Supersedes',
  };
  const inbound: Record<string, string> = {
    'relates-to': 'Relates to',
    amends: 'Amended by',
    'depends-on': 'Needed by',
    'superseded-by': 'Superseded by',
  };
  return (relation.direction === 'out' ? out : inbound)[relation.rel] ?? relation.rel;
}

/** The number this node gives its next ADR: one past the highest it ever used. */
export function nextAdrNumber(memories: Memory[], localNode: string): number {
  let max = 0;
  for (const m of memories) {
    if (m.envelope.signed.type === 'adr' && m.envelope.signed.node === localNode) {
      max = Math.max(max, (m.envelope.signed.body as unknown as AdrBody).number);
    }
  }
  return max + 1;
}

/**
 * Finds an ADR by handle (ADR-0007, adr-7, 7, node/ADR-0003, ADR-0007~3f2a9c) or by a
 * unique id prefix.
 */
export function findAdr(adrs: Adr[], wanted: string): Adr {
  const text = wanted.trim();
  const handle =
    /^(?:(?<node>[A-Za-z0-9][A-Za-z0-9._-]*)\/)?(?:adr-?)?(?<number>\d{1,6})(?:~(?<suffix>[0-9a-f]{1,64}))?$/i.exec(
      text,
    );
  let matches: Adr[] = [];
  if (handle?.groups) {
    const number = Number(handle.groups['number']);
    const node = handle.groups['node'];
    const suffix = handle.groups['suffix']?.toLowerCase();
    matches = adrs.filter(
      (a) =>
        a.number === number &&
        (node ? a.node === node : !a.handle.includes('/')) &&
        (!suffix || a.id.startsWith(suffix)),
    );
    if (matches.length > 1) matches = matches.filter((a) => !a.handle.includes('~'));
  }
  if (matches.length === 0 && /^[0-9a-f]{4,64}$/i.test(text)) {
    matches = adrs.filter((a) => a.id.startsWith(text.toLowerCase()));
  }
  if (matches.length === 1) return matches[0] as Adr;
  if (matches.length > 1) {
    throw new RemembrancerError(
      'MEMORY_AMBIGUOUS',
      `"${wanted}" matches ${matches.length} ADRs (${matches.map((a) => a.handle).join(', ')})`,
      {
        fix: 'give the handle as `remembrancer adr list` shows it, or more of the id',
      },
    );
  }
  throw new RemembrancerError('MEMORY_NOT_FOUND', `no ADR is ${wanted}`, {
    exitCode: 1,
    fix: 'see `remembrancer adr list` for handles',
  });
}
