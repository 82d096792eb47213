/** The rows that describe a memory by its type, worded for people: shared by `show` and the TUI. */
import type { Memory } from '../memory/envelope.js';
import type { DecisionBody, DeployBody, SealBody, SpawnBody } from '../memory/memory-types.js';

/** The type-specific rows `show` and the TUI print under a memory's heading. */
export function memoryFields(memory: Memory): [string, string][] {
  const s = memory.envelope.signed;
  const rows: [string, string][] = [];
  switch (s.type) {
    case 'deploy': {
      const b = s.body as unknown as DeployBody;
      rows.push(['component', b.component], ['version', b.version]);
      if (b.environment) rows.push(['environment', b.environment]);
      if (b.evidence)
        rows.push([
          'evidence',
          `${b.evidence.path} (${b.evidence.size} bytes) sha256:${b.evidence.sha256}`,
        ]);
      if (b.note) rows.push(['note', b.note]);
      break;
    }
    case 'decision': {
      const b = s.body as unknown as DecisionBody;
      if (b.tags.length > 0) rows.push(['tags', b.tags.join(', ')]);
      break;
    }
    case 'seal': {
      const b = s.body as unknown as SealBody;
      rows.push(
        ['root', b.root],
        ['tree size', String(b.treeSize)],
        ['previous', b.previous ?? '(first seal)'],
      );
      break;
    }
    case 'spawn': {
      const b = s.body as unknown as SpawnBody;
      rows.push(
        ['project', `${b.name} in ${b.path}`],
        ['template', `${b.template.name} ${b.template.version}`],
        [
          'options',
          Object.entries(b.options)
            .map(([k, v]) => `${k}=${String(v)}`)
            .join(' '),
        ],
        ['tree', b.tree],
      );
      break;
    }
    default:
      rows.push(['body', JSON.stringify(s.body)]);
  }
  for (const subject of s.subject ?? [])
    rows.push(['subject', `${subject.name} sha256:${subject.digest.sha256}`]);
  for (const link of s.links ?? []) rows.push([link.rel, link.id]);
  return rows;
}
