/**
 * How many terminal columns a text takes. Plain ASCII is its length; anything else goes to
 * string-width, loaded on first need: loading it builds ansi-regex's patterns (~35 ms),
 * which commands that print no wide text (the pre-commit hook) should not pay for.
 */
import { createRequire } from 'node:module';

const PLAIN = /^[\x20-\x7e]*$/;
let measure: ((text: string) => number) | undefined;

function load(): (text: string) => number {
  try {
    // Node 20.19+ loads an ES module through require, synchronously.
    const m = createRequire(import.meta.url)('string-width') as
      ((text: string) => number) | { default: (text: string) => number };
    return typeof m === 'function' ? m : m.default;
  } catch {
    return (text) => [...text].length; // an older Node: count code points
  }
}

export function textWidth(text: string): number {
  if (PLAIN.test(text)) return text.length;
  measure ??= load();
  return measure(text);
}
