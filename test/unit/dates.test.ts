/**
 * --since and --until (src/ground/dates.ts): ISO dates read exactly, phrases read by
 * chrono-node relative to a fixed now, days widened to whole UTC days, and anything else
 * refused as a usage error (exit 2) with a fix.
 */
import { describe, expect, it } from 'vitest';
import { parseDate, parseDateRange } from '../../src/ground/dates.js';
import { RemembrancerError } from '../../src/ground/errors.js';

const NOW = new Date('2026-03-11T15:42:10Z'); // a Wednesday

const since = (text: string) => parseDate(text, { edge: 'start', now: NOW });
const until = (text: string) => parseDate(text, { edge: 'end', now: NOW });
const iso = (d: Date) => d.toISOString().replace('.000Z', 'Z');

async function refusal(
  promise: Promise<unknown>,
  fix: RegExp = /ISO date/,
): Promise<RemembrancerError> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(RemembrancerError);
  const r = err as RemembrancerError;
  expect(r.code).toBe('USAGE');
  expect(r.exitCode).toBe(2);
  expect(r.fix).toMatch(fix);
  return r;
}

describe('ISO dates', () => {
  it('reads a day as the whole UTC day', async () => {
    expect(iso(await since('2026-01-31'))).toBe('2026-01-31T00:00:00Z');
    expect(iso(await until('2026-01-31'))).toBe('2026-01-31T23:59:59Z');
  });

  it('reads months and years as whole spans', async () => {
    expect(iso(await since('2026-02'))).toBe('2026-02-01T00:00:00Z');
    expect(iso(await until('2026-02'))).toBe('2026-02-28T23:59:59Z');
    expect(iso(await until('2024-02'))).toBe('2024-02-29T23:59:59Z');
    expect(iso(await since('2025'))).toBe('2025-01-01T00:00:00Z');
    expect(iso(await until('2025'))).toBe('2025-12-31T23:59:59Z');
  });

  it('reads times exactly, UTC unless a zone is given', async () => {
    expect(iso(await since('2026-01-31T08:15:00Z'))).toBe('2026-01-31T08:15:00Z');
    expect(iso(await until('2026-01-31T08:15'))).toBe('2026-01-31T08:15:00Z');
    expect(iso(await since('2026-01-31 08:15:30'))).toBe('2026-01-31T08:15:30Z');
    expect(iso(await since('2026-01-31T08:15:00+02:00'))).toBe('2026-01-31T06:15:00Z');
  });

  it('refuses days and times that do not exist', async () => {
    await refusal(since('2026-02-30'));
    await refusal(since('2026-13'));
    await refusal(since('2026-01-31T25:00Z'));
    await refusal(since('2026-1-5'));
    const err = await refusal(until('2025-02-29'));
    expect(err.message).toContain('--until "2025-02-29"');
  });
});

describe('phrases', () => {
  it('reads relative days as whole UTC days', async () => {
    expect(iso(await since('2 weeks ago'))).toBe('2026-02-25T00:00:00Z');
    expect(iso(await since('yesterday'))).toBe('2026-03-10T00:00:00Z');
    expect(iso(await until('yesterday'))).toBe('2026-03-10T23:59:59Z');
    expect(iso(await since('today'))).toBe('2026-03-11T00:00:00Z');
    expect(iso(await since('3 days ago'))).toBe('2026-03-08T00:00:00Z');
    expect(iso(await since('last monday'))).toBe('2026-03-09T00:00:00Z');
    expect(iso(await since('March 1'))).toBe('2026-03-01T00:00:00Z');
  });

  it('keeps a phrase that names a time of day exact', async () => {
    expect(iso(await since('5 minutes ago'))).toBe('2026-03-11T15:37:10Z');
    expect(iso(await since('2 hours ago'))).toBe('2026-03-11T13:42:10Z');
  });

  it('refuses what is not a date, or not only a date', async () => {
    await refusal(since('banana'));
    await refusal(since('2 weeks ago please'));
    await refusal(since('   '));
    await refusal(until('next blursday'));
  });
});

describe('ranges', () => {
  it('reads both ends and refuses one that ends before it starts', async () => {
    const range = await parseDateRange('2026-01-01', '2026-01-31', NOW);
    expect(range.since && iso(range.since)).toBe('2026-01-01T00:00:00Z');
    expect(range.until && iso(range.until)).toBe('2026-01-31T23:59:59Z');
    expect(await parseDateRange(undefined, undefined, NOW)).toEqual({
      since: undefined,
      until: undefined,
    });
    // The same day at both ends is that whole day.
    const day = await parseDateRange('yesterday', 'yesterday', NOW);
    expect(day.until!.getTime() - day.since!.getTime()).toBe(86_399_000);
    const err = await refusal(parseDateRange('2026-02-01', '2026-01-01', NOW), /swap/);
    expect(err.message).toMatch(/after --until/);
  });
});
