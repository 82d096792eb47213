/**
 * What each memory type holds and how it reads in one line. Builders make the `signed`
 * part; they never sign or write (record.ts does).
 */
// Only types from envelope.ts: code that merely renders memories must not load ajv.
import type { Author, Link, Memory, Signed, Subject } from './envelope.js';
import { isoSeconds } from '../ground/dates.js';

export interface DeployBody {
  component: string;
  version: string;
  environment?: string;
  evidence?: { path: string; sha256: string; size: number };
  note?: string;
}

export interface DecisionBody {
  text: string;
  tags: string[];
}

export interface SealBody {
  treeSize: number;
  root: string;
  previous: string | null;
}

export const ADR_STATUSES = ['proposed', 'accepted', 'rejected', 'deprecated'] as const;
export type AdrStatus = (typeof ADR_STATUSES)[number];
export const ADR_RELATIONS = ['relates-to', 'amends', 'depends-on'] as const;
export type AdrRelation = (typeof ADR_RELATIONS)[number];

export interface AdrBody {
  number: number;
  title: string;
  status: AdrStatus;
  context?: string;
  decision?: string;
  consequences?: string;
  options?: string[];
  deciders?: string[];
  tags: string[];
}

export interface AdrStatusBody {
  status: AdrStatus;
  note?: string;
}

export interface AdrLinkBody {
  rel: AdrRelation;
  note?: string;
}

export interface SpawnBody {
  name: string;
  template: { name: string; version: string };
  options: Record<string, string | boolean>;
  /** The project folder relative to the repository root; "." for the root. */
  path: string;
  /** git tree id of the generated files. */
  tree: string;
}

export interface RootRef {
  root: string;
  treeSize: number;
}

export interface RejectedMemory {
  id?: string;
  /** Path inside the peer's .remembrancer/. */
  path: string;
  reason: string;
}

export interface FederationBody {
  peer: string;
  /** The peer's own node name, from its config.json. */
  peerNode?: string;
  url: string;
  ref: string;
  peerCommit: string;
  before: { ours: RootRef; peer: RootRef };
  merged: RootRef;
  accepted: string[];
  acceptedCount: number;
  acceptedRoot: string;
  rejected: RejectedMemory[];
  rejectedCount: number;
  ignored: number;
}

export interface RevocationBody {
  fingerprint: string;
  reason?: string;
}

export interface Origin {
  node: string;
  author: Author;
  created?: Date;
}

function base<B>(
  type: string,
  origin: Origin,
  body: B,
  subject?: Subject[],
  links?: Link[],
): Signed<B> {
  return {
    type,
    schema: 1,
    created: isoSeconds(origin.created ?? new Date()),
    node: origin.node,
    author: origin.author,
    ...(subject ? { subject } : {}),
    body,
    ...(links && links.length > 0 ? { links } : {}),
  };
}

export function buildDeploy(
  origin: Origin,
  body: DeployBody,
  artifactSha256: string,
  artifactName?: string,
): Signed<DeployBody> {
  const clean: DeployBody = { component: body.component, version: body.version };
  if (body.environment) clean.environment = body.environment;
  if (body.evidence) clean.evidence = body.evidence;
  if (body.note) clean.note = body.note;
  const name = artifactName ?? `${body.component}@${body.version}`;
  return base('deploy', origin, clean, [{ name, digest: { sha256: artifactSha256 } }]);
}

/** Tags are lower-case, unique and sorted, so the same decision gets the same id. */
export function normalizeTags(tags: string[]): string[] {
  return [...new Set(tags.map((t) => t.trim().toLowerCase()).filter((t) => t.length > 0))].sort();
}

export function buildDecision(origin: Origin, text: string, tags: string[]): Signed<DecisionBody> {
  return base('decision', origin, { text, tags: normalizeTags(tags) });
}

export function buildSeal(origin: Origin, body: SealBody): Signed<SealBody> {
  return base('seal', origin, body);
}

/** An ADR; empty sections are left out, lists are trimmed, tags normalised. */
export function buildAdr(
  origin: Origin,
  body: AdrBody,
  supersedes: string[] = [],
): Signed<AdrBody> {
  const clean: AdrBody = {
    number: body.number,
    title: body.title.trim(),
    status: body.status,
    tags: normalizeTags(body.tags),
  };
  for (const key of ['context', 'decision', 'consequences'] as const) {
    const text = body[key]?.trim();
    if (text) clean[key] = text;
  }
  const options = (body.options ?? []).map((o) => o.trim()).filter(Boolean);
  if (options.length > 0) clean.options = options;
  const deciders = (body.deciders ?? []).map((d) => d.trim()).filter(Boolean);
  if (deciders.length > 0) clean.deciders = deciders;
  return base(
    'adr',
    origin,
    clean,
    undefined,
    [...new Set(supersedes)].sort().map((id) => ({ rel: 'supersedes', id })),
  );
}

