/**
 * How many terminal columns a text takes, as string-width counts them, without loading
 * string-width for the texts a terminal mostly shows. Loading it builds its emoji patterns
 * (~20 ms) and their first use compiles them (~25 ms more): a cost the pre-commit hook and
 * the TUI's first frame should not pay for ASCII, accented Latin, Greek, Cyrillic, arrows,
 * box drawing and the other symbols below.
 *
 * Every code point in NARROW is one column wide and a grapheme of its own (no combining
 * mark, joiner, variation selector or emoji presentation among them), so a text made of
 * them takes one column per code unit. test/unit/text-width.test.ts checks each against
 * string-width and Intl.Segmenter. Anything else goes to string-width itself, loaded on
 * first need. The TUI's bundle hands this function to Ink in place of string-width.
 */
import { createRequire } from 'node:module';
import { stripVTControlCharacters } from 'node:util';

export const NARROW_RANGES =
  '\\x20-\\x7e\\u00a0-\\u00ac\\u00ae-\\u02ff\\u0370-\\u0377\\u037a-\\u037f' +
  '\\u0384-\\u038a\\u038c\\u038e-\\u03a1\\u03a3-\\u0482\\u048a-\\u04ff\\u2010-\\u2027' +
  '\\u202f-\\u205e\\u2070-\\u2071\\u2074-\\u208e\\u2090-\\u209c\\u20a0-\\u20bf' +
  '\\u2100-\\u218b\\u2190-\\u2319\\u231c-\\u2328\\u232b-\\u23e8\\u23ed-\\u23ef' +
  '\\u23f1-\\u23f2\\u23f4-\\u23ff\\u2460-\\u25fc\\u25ff-\\u2613\\u2616-\\u262f' +
  '\\u2638-\\u2647\\u2654-\\u267e\\u2680-\\u2689\\u2690-\\u2692\\u2694-\\u26a0' +
  '\\u26a2-\\u26a9\\u26ac-\\u26bc\\u26bf-\\u26c3\\u26c6-\\u26cd\\u26cf-\\u26d3' +
  '\\u26d5-\\u26e9\\u26eb-\\u26f1\\u26f4\\u26f6-\\u26f9\\u26fb-\\u26fc\\u26fe-\\u2704' +
  '\\u2706-\\u2709\\u270c-\\u2727\\u2729-\\u274b\\u274d\\u274f-\\u2752\\u2756' +
  '\\u2758-\\u2794\\u2798-\\u27af\\u27b1-\\u27be\\u27c0-\\u2b1a\\u2b1d-\\u2b4f' +
  '\\u2b51-\\u2b54\\u2b56-\\u2b73\\u2b76-\\u2bff';
const NARROW = new RegExp(`^[${NARROW_RANGES}]*$`);

interface WidthOptions {
  ambiguousIsNarrow?: boolean;
  countAnsiEscapeCodes?: boolean;
}
type Measure = (text: string, options?: WidthOptions) => number;
let measure: Measure | undefined;

function load(): Measure {
  try {
    // Node 20.19+ loads an ES module through require, synchronously.
    const m = createRequire(import.meta.url)('string-width') as Measure | { default: Measure };
    return typeof m === 'function' ? m : m.default;
  } catch {
    return (text) => [...text].length; // an older Node: count code points
  }
}

export function textWidth(text: string, options?: WidthOptions): number {
  if (typeof text !== 'string' || text.length === 0) return 0;
  if (options?.ambiguousIsNarrow !== false && options?.countAnsiEscapeCodes !== true) {
    const plain =
      text.includes('\x1b') || text.includes('\x9b') ? stripVTControlCharacters(text) : text;
    if (NARROW.test(plain)) return plain.length;
  }
  measure ??= load();
  return measure(text, options);
}

export default textWidth;
