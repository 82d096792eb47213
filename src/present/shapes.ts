/**
 * The stable JSON shapes of memories, search results and writes (docs/json.md), shared by
 * the CLI's --json and the MCP server's structured output so the two never drift apart.
 */
import type { Memory } from '../memory/envelope.js';
import { summarize } from '../memory/memory-types.js';
import type { RecordResult } from '../record/record.js';
import type { SearchHit, TimelineEntry } from '../search/index.js';
import type { ArtifactVerdict } from '../proof/verify-artifact.js';

export function queryItem(hit: SearchHit) {
  return {
    id: hit.id,
    type: hit.type,
    created: hit.created,
    node: hit.node,
    author: hit.author,
    title: hit.title,
    snippet: hit.snippet.text,
    score: hit.score,
    terms: hit.terms,
  };
}

export function timelineItem(m: TimelineEntry) {
  return {
    id: m.id,
    type: m.type,
    created: m.created,
    node: m.node,
    author: m.author,
    title: m.title,
  };
}

export function memoryListItem(memory: Memory) {
  const s = memory.envelope.signed;
  return {
    id: memory.id,
    type: s.type,
    created: s.created,
    node: s.node,
    author: s.author,
    summary: summarize(memory),
    signers: memory.envelope.signatures.map((sig) => sig.keyid),
    path: `.remembrancer/${memory.path}`,
  };
}

/** What a write reports: the memory, how it landed (created, merged, unchanged), the commit. */
export function recordedItem(result: RecordResult) {
  const { memory } = result;
  return {
    id: memory.id,
    type: memory.envelope.signed.type,
    path: `.remembrancer/${memory.path}`,
    write: result.write,
    signers: memory.envelope.signatures.map((s) => s.keyid),
    commit: result.commit ?? null,
    warnings: result.warnings,
  };
}

/** `verify`: whether the artifact is known, and every receipt naming it with its checks. */
export function verdictItem(verdict: ArtifactVerdict) {
  return {
    ok: verdict.ok,
    sha256: verdict.sha256,
    source: verdict.source,
    reason: verdict.reason,
    receipts: verdict.receipts.map((r) => ({
      id: r.memory.id,
      type: r.memory.envelope.signed.type,
      created: r.memory.envelope.signed.created,
      summary: summarize(r.memory),
      valid: r.valid,
      signatures: r.signatures,
      problems: r.problems,
    })),
  };
}
