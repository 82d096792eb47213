/** The filters `query` and `timeline` take, from any front-end: checked before any work. */
import { parseDateRange } from '../ground/dates.js';
import { RemembrancerError } from '../ground/errors.js';
import type { SearchFilters } from './index.js';

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
      import('../memory/memory-types.js'),
      import('../memory/schemas.js'),
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