export function buildAdrStatus(
  origin: Origin,
  adrId: string,
  status: AdrStatus,
  note?: string,
): Signed<AdrStatusBody> {
  const body: AdrStatusBody = { status };
  if (note?.trim()) body.note = note.trim();
  return base('adr-status', origin, body, undefined, [{ rel: 'status-of', id: adrId }]);
}

export function buildAdrLink(
  origin: Origin,
  from: string,
  to: string,
  rel: AdrRelation,
  note?: string,
): Signed<AdrLinkBody> {
  const body: AdrLinkBody = { rel };
  if (note?.trim()) body.note = note.trim();
  return base('adr-link', origin, body, undefined, [
    { rel: 'from', id: from },
    { rel: 'to', id: to },
  ]);
}

export function buildFederation(origin: Origin, body: FederationBody): Signed<FederationBody> {
  return base('federation', origin, body);
}

export function buildRevocation(
  origin: Origin,
  fingerprint: string,
  reason?: string,
): Signed<RevocationBody> {
  const body: RevocationBody = { fingerprint };
  if (reason?.trim()) body.reason = reason.trim();
  return base('revocation', origin, body);
}

export function isFederation(memory: Memory): boolean {
  return memory.envelope.signed.type === 'federation';
}

/** ADR-0007: the number a node gave its ADR, four digits at least. */
export function adrLabel(number: number): string {
  return `ADR-${String(number).padStart(4, '0')}`;
}

function firstLine(text: string, max = 72): string {
  const line = text.split('\n', 1)[0]?.trim() ?? '';
  return line.length > max ? line.slice(0, max - 1) + '…' : line;
}

/** One line that says what a memory is about, for lists and commit messages. */
export function summarize(memory: Memory): string {
  const { type, body } = memory.envelope.signed;
  switch (type) {
    case 'deploy': {
      const b = body as unknown as DeployBody;
      return `${b.component} ${b.version}${b.environment ? ` → ${b.environment}` : ''}`;
    }
    case 'decision':
      return firstLine((body as unknown as DecisionBody).text);
    case 'seal': {
      const b = body as unknown as SealBody;
      return `root ${b.root.slice(0, 12)}… over ${b.treeSize} memories`;
    }
    case 'adr': {
      const b = body as unknown as AdrBody;
      return `${adrLabel(b.number)} ${b.title}`;
    }
    case 'adr-status': {
      const b = body as unknown as AdrStatusBody;
      const target = memory.envelope.signed.links?.[0]?.id ?? '';
      return `status of ${target.slice(0, 12)} → ${b.status}`;
    }
    case 'adr-link': {
      const b = body as unknown as AdrLinkBody;
      const [from, to] = memory.envelope.signed.links ?? [];
      return `${from?.id.slice(0, 12) ?? '?'} ${b.rel} ${to?.id.slice(0, 12) ?? '?'}`;
    }
    case 'spawn': {
      const b = body as unknown as SpawnBody;
      const kind = typeof b.options['kind'] === 'string' ? ` ${b.options['kind']}` : '';
      return `${b.name}: ${b.template.name}${kind} ${b.template.version} in ${b.path}`;
    }
    case 'federation': {
      const b = body as unknown as FederationBody;
      return `sync from ${b.peer}: ${b.acceptedCount} accepted, ${b.rejectedCount} rejected`;
    }
    case 'revocation': {
      const b = body as unknown as RevocationBody;
      return `revoke key ${b.fingerprint}${b.reason ? `: ${firstLine(b.reason, 48)}` : ''}`;
    }
    default:
      return type;
  }
}

/** Accepts singular and plural spellings: deploy, deploys, deployments, decisions, seals. */
export function normalizeTypeName(name: string): string {
  const lower = name.toLowerCase();
  const aliases: Record<string, string> = {
    deploys: 'deploy',
    deployment: 'deploy',
    deployments: 'deploy',
    receipts: 'deploy',
    receipt: 'deploy',
    decisions: 'decision',
    seals: 'seal',
    adrs: 'adr',
    spawns: 'spawn',
  };
  return aliases[lower] ?? lower;
}

export function isSeal(memory: Memory): boolean {
  return memory.envelope.signed.type === 'seal';
}

export function sealBody(memory: Memory): SealBody {
  return memory.envelope.signed.body as unknown as SealBody;
}

/**
 * A spawn record: the generated files as the subject (path and sha256 each, sorted by
 * path), the template and options in the body; `updates` links to the record it replaces.
 */
export function buildSpawn(
  origin: Origin,
  body: SpawnBody,
  files: { path: string; sha256: string }[],
  updates?: string,
): Signed<SpawnBody> {
  const subject = [...files]
    .sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0))
    .map((f) => ({ name: f.path, digest: { sha256: f.sha256 } }));
  return base('spawn', origin, body, subject, updates ? [{ rel: 'updates', id: updates }] : []);
}
