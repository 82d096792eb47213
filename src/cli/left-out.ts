/**
 * The warning of every command that leaves out memory files that do not verify (list,
 * query, timeline): one line per file, naming it, what is wrong and the fix, so that the
 * commands say the same about the same file.
 */
import type { RemembrancerError } from '../ground/errors.js';
import { printablePath } from '../ground/paths.js';
import type { IO } from '../present/io.js';

/** Files named one by one; beyond them, one line counts the rest. */
const NAMED = 5;

export function warnLeftOut(io: IO, problems: readonly RemembrancerError[]): void {
  const lines = new Set<string>();
  const sorted = [...problems].sort((a, b) => ((a.file ?? '') < (b.file ?? '') ? -1 : 1));
  for (const p of sorted) {
    const fix = p.fix ? ` (fix: ${p.fix})` : '';
    lines.add(`left out ${p.file ? printablePath(p.file) : 'a memory file'}: ${p.message}${fix}`);
  }
  const named = [...lines];
  for (const line of named.slice(0, NAMED)) io.warn(line);
  if (named.length > NAMED) {
    io.warn(
      `${named.length - NAMED} more invalid memory file(s) left out; run \`remembrancer covenant\` for details`,
    );
  }
}
