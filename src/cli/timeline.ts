import { timeline, withSearchIndex } from '../search/index.js';
import { timelineItem } from '../present/shapes.js';
import { openRepository, type GlobalOptions } from './context.js';
import type { IO } from '../present/io.js';
import { shortId } from './render.js';
import { readFilters, type FilterFlags } from '../search/filters.js';
import { buildNote, warnProblems } from './search-options.js';

export interface TimelineOptions extends GlobalOptions, FilterFlags {
  json: boolean;
}

export async function run(options: TimelineOptions, io: IO): Promise<number> {
  const filters = await readFilters(options);
  const repo = openRepository(options);
  const { result: days, opened } = await withSearchIndex(
    repo,
    (file, check) => timeline(file, filters, { check }),
    { onBuild: buildNote(io) },
  );
  warnProblems(io, opened);
  if (options.json) {
    io.json(days.map((d) => ({ day: d.day, memories: d.memories.map(timelineItem) })));
    return 0;
  }
  if (days.length === 0) {
    const filtered = Object.values(filters).some((v) => v !== undefined);
    io.out(filtered ? 'no memories match' : 'no memories yet');
    return 0;
  }
  const width = Math.max(...days.flatMap((d) => d.memories.map((m) => m.type.length)));
  days.forEach((day, i) => {
    if (i > 0) io.out();
    io.out(io.c.bold(day.day));
    for (const m of day.memories) {
      io.out(
        `  ${io.c.dim(m.created.slice(11, 16))}  ${m.type.padEnd(width)}  ${io.c.cyan(shortId(m.id))}  ${m.title}`,
      );
    }
  });
  return 0;
}
