/** The filters `query` and `timeline` share, read from their flags. */
import { parseDateRange } from '../core/dates.js';
import { RemembrancerError } from '../core/errors.js';
import type { SearchFilters } from '../core/search/index.js';
import type { OpenedIndex } from '../core/search/index.js';
import type { IO } from './io.js';
import { warnLeftOut } from './left-out.js';

export interface FilterFlags {
  type?: string | string[] | undefined;
  since?: string | undefined;
  until?: string | undefined;
  author?: string | undefined;
  component?: string | undefined;
}

/** Checks every flag before any work, so a typo exits 2 without touching the index. */
export async function readFilters(flags: FilterFlags): Promise<SearchFilters> {
  const filters: SearchFilters = { ...(await parseDateRange(flags.since, flags.until)) };
  const names = flags.type === undefined ? [] : [flags.type].flat();
  if (names.length > 0) {
    // The type names live beside the schemas; loaded only when a type is asked for.
    const [{ normalizeTypeName }, { isKnownType, MEMORY_TYPES }] = await Promise.all([
      import('../core/memory-types.js'),
      import('../core/schemas.js'),
    ]);
    filters.types = names.map((name) => {
      const type = normalizeTypeName(name);
      if (!isKnownType(type)) {
        throw new RemembrancerError('USAGE', `unknown memory type "${name}"`, {
          fix: `choose one of ${MEMORY_TYPES.join(', ')}`,
        });
      }
      return type;
    });
  }
  if (flags.author !== undefined) filters.author = flags.author;
  if (flags.component !== undefined) filters.component = flags.component;
  return filters;
}

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
