/** Finding memories through the search index: ranked search, and every id page by page. */
import { z } from 'zod';
import { dateText, heading, typeName } from '../schemas.js';
import type { RemembrancerError } from '../../ground/errors.js';
import { defineTool } from '../tool.js';

/** Memory files left out because they do not verify, as `list` names them. */
const invalidList = z
  .array(
    z.object({
      file: z.string().nullable(),
      problem: z.string(),
      fix: z.string().nullable(),
    }),
  )
  .describe('memory files left out because they do not verify: which, why, and the fix');

function invalidItem(p: RemembrancerError) {
  return { file: p.file ?? null, problem: p.message, fix: p.fix ?? null };
}

export const searchMemories = defineTool({
  name: 'search_memories',
  title: 'Search memories',
  description:
    'Ranked full-text search over every memory (decisions, ADRs, deploy receipts, seals), best match first. Prefixes and small typos match. Each result has a snippet; read one in full with get_memory.',
  input: {
    query: z.string().trim().min(1).describe('words to look for'),
    type: typeName.optional(),
    since: dateText.optional().describe('only memories created on or after this date'),
    until: dateText.optional().describe('only memories created on or before this date'),
    author: z.string().optional().describe("part of the author's name, any case"),
    component: z.string().optional().describe('only deploy receipts of this component'),
    limit: z.number().int().min(1).max(200).default(20),
  },
  output: {
    total: z.number().int().describe('how many memories match, before the limit'),
    invalidFiles: z.number().int().describe('memory files left out because they are invalid'),
    invalid: invalidList,
    results: z.array(
      z.looseObject({
        ...heading,
        snippet: z.string(),
        score: z.number(),
        terms: z.array(z.string()).describe('the indexed words that matched'),
      }),
    ),
  },
  run: async (args, ctx) => {
    const [{ readFilters }, { searchIndex, withSearchIndex }, { queryItem }] = await Promise.all([
      import('../../search/filters.js'),
      import('../../search/index.js'),
      import('../../present/shapes.js'),
    ]);
    const filters = await readFilters(args);
    const { result, opened } = await withSearchIndex(ctx.repo, (file, check) =>
      searchIndex(file, args.query, filters, args.limit, check),
    );
    return {
      total: result.total,
      invalidFiles: opened.problems.length,
      invalid: opened.problems.map(invalidItem),
      results: result.hits.map(queryItem),
    };
  },
});

export const listMemoryIds = defineTool({
  name: 'list_memory_ids',
  title: 'List memory ids',
  description:
    'Every memory, newest first, a page at a time: id, type, time, author and title. Filter by type and dates; pass nextOffset back as offset for the next page.',
  input: {
    type: typeName.optional(),
    since: dateText.optional().describe('only memories created on or after this date'),
    until: dateText.optional().describe('only memories created on or before this date'),
    offset: z.number().int().min(0).default(0),
    limit: z.number().int().min(1).max(1000).default(100),
  },
  output: {
    total: z.number().int(),
    offset: z.number().int(),
    nextOffset: z
      .number()
      .int()
      .nullable()
      .describe('the offset of the next page; null at the end'),
    memories: z.array(z.looseObject(heading)),
    invalid: invalidList,
  },
  run: async (args, ctx) => {
    const [{ readFilters }, { timeline, withSearchIndex }, { timelineItem }] = await Promise.all([
      import('../../search/filters.js'),
      import('../../search/index.js'),
      import('../../present/shapes.js'),
    ]);
    const filters = await readFilters(args);
    const { result: days, opened } = await withSearchIndex(ctx.repo, (file, check) =>
      timeline(file, filters, { check }),
    );
    const all = days.flatMap((d) => d.memories);
    const page = all.slice(args.offset, args.offset + args.limit);
    const next = args.offset + page.length;
    return {
      total: all.length,
      offset: args.offset,
      nextOffset: next < all.length ? next : null,
      memories: page.map(timelineItem),
      invalid: opened.problems.map(invalidItem),
    };
  },
});
