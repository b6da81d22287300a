// What the OTEL_* environment asks of a node's telemetry, as plain data: the main thread reads it
// once and hands the traces part to every worker (a service's options), so a worker never reads the
// environment itself and no SDK is loaded anywhere when no endpoint is set. Worker-safe, no I/O.

/** The samplers of the OTel specification's OTEL_TRACES_SAMPLER. */
export const TRACE_SAMPLERS = ['always_on', 'always_off', 'traceidratio', 'parentbased_always_on', 'parentbased_always_off', 'parentbased_traceidratio'] as const;
export type TraceSamplerName = (typeof TRACE_SAMPLERS)[number];

export interface TraceExportConfig {
  /** The full OTLP/HTTP traces URL (…/v1/traces). */
  readonly url: string;
  readonly sampler: TraceSamplerName;
  /** The ratio of the ratio samplers (OTEL_TRACES_SAMPLER_ARG, default 1). */
  readonly ratio: number;
  /** OTEL_EXPORTER_OTLP_(TRACES_)HEADERS: sent to the collector, never put on a span. */
  readonly headers: Readonly<Record<string, string>>;
  /** Batch limits: a dead collector costs at most `maxQueueSize` spans per thread. */
  readonly maxQueueSize: number;
  readonly maxExportBatchSize: number;
  readonly scheduledDelayMs: number;
  readonly exportTimeoutMs: number;
}

export interface MetricExportConfig {
  /** The full OTLP/HTTP metrics URL (…/v1/metrics). */
  readonly url: string;
  readonly headers: Readonly<Record<string, string>>;
  /** OTEL_METRIC_EXPORT_INTERVAL (default 60 s). */
  readonly intervalMs: number;
  readonly exportTimeoutMs: number;
}

export interface TelemetryConfig {
  /** null: no traces leave the process (and no SDK is loaded for them). */
  readonly traces: TraceExportConfig | null;
  readonly metrics: MetricExportConfig | null;
}

export const TELEMETRY_OFF: TelemetryConfig = { traces: null, metrics: null };

/**
 * The telemetry `env` configures. Each signal's own endpoint (OTEL_EXPORTER_OTLP_TRACES_ENDPOINT,
 * used as is) wins over the general one (OTEL_EXPORTER_OTLP_ENDPOINT, + /v1/traces); neither set:
 * that signal is off. OTEL_SDK_DISABLED=true turns both off.
 */
export function telemetryConfigFromEnv(env: NodeJS.ProcessEnv): TelemetryConfig {
  if ((env.OTEL_SDK_DISABLED ?? '').trim().toLowerCase() === 'true') return TELEMETRY_OFF;
  const general = nonEmpty(env.OTEL_EXPORTER_OTLP_ENDPOINT);
  const tracesUrl = nonEmpty(env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT) ?? (general === undefined ? undefined : signalUrl(general, 'v1/traces'));
  const metricsUrl = nonEmpty(env.OTEL_EXPORTER_OTLP_METRICS_ENDPOINT) ?? (general === undefined ? undefined : signalUrl(general, 'v1/metrics'));
  const headers = parseHeaders('OTEL_EXPORTER_OTLP_HEADERS', env.OTEL_EXPORTER_OTLP_HEADERS);
  const timeoutMs = positiveInt(env, 'OTEL_EXPORTER_OTLP_TIMEOUT', 10_000);
  const traces: TraceExportConfig | null =
    tracesUrl === undefined
      ? null
      : {
          url: checkedUrl('OTEL_EXPORTER_OTLP_TRACES_ENDPOINT', tracesUrl),
          ...samplerFrom(env),
          headers: { ...headers, ...parseHeaders('OTEL_EXPORTER_OTLP_TRACES_HEADERS', env.OTEL_EXPORTER_OTLP_TRACES_HEADERS) },
          maxQueueSize: positiveInt(env, 'OTEL_BSP_MAX_QUEUE_SIZE', 2048),
          maxExportBatchSize: positiveInt(env, 'OTEL_BSP_MAX_EXPORT_BATCH_SIZE', 512),
          scheduledDelayMs: positiveInt(env, 'OTEL_BSP_SCHEDULE_DELAY', 5_000),
          exportTimeoutMs: positiveInt(env, 'OTEL_BSP_EXPORT_TIMEOUT', timeoutMs),
        };
  if (traces !== null && traces.maxExportBatchSize > traces.maxQueueSize) {
    throw new RangeError(`OTEL_BSP_MAX_EXPORT_BATCH_SIZE must not exceed OTEL_BSP_MAX_QUEUE_SIZE (${traces.maxExportBatchSize} > ${traces.maxQueueSize})`);
  }
  const metrics: MetricExportConfig | null =
    metricsUrl === undefined
      ? null
      : {
          url: checkedUrl('OTEL_EXPORTER_OTLP_METRICS_ENDPOINT', metricsUrl),
          headers: { ...headers, ...parseHeaders('OTEL_EXPORTER_OTLP_METRICS_HEADERS', env.OTEL_EXPORTER_OTLP_METRICS_HEADERS) },
          intervalMs: positiveInt(env, 'OTEL_METRIC_EXPORT_INTERVAL', 60_000),
          exportTimeoutMs: positiveInt(env, 'OTEL_METRIC_EXPORT_TIMEOUT', timeoutMs),
        };
  return { traces, metrics };
}

function samplerFrom(env: NodeJS.ProcessEnv): { sampler: TraceSamplerName; ratio: number } {
  const name = (nonEmpty(env.OTEL_TRACES_SAMPLER) ?? 'parentbased_always_on').toLowerCase();
  if (!(TRACE_SAMPLERS as readonly string[]).includes(name)) throw new TypeError(`OTEL_TRACES_SAMPLER must be one of ${TRACE_SAMPLERS.join(', ')} (got "${name}")`);
  const arg = nonEmpty(env.OTEL_TRACES_SAMPLER_ARG);
  const ratio = arg === undefined ? 1 : Number(arg);
  if (!Number.isFinite(ratio) || ratio < 0 || ratio > 1) throw new RangeError(`OTEL_TRACES_SAMPLER_ARG must be a number from 0 to 1 (got "${arg}")`);
  return { sampler: name as TraceSamplerName, ratio };
}

function signalUrl(base: string, path: string): string {
  return base.endsWith('/') ? base + path : `${base}/${path}`;
}

function checkedUrl(name: string, value: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new TypeError(`${name} must be an http(s) URL (got "${value}")`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new TypeError(`${name} must be an http(s) URL (got "${url.protocol}")`);
  return value;
}

/** `key=value,key2=value2` (values URL-encoded), as the OTLP exporter specification writes headers. */
function parseHeaders(name: string, raw: string | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  if (nonEmpty(raw) === undefined) return out;
  for (const part of raw!.split(',')) {
    const at = part.indexOf('=');
    // The value may be a credential: the message names the variable, never the text.
    if (at <= 0) throw new TypeError(`${name} must be key=value pairs separated by commas`);
    out[part.slice(0, at).trim().toLowerCase()] = decodeURIComponent(part.slice(at + 1).trim());
  }
  return out;
}

function positiveInt(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const raw = nonEmpty(env[name]);
  if (raw === undefined) return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n <= 0) throw new RangeError(`${name} must be a positive integer (got "${raw}")`);
  return n;
}

function nonEmpty(value: string | undefined): string | undefined {
  const v = value?.trim();
  return v === undefined || v === '' ? undefined : v;
}
