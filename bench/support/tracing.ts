// The `--tracing off|on|both` option of the rooms and cross-node scenarios: the traced side exports
// its spans over OTLP/HTTP JSON to a local sink the bench starts (bench/support/otlp-sink.ts),
// sampling 10 % of the traces at their root (parent-based), as a production node would.
import { OtlpSink } from './otlp-sink.js';
import type { OptionSpec } from './scenario.js';

export const TRACING_SAMPLE_RATIO = 0.1;
/** Goal: tracing at 10 % costs at most this share of the deliveries per CPU-second. */
export const TRACING_MAX_COST = 0.1;

export const TRACING_OPTION: OptionSpec = {
  kind: 'choice',
  default: 'off',
  choices: ['off', 'on', 'both'],
  description: `OTLP tracing of the runtime (${TRACING_SAMPLE_RATIO * 100} % sampled, to a local sink): on traces every run of ours, both runs ours traced and untraced in the same run (goal: <= ${TRACING_MAX_COST * 100} % fewer deliveries per CPU-second)`,
};

/** The environment of a traced process: traces only (the metrics export stays off). */
export function tracingEnv(sink: OtlpSink): NodeJS.ProcessEnv {
  return {
    OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: `${sink.url}/v1/traces`,
    OTEL_TRACES_SAMPLER: 'parentbased_traceidratio',
    OTEL_TRACES_SAMPLER_ARG: String(TRACING_SAMPLE_RATIO),
  };
}

/** A sink that only counts (a long run keeps nothing). */
export function startTracingSink(): Promise<OtlpSink> {
  return OtlpSink.start({ keep: 0 });
}

export interface TracingFigures {
  readonly sampleRatio: number;
  readonly untracedPerCpuSec: number;
  readonly tracedPerCpuSec: number;
  /** traced / untraced, same run. */
  readonly ratio: number;
  readonly spansReceived: number;
  readonly goalMet: boolean;
}

export function tracingFigures(untracedPerCpuSec: number, tracedPerCpuSec: number, spansReceived: number): TracingFigures {
  const ratio = untracedPerCpuSec > 0 ? Math.round((tracedPerCpuSec / untracedPerCpuSec) * 1000) / 1000 : 0;
  return { sampleRatio: TRACING_SAMPLE_RATIO, untracedPerCpuSec, tracedPerCpuSec, ratio, spansReceived, goalMet: ratio >= 1 - TRACING_MAX_COST };
}
