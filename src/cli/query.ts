import { textWidth } from '../present/text-width.js';
import { RemembrancerError } from '../ground/errors.js';
import { withSearchIndex, searchIndex, type SearchHit, type Snippet } from '../search/index.js';
import { openRepository, type GlobalOptions } from './context.js';
import { openPeerView } from '../federation/peer-view.js';
import type { IO } from '../present/io.js';
import { shortId } from './render.js';
import { queryItem } from '../present/shapes.js';
import { readFilters, type FilterFlags } from '../search/filters.js';
import { buildNote, readLimit, warnProblems } from './search-options.js';

export interface QueryOptions extends GlobalOptions, FilterFlags {
  text: string | string[];
  /** Search an external peer's fetched memories instead of ours. */
  peer?: string;
  limit?: number;
  json: boolean;
}

/** The snippet with its matched words in bold colour (plain where colour is off). */
function marked(io: IO, snippet: Snippet): string {
  let out = '';
  let at = 0;
  for (const [start, end] of snippet.marks) {
    out += snippet.text.slice(at, start) + io.c.bold(io.c.yellow(snippet.text.slice(start, end)));
    at = end;
  }
  return out + snippet.text.slice(at);
}

/** The snippet cut to `width` columns, keeping the marks that still fit. */
function fitSnippet(snippet: Snippet, width: number): Snippet {
  if (snippet.text.length <= width) return snippet;
  const end = Math.max(1, width - 1);
  return {
    ...snippet,
    text: snippet.text.slice(0, end) + '…',
    marks: snippet.marks.filter(([, e]) => e <= end),
  };
}

/**
 * In a terminal each result takes two lines: its columns, then the snippet indented below,
 * so that the snippet gets the whole width however long the title is. In a pipe, one
 * tab-separated line per result.
 */
function printHits(io: IO, hits: SearchHit[]): void {
  const rows = hits.map((hit, i) => [
    String(i + 1),
    shortId(hit.id),
    hit.type,
    hit.created.slice(0, 10),
    hit.title,
  ]);
  if (!io.isStdoutTTY) {
    rows.forEach((row, i) => io.out([...row, (hits[i] as SearchHit).snippet.text].join('\t')));
    return;
  }
  const columns = io.stdout.columns || 100;
  const widths = [0, 1, 2, 3].map((c) => Math.max(...rows.map((r) => textWidth(r[c] ?? ''))));
  const indent = (widths[0] as number) + 2;
  rows.forEach((row, i) => {
    const hit = hits[i] as SearchHit;
    const [rank, id, type, date, title] = row as [string, string, string, string, string];
    const lead = `${rank.padStart(widths[0] as number)}  ${id}  ${type.padEnd(widths[2] as number)}  ${date}  `;
    const room = Math.max(10, columns - textWidth(lead));
    const shown = textWidth(title) > room ? clip(title, room) : title;
    io.out(
      `${io.c.dim(rank.padStart(widths[0] as number))}  ${io.c.cyan(id)}  ${type.padEnd(widths[2] as number)}  ${io.c.dim(date)}  ${io.c.bold(shown)}`,
    );
    io.out(
      ' '.repeat(indent) + marked(io, fitSnippet(hit.snippet, Math.max(10, columns - indent))),
    );
  });
}

/** Cuts text to at most `width` columns, with an ellipsis. */
function clip(text: string, width: number): string {
  let cut = text;
  while (textWidth(cut) > width - 1) cut = cut.slice(0, -1);
  return cut + '…';
}

export async function run(options: QueryOptions, io: IO): Promise<number> {
  const text = [options.text].flat().join(' ').trim();
  if (text === '') {
    throw new RemembrancerError('USAGE', 'nothing to search for', {
      fix: 'give some words, e.g. `remembrancer query postgres`',
    });
  }
  const limit = readLimit(options.limit, 20) as number;
  const filters = await readFilters(options);
  const own = openRepository(options);
  const repo = options.peer ? await openPeerView(own, options.peer) : own;
  const { result, opened } = await withSearchIndex(
    repo,
    (file, check) => searchIndex(file, text, filters, limit, check),
    { onBuild: buildNote(io) },
  );
  warnProblems(io, opened);
  const { hits, total } = result;
  if (options.json) {
    io.json(hits.map(queryItem));
    return 0;
  }
  if (hits.length === 0) {
    io.out(`no memory matches "${text}"`);
    return 0;
  }
  printHits(io, hits);
  if (total > hits.length) {
    io.note(`${hits.length} of ${total} matches; --limit ${Math.min(total, limit * 5)} shows more`);
  }
  return 0;
}
