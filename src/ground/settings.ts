/**
 * Settings read from the environment. A value that is set but is not what the setting takes
 * is refused with its name and the fix, never read as NaN (a deadline that never comes).
 */
import { printable, RemembrancerError } from './errors.js';

/**
 * A whole number of milliseconds from `env[name]`, or `fallback` when unset or empty.
 * `zero` allows 0 (for a lock: do not wait at all).
 */
export function millisecondsFrom(
  env: NodeJS.ProcessEnv,
  name: string,
  fallback: number,
  { zero = false }: { zero?: boolean } = {},
): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const ms = Number(raw);
  if (!/^\d+$/.test(raw.trim()) || !Number.isSafeInteger(ms) || (ms === 0 && !zero)) {
    throw new RemembrancerError(
      'USAGE',
      `${name} is ${JSON.stringify(printable(raw, 40))}, not a number of milliseconds`,
      { fix: 'set it to a whole number of milliseconds (60000 is a minute), or unset it' },
    );
  }
  return ms;
}
