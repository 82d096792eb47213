/**
 * The snippet beside a search result: a short excerpt of the field that matched, around
 * the first matched word, with the matched words located so that a terminal can mark them
 * and JSON can name them.
 */
import { tokensWithPositions, type Field } from './engine.js';

export interface Snippet {
  /** Plain text, at most about `width` characters, with "…" where it was cut. */
  text: string;
  /** [start, end) character ranges of matched words in `text`. */
  marks: [number, number][];
  /** The field the excerpt comes from. */
  field: Field;
}

/**
 * Where a snippet is taken from when several fields matched: the body first, because the
 * title is printed beside the snippet anyway and the body says more around the match.
 */
const PREFERENCE: Field[] = ['body', 'notes', 'title', 'tags'];

/** How many characters of context to keep before the first match. */
const LEAD = 30;

/**
 * `texts` are the memory's indexed fields; `match` is MiniSearch's match information: each
 * matched document term and the fields it was found in.
 */
export function makeSnippet(
  texts: Record<Field, string>,
  match: Record<string, string[]>,
  width = 100,
): Snippet {
  const terms = new Set(Object.keys(match));
  const fields = new Set(Object.values(match).flat());
  const field = PREFERENCE.find((f) => fields.has(f) && texts[f].trim() !== '') ?? 'title';
  const text = texts[field].replace(/\s+/g, ' ').trim();
  const found = tokensWithPositions(text).filter((t) => t.terms.some((term) => terms.has(term)));
  const first = found[0];
  let start = 0;
  if (first && first.end > width - 10) {
    start = Math.max(0, first.start - LEAD);
    // Start at a word, not in the middle of one.
    const space = text.indexOf(' ', start);
    if (space !== -1 && space < first.start) start = space + 1;
  }
  let end = Math.min(text.length, start + width);
  if (end < text.length) {
    const space = text.lastIndexOf(' ', end);
    if (space > (first?.end ?? start)) end = space;
  }
  const lead = start > 0 ? '…' : '';
  const tail = end < text.length ? '…' : '';
  const shift = lead.length - start;
  return {
    text: lead + text.slice(start, end) + tail,
    marks: found
      .filter((t) => t.start >= start && t.end <= end)
      .map((t): [number, number] => [t.start + shift, t.end + shift]),
    field,
  };
}
