/** Turning memories and findings into lines for a terminal. */
import type { Finding } from '../core/covenant.js';
import type { Memory } from '../core/envelope.js';
import type { DecisionBody, DeployBody, SealBody, SpawnBody } from '../core/memory-types.js';
import { printablePath } from '../core/paths.js';
import type { SignatureStatus } from '../core/provenance.js';
import type { IO } from './io.js';

export function shortId(id: string): string {
  return id.slice(0, 12);
}

/** "2026-11-25 08:00" from an ISO time, in UTC so that everyone reads the same. */
export function shortTime(iso: string): string {
  return iso.replace('T', ' ').replace(/:\d\dZ$/, '');
}

export { memoryListItem } from '../core/shapes.js';

export function signatureLine(io: IO, s: SignatureStatus): string {
  const who = s.signer ? ` ${s.signer}` : '';
  switch (s.state) {
    case 'valid':
      return `${io.c.green('✓ valid')}     ${s.keyid}${who}${s.created ? io.c.dim(` signed ${s.created}`) : ''}`;
    case 'invalid':
      return `${io.c.red('✗ invalid')}   ${s.keyid}${who}: ${s.reason ?? ''}`;
    default:
      return `${io.c.yellow('? untrusted')} ${s.keyid}: ${s.reason ?? ''}`;
  }
}

export function findingLine(io: IO, f: Finding, kind: 'violation' | 'warning'): string {
  const tag = kind === 'violation' ? io.c.red(f.rule) : io.c.yellow(f.rule);
  const where = f.file ? `${printablePath(f.file)}: ` : '';
  const fix = f.fix ? `\n    ${io.c.dim(`fix: ${f.fix}`)}` : '';
  return `  ${tag.padEnd(io.color ? 21 : 11)} ${where}${f.message}${fix}`;
}

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
