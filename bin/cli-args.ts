// What every glass command does with its arguments: one parse (node:util parseArgs, strict), and
// the checks shared by several commands. A mistake is a UsageError: one line, exit code 2.
import { parseArgs, type ParseArgsConfig } from 'node:util';

/** A mistake in how glass was invoked: reported in one line, exit code 2. */
export class UsageError extends Error {}

/** parseArgs, strict, its refusals as UsageErrors. */
export function parseCommandArgs<O extends NonNullable<ParseArgsConfig['options']>, P extends boolean = false>(args: string[], options: O, allowPositionals?: P) {
  try {
    return parseArgs({ args, strict: true, allowPositionals: allowPositionals ?? false, options });
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
}

/** An integer option from min to max; undefined when absent or empty. */
export function integerArg(name: string, raw: string | undefined, min: number, max: number): number | undefined {
  if (raw === undefined || raw === '') return undefined;
  const value = Number(raw);
  if (!/^\d+$/.test(raw.trim()) || !Number.isSafeInteger(value) || value < min || value > max) {
    throw new UsageError(`${name} must be an integer from ${min} to ${max} (received ${JSON.stringify(raw)})`);
  }
  return value;
}
