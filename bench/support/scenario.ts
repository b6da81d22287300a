import type { Progress } from './progress.js';
import type { ScenarioResult } from './report.js';

/** An option a scenario accepts: `--name value`, an integer (with a minimum) or one of a few words. */
export type OptionSpec =
  | { readonly kind: 'int'; readonly default: number; readonly min: number; readonly max?: number; readonly description: string }
  | { readonly kind: 'choice'; readonly default: string; readonly choices: readonly string[]; readonly description: string }
  /** `--name` alone: 1 when given, else 0. */
  | { readonly kind: 'flag'; readonly default: 0; readonly description: string };

export type OptionValues = Record<string, number | string>;

/** One benchmark: a name for the CLI, its options, and a run that measures ours and its baseline. */
export interface Scenario {
  readonly name: string;
  readonly summary: string;
  readonly options: Readonly<Record<string, OptionSpec>>;
  run(options: OptionValues, progress: Progress): Promise<ScenarioResult>;
}

/** Options every ratio scenario takes: rounds of each side (median taken) and warm-up rounds. */
export const ROUND_OPTIONS = {
  rounds: { kind: 'int', default: 5, min: 1, max: 101, description: 'measured rounds of each side, alternating; the median is reported' },
  warmup: { kind: 'int', default: 2, min: 0, max: 100, description: 'unmeasured rounds of each side first (JIT, activation)' },
} as const satisfies Record<string, OptionSpec>;

/**
 * Reads `--name value` pairs against a scenario's table: one guard per option, with a message that
 * names the option and what it takes. Options the scenario does not declare are refused.
 */
export function resolveOptions(scenario: Scenario, given: Readonly<Record<string, string | undefined>>): OptionValues {
  const out: OptionValues = {};
  for (const name of Object.keys(given)) {
    if (!(name in scenario.options)) {
      throw new TypeError(`--${name} is not an option of ${scenario.name} (it takes ${Object.keys(scenario.options).map((o) => `--${o}`).join(', ')})`);
    }
  }
  for (const [name, spec] of Object.entries(scenario.options)) {
    const raw = given[name];
    if (raw === undefined) {
      out[name] = spec.default;
    } else if (spec.kind === 'flag') {
      out[name] = 1;
    } else if (spec.kind === 'int') {
      const value = Number(raw.replace(/_/g, ''));
      const max = spec.max ?? Number.MAX_SAFE_INTEGER;
      if (!Number.isInteger(value) || value < spec.min || value > max) {
        throw new RangeError(`--${name} must be an integer from ${spec.min} to ${max} (received ${raw})`);
      }
      out[name] = value;
    } else {
      if (!spec.choices.includes(raw)) throw new RangeError(`--${name} must be one of ${spec.choices.join(', ')} (received ${raw})`);
      out[name] = raw;
    }
  }
  return out;
}

/** The `--help` lines of one scenario's options. */
export function describeOptions(options: Readonly<Record<string, OptionSpec>>): string[] {
  return Object.entries(options).map(([name, spec]) => {
    const value = spec.kind === 'int' ? '<n>' : spec.kind === 'flag' ? '' : `<${spec.choices.join('|')}>`;
    return `    --${name} ${value}`.padEnd(32) + `${spec.description} (default ${spec.default})`;
  });
}
