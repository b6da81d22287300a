// The option guards every factory of the server shares: each throws InvalidOptionError
// (GLASS_ERR_INVALID_OPTION) naming the option, so that a wrong option fails where it is given,
// with one wording, rather than at the first outage. A leaf: worker-safe.
import { InvalidOptionError } from './errors.js';

/** The longest delay setTimeout keeps (a larger one fires at once). */
export const MAX_TIMER_MS = 2 ** 31 - 1;

/** `value` if it is a (non-null) object; `expectation` names what is refused. */
export function objectOption<T extends object>(name: string, value: T, expectation = 'an object'): T {
  if (value === null || typeof value !== 'object') throw new InvalidOptionError(name, expectation, value);
  return value;
}

/** An integer from `min` to `max` (both included). */
export function integerOption(name: string, value: unknown, min: number, max: number, expectation = `an integer from ${min} to ${max}`): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw new InvalidOptionError(name, expectation, value);
  }
  return value;
}

/** A safe integer of at least 1: counts and sizes. */
export function positiveIntegerOption(name: string, value: unknown): number {
  return integerOption(name, value, 1, Number.MAX_SAFE_INTEGER, 'a positive integer');
}

/** A finite number above 0 (or of at least 0 with `zeroAllowed`): durations that need not be whole. */
export function durationOption(name: string, value: unknown, zeroAllowed = false, expectation = 'a positive number of milliseconds'): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0 || (value === 0 && !zeroAllowed)) {
    throw new InvalidOptionError(name, expectation, value);
  }
  return value;
}

/** A string `pattern` matches in full (the pattern says so with ^…$). */
export function stringOption(name: string, value: unknown, pattern: RegExp, expectation: string, shown: unknown = value): string {
  if (typeof value !== 'string' || !pattern.test(value)) throw new InvalidOptionError(name, expectation, shown);
  return value;
}

/** Any string but the empty one. */
export function nonEmptyStringOption(name: string, value: unknown, shown: unknown = value): string {
  if (typeof value !== 'string' || value === '') throw new InvalidOptionError(name, 'a non-empty string', shown);
  return value;
}

/**
 * A URL whose scheme is one of `protocols` (as URL spells them: "http:"). `shown` is what the error
 * prints instead of the value: a URL may carry a password.
 */
export function urlOption(name: string, value: unknown, protocols: readonly string[], expectation: string, shown: unknown): URL {
  let parsed: URL | undefined;
  try {
    parsed = typeof value === 'string' ? new URL(value) : undefined;
  } catch {
    parsed = undefined;
  }
  if (parsed === undefined || !protocols.includes(parsed.protocol)) throw new InvalidOptionError(name, expectation, shown);
  return parsed;
}

/** `value` unless it is below `least`, the value of the option `leastName` (named in the error). */
export function atLeastOption(name: string, value: number, leastName: string, least: number): number {
  if (value < least) throw new InvalidOptionError(name, `at least ${leastName} (${least})`, value);
  return value;
}
