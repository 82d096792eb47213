/**
 * Reading the dates people type after --since and --until: ISO dates and times
 * (`2026-01-31`, `2026-01`, `2026-01-31T08:00Z`) read exactly, and phrases (`2 weeks ago`,
 * `yesterday`, `last monday`) read by chrono-node relative to now. Everything is UTC, as
 * memories' `created` times and the timeline's day headings are.
 */
import { RemembrancerError } from './errors.js';

/** Which end of a range a date bounds: a day given to --since starts it, to --until ends it. */
export type DateEdge = 'start' | 'end';

export interface DateRange {
  since?: Date | undefined;
  until?: Date | undefined;
}

const DAY_MS = 86_400_000;

const ISO_YEAR = /^(\d{4})$/;
const ISO_MONTH = /^(\d{4})-(\d{2})$/;
const ISO_DAY = /^(\d{4})-(\d{2})-(\d{2})$/;
const ISO_TIME =
  /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?(Z|[+-]\d{2}:?\d{2})?$/i;

function usage(flag: string, input: string, why: string): RemembrancerError {
  return new RemembrancerError('USAGE', `${flag} "${input}": ${why}`, {
    fix: 'give an ISO date or time (2026-01-31, 2026-01-31T08:00Z) or a phrase such as "2 weeks ago" or "yesterday"',
  });
}

/** A calendar day in UTC, or undefined where it does not exist (2026-02-30). */
function utcDay(year: number, month: number, day: number): number | undefined {
  const ms = Date.UTC(year, month - 1, day);
  const d = new Date(ms);
  return d.getUTCFullYear() === year && d.getUTCMonth() === month - 1 && d.getUTCDate() === day
    ? ms
    : undefined;
}

/** The last second of the span [startMs, endMs): `created` has one-second precision. */
function lastSecond(endMs: number): Date {
  return new Date(endMs - 1000);
}

function parseIso(text: string, edge: DateEdge): Date | undefined | 'invalid' {
  let m = ISO_DAY.exec(text);
  if (m) {
    const start = utcDay(Number(m[1]), Number(m[2]), Number(m[3]));
    if (start === undefined) return 'invalid';
    return edge === 'start' ? new Date(start) : lastSecond(start + DAY_MS);
  }
  m = ISO_MONTH.exec(text);
  if (m) {
    const year = Number(m[1]);
    const month = Number(m[2]);
    if (month < 1 || month > 12) return 'invalid';
    return edge === 'start'
      ? new Date(Date.UTC(year, month - 1, 1))
      : lastSecond(Date.UTC(year, month, 1));
  }
  m = ISO_YEAR.exec(text);
  if (m) {
    const year = Number(m[1]);
    return edge === 'start' ? new Date(Date.UTC(year, 0, 1)) : lastSecond(Date.UTC(year + 1, 0, 1));
  }
  m = ISO_TIME.exec(text);
  if (m) {
    const [, y, mo, d, h, mi, s, , zone] = m as unknown as string[];
    if (utcDay(Number(y), Number(mo), Number(d)) === undefined) return 'invalid';
    if (Number(h) > 23 || Number(mi) > 59 || Number(s ?? 0) > 59) return 'invalid';
    // A time without a zone is UTC, like every time Remembrancer writes.
    const normalized = `${text.replace(' ', 'T')}${zone ? '' : 'Z'}`;
    const ms = Date.parse(normalized);
    return Number.isNaN(ms) ? 'invalid' : new Date(ms);
  }
  return undefined;
}

/**
 * Reads one date. `flag` names the option in messages. A day (an ISO date, or a phrase
 * that names no time of day such as "yesterday" or "2 weeks ago") covers the whole UTC
 * day: it starts a --since range at 00:00:00 and ends an --until range at 23:59:59.
 */
export async function parseDate(
  input: string,
  options: { edge: DateEdge; now?: Date; flag?: string },
): Promise<Date> {
  const flag = options.flag ?? (options.edge === 'start' ? '--since' : '--until');
  const text = input.trim();
  if (text === '') throw usage(flag, input, 'is empty');
  const iso = parseIso(text, options.edge);
  if (iso === 'invalid') throw usage(flag, input, 'is not a real date or time');
  if (iso) return iso;
  if (/^\d/.test(text) && /^[\d\-:.TZ+ ]+$/i.test(text)) {
    throw usage(flag, input, 'is not an ISO date (YYYY-MM-DD) or time');
  }
  // chrono-node is loaded only for phrases: its English parsers take ~30 ms to load.
  const chrono = await import('chrono-node/en');
  const now = options.now ?? new Date();
  const results = chrono.parse(text, { instant: now, timezone: 'UTC' }, { forwardDate: false });
  const first = results[0];
  // The phrase must be a date and nothing else: "2 weeks ago please" is a typo, not a date.
  if (results.length !== 1 || !first || first.index !== 0 || first.text.length !== text.length) {
    throw usage(flag, input, 'is not a date');
  }
  const date = first.start.date();
  if (first.start.isCertain('hour')) return date;
  const day = Date.UTC(date.getUTCFullYear(), date.getUTCMonth(), date.getUTCDate());
  return options.edge === 'start' ? new Date(day) : lastSecond(day + DAY_MS);
}

/** Reads --since and --until together and checks that they make a range. */
export async function parseDateRange(
  since: string | undefined,
  until: string | undefined,
  now: Date = new Date(),
): Promise<DateRange> {
  const range: DateRange = {
    since: since === undefined ? undefined : await parseDate(since, { edge: 'start', now }),
    until: until === undefined ? undefined : await parseDate(until, { edge: 'end', now }),
  };
  if (range.since && range.until && range.since > range.until) {
    throw new RemembrancerError(
      'USAGE',
      `--since ${range.since.toISOString()} is after --until ${range.until.toISOString()}`,
      { fix: 'swap the two dates' },
    );
  }
  return range;
}

/** Seconds-precision UTC time in the form memory schemas accept: 2026-11-25T08:00:00Z. */
export function isoSeconds(date: Date): string {
  return date.toISOString().replace(/\.\d{3}Z$/, 'Z');
}
