/** The flags `query` and `timeline` share beyond their filters (search/filters.ts). */
import { RemembrancerError } from '../ground/errors.js';
import type { OpenedIndex } from '../search/index.js';
import type { IO } from '../present/io.js';
import { warnLeftOut } from './left-out.js';

export function readLimit(
  limit: number | undefined,
  fallback: number | undefined,
): number | undefined {
  if (limit === undefined) return fallback;
  if (!Number.isInteger(limit) || limit < 1) {
    throw new RemembrancerError(
      'USAGE',
      `--limit ${String(limit)} is not a positive whole number`,
      {
        fix: 'give --limit a number such as 20',
      },
    );
  }
  return limit;
}

/** The note and warnings of opening the index: what a person should know, on stderr. */
export function buildNote(io: IO): () => void {
  return () => {
    if (io.isStderrTTY) io.note('building the search index (once; kept in .git/remembrancer/)…');
  };
}

export function warnProblems(io: IO, opened: OpenedIndex): void {
  warnLeftOut(io, opened.problems);
}
