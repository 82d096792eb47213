/** Turning memories and findings into lines for a terminal. */
import type { Finding } from '../policy/covenant.js';
import { printablePath } from '../ground/paths.js';
import type { SignatureStatus } from '../proof/provenance.js';
import type { IO } from '../present/io.js';

export function shortId(id: string): string {
  return id.slice(0, 12);
}

/** "2026-11-25 08:00" from an ISO time, in UTC so that everyone reads the same. */
export function shortTime(iso: string): string {
  return iso.replace('T', ' ').replace(/:\d\dZ$/, '');
}

export { memoryListItem } from '../present/shapes.js';

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
