import { describe, expect, it } from 'vitest';
import stringWidth from 'string-width';
import { scrollOffset } from '../../src/tui/components/MemoryList.js';
import { age, fit } from '../../src/tui/format.js';

describe('tui list window', () => {
  it('keeps the cursor on screen and moves the window as little as possible', () => {
    // Moving down inside the window leaves it where it is.
    expect(scrollOffset(0, 5, 10, 100)).toBe(0);
    // Past the bottom, the window follows by exactly one row.
    expect(scrollOffset(0, 10, 10, 100)).toBe(1);
    // Above the top, the cursor becomes the first row.
    expect(scrollOffset(40, 35, 10, 100)).toBe(35);
    // A jump to the end shows the last full window, not a half-empty one.
    expect(scrollOffset(0, 99, 10, 100)).toBe(90);
    // A list shorter than the window never scrolls.
    expect(scrollOffset(3, 2, 10, 4)).toBe(0);
  });
});

describe('tui text', () => {
  const now = Date.parse('2026-11-25T12:00:00Z');
  it('says how long ago at a glance', () => {
    expect(age('2026-11-25T11:59:30Z', now)).toBe('30s');
    expect(age('2026-11-25T11:15:00Z', now)).toBe('45m');
    expect(age('2026-11-24T12:00:00Z', now)).toBe('24h');
    expect(age('2026-11-10T12:00:00Z', now)).toBe('15d');
    expect(age('2026-05-25T12:00:00Z', now)).toBe('6mo');
    expect(age('2023-11-25T12:00:00Z', now)).toBe('3y');
    // A clock behind the memory's never shows a negative age.
    expect(age('2026-11-25T12:05:00Z', now)).toBe('0s');
  });

  it('fits text to an exact width, wide characters included', () => {
    expect(fit('short', 8)).toBe('short   ');
    expect(fit('a much longer title', 8)).toBe('a much …');
    expect(stringWidth(fit('数据库迁移计划', 9))).toBe(9);
    expect(fit('two\nlines', 12)).toBe('two lines   ');
    expect(fit('anything', 0)).toBe('');
  });
});
