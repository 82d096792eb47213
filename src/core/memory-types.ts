/**
 * What each memory type holds and how it reads in one line. Builders make the `signed`
 * part; they never sign or write (record.ts does).
 */
import type { Author, Memory, Signed, Subject } from './envelope.js';
import { isoSeconds } from './envelope.js';

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

export interface Origin {
  node: string;
  author: Author;
  created?: Date;
}

function base<B>(type: string, origin: Origin, body: B, subject?: Subject[]): Signed<B> {
  return {
    type,
    schema: 1,
    created: isoSeconds(origin.created ?? new Date()),
    node: origin.node,
    author: origin.author,
    ...(subject ? { subject } : {}),
    body,
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
  };
  return aliases[lower] ?? lower;
}

export function isSeal(memory: Memory): boolean {
  return memory.envelope.signed.type === 'seal';
}

export function sealBody(memory: Memory): SealBody {
  return memory.envelope.signed.body as unknown as SealBody;
}
