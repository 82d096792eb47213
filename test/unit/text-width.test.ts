import fc from 'fast-check';
import stringWidth from 'string-width';
import { describe, expect, it } from 'vitest';
import { NARROW_RANGES, textWidth } from '../../src/present/text-width.js';

/** Every code point the fast path counts as one column, from the ranges it is given. */
function narrowCodePoints(): number[] {
  const points: number[] = [];
  for (const [, from, to] of NARROW_RANGES.matchAll(/\\[xu]([0-9a-f]+)(?:-\\[xu]([0-9a-f]+))?/g)) {
    const first = parseInt(from!, 16);
    const last = to === undefined ? first : parseInt(to, 16);
    for (let c = first; c <= last; c++) points.push(c);
  }
  return points;
}

describe('textWidth', () => {
  const narrow = narrowCodePoints();
  const segmenter = new Intl.Segmenter();

  it('counts each fast-path character as string-width does: one column, a grapheme of its own', () => {
    expect(narrow.length).toBeGreaterThan(3000);
    const wrong: string[] = [];
    for (const c of narrow) {
      const ch = String.fromCodePoint(c);
      const alone = [...segmenter.segment(`a${ch}b`)].length === 3;
      const twice = [...segmenter.segment(ch + ch)].length === 2;
      if (stringWidth(ch) !== 1 || !alone || !twice) wrong.push(c.toString(16));
    }
    expect(wrong).toEqual([]);
  });

  it('agrees with string-width on text mixing fast-path characters, colour codes and anything else', () => {
    const others = [
      '😀',
      '👍🏽',
      '🇩🇪',
      '#️⃣',
      '漢字',
      'e\u0301',
      '\u200d',
      '\u00ad',
      'ｱ',
      '한국',
      '\t',
      '\x1b[31m',
      '\x1b[0m',
      '\u2028',
    ];
    const piece = fc.oneof(
      fc.constantFrom(...narrow).map((c) => String.fromCodePoint(c)),
      fc.constantFrom(...others),
    );
    fc.assert(
      fc.property(fc.array(piece, { maxLength: 12 }), (pieces) => {
        const text = pieces.join('');
        expect(textWidth(text)).toBe(stringWidth(text));
      }),
      { numRuns: 3000 },
    );
  });

  it('passes the options string-width takes on to it', () => {
    expect(textWidth('\x1b[31mab\x1b[0m')).toBe(2);
    expect(textWidth('\x1b[31mab\x1b[0m', { countAnsiEscapeCodes: true })).toBe(
      stringWidth('\x1b[31mab\x1b[0m', { countAnsiEscapeCodes: true }),
    );
    expect(textWidth('±§', { ambiguousIsNarrow: false })).toBe(
      stringWidth('±§', { ambiguousIsNarrow: false }),
    );
    expect(textWidth('')).toBe(0);
  });
});
