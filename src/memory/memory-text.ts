/**
 * What a memory says, as text for people and for the search index: a title, a body, tags
 * and notes. One function per type, so the index, lists and exports read memories alike.
 */
import type { Memory } from './envelope.js';
import {
  summarize,
  type AdrBody,
  type AdrLinkBody,
  type AdrStatusBody,
  type DecisionBody,
  type DeployBody,
  type FederationBody,
  type RevocationBody,
  type SealBody,
  type SpawnBody,
} from './memory-types.js';

export interface MemoryText {
  /** One line: what a list shows and what ranks highest in search. */
  title: string;
  /** The main text (a decision's words, an ADR's sections). */
  body: string;
  tags: string[];
  /** Secondary text (a deploy's note and environment, an ADR's options). */
  notes: string;
  /** The component a deploy names, for filtering. */
  component?: string;
}

export function memoryText(memory: Memory): MemoryText {
  const { type, body } = memory.envelope.signed;
  switch (type) {
    case 'deploy': {
      const b = body as unknown as DeployBody;
      return {
        title: summarize(memory),
        body: [b.component, b.version, b.environment].filter(Boolean).join(' '),
        tags: [],
        notes: [b.note, b.evidence?.path].filter(Boolean).join('\n'),
        component: b.component,
      };
    }
    case 'decision': {
      const b = body as unknown as DecisionBody;
      return { title: summarize(memory), body: b.text, tags: b.tags, notes: '' };
    }
    case 'seal': {
      const b = body as unknown as SealBody;
      return { title: summarize(memory), body: `${b.root} ${b.treeSize}`, tags: [], notes: '' };
    }
    case 'adr': {
      const b = body as unknown as AdrBody;
      return {
        title: b.title,
        body: [b.context, b.decision, b.consequences].filter(Boolean).join('\n\n'),
        tags: b.tags,
        notes: [...(b.options ?? []), ...(b.deciders ?? [])].join('\n'),
      };
    }
    case 'adr-status': {
      const b = body as unknown as AdrStatusBody;
      return { title: summarize(memory), body: b.status, tags: [], notes: b.note ?? '' };
    }
    case 'adr-link': {
      const b = body as unknown as AdrLinkBody;
      return { title: summarize(memory), body: b.rel, tags: [], notes: b.note ?? '' };
    }
    case 'spawn': {
      const b = body as unknown as SpawnBody;
      const options = Object.entries(b.options).map(([k, v]) => `${k}=${String(v)}`);
      return {
        title: summarize(memory),
        body: [b.name, b.template.name, ...options].join(' '),
        tags: [],
        notes: [b.path, ...(memory.envelope.signed.subject ?? []).map((s) => s.name)].join('\n'),
      };
    }
    case 'federation': {
      const b = body as unknown as FederationBody;
      return {
        title: summarize(memory),
        body: [b.peer, b.peerNode, b.url, b.ref].filter(Boolean).join(' '),
        tags: [],
        notes: b.rejected.map((r) => r.reason).join('\n'),
      };
    }
    case 'revocation': {
      const b = body as unknown as RevocationBody;
      return { title: summarize(memory), body: b.fingerprint, tags: [], notes: b.reason ?? '' };
    }
    default:
      return { title: summarize(memory), body: JSON.stringify(body), tags: [], notes: '' };
  }
}
