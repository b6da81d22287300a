// The node's key runtime metrics over OTLP/HTTP: an OTel MeterProvider on the main thread whose
// observable instruments read the same prom-client registry /metrics serves (one source, two
// expositions; /metrics is unchanged). Counters and gauges of BRIDGED_METRICS are bridged, labels
// becoming attributes; the histograms of BRIDGED_HISTOGRAMS are read by a MetricProducer of the
// same reader (prom-histogram-producer.ts). The SDK is imported lazily.
import type { MetricExportConfig } from './telemetry-config.js';

/** What is read of a prom-client Registry (structural: this room does not depend on prom-client). */
export interface PromMetricsSource {
  // `type` is prom-client's MetricType, a string at run time ('counter', 'gauge', …).
  getMetricsAsJSON(): Promise<readonly { name: string; help: string; type: unknown; values: readonly { value: number; labels: Partial<Record<string, string | number>>; metricName?: string }[] }[]>;
}

/** The metrics exported over OTLP: what the runtime's dashboards and DES-19 signals read. */
export const BRIDGED_METRICS = [
  'glass_messages_total',
  'glass_actors',
  'glass_mailbox_depth',
  'glass_worker_mailbox_depth',
  'glass_message_rate',
  'glass_stream_lag',
  'glass_worker_restarts_total',
  'glass_quarantined_total',
  'glass_node_cpu_ratio',
  'glass_event_loop_delay_seconds',
  'glass_scaling_signal',
  'glass_moderation_overrides_total',
] as const;

/** The histograms exported over OTLP, as OTel explicit-bucket histograms with their own bounds. */
export const BRIDGED_HISTOGRAMS = ['glass_hub_hop_seconds'] as const;

export interface MetricExport {
  /** Collects and sends now. */
  flush(): Promise<void>;
  /** A last export, then stops. */
  shutdown(): Promise<void>;
}

export async function startMetricExport(config: MetricExportConfig, resource: Record<string, string | number>, source: PromMetricsSource): Promise<MetricExport> {
  const [metrics, { resourceFromAttributes }, { OTLPMetricExporter }, { promHistogramProducer }] = await Promise.all([
    import('@opentelemetry/sdk-metrics'),
    import('@opentelemetry/resources'),
    import('@opentelemetry/exporter-metrics-otlp-http'),
    import('./prom-histogram-producer.js'),
  ]);
  const exporter = new OTLPMetricExporter({ url: config.url, headers: { ...config.headers }, timeoutMillis: config.exportTimeoutMs });
  const histograms = await promHistogramProducer(source, BRIDGED_HISTOGRAMS, resource);
  const reader = new metrics.PeriodicExportingMetricReader({
    exporter,
    exportIntervalMillis: config.intervalMs,
    exportTimeoutMillis: Math.min(config.exportTimeoutMs, config.intervalMs),
    metricProducers: [histograms],
  });
  // Not registered as the global MeterProvider: several nodes in one process each bridge their own registry.
  const provider = new metrics.MeterProvider({ resource: resourceFromAttributes(resource), readers: [reader] });
  const meter = provider.getMeter('glass-runtime');
  // The type of each metric is known only from the registry: read it once to pick the instruments.
  const types = new Map((await source.getMetricsAsJSON()).map((m) => [m.name, m] as const));
  const instruments = new Map<string, import('@opentelemetry/api').Observable>();
  for (const name of BRIDGED_METRICS) {
    const m = types.get(name);
    if (m === undefined) continue;
    if (String(m.type) === 'counter') instruments.set(name, meter.createObservableCounter(name, { description: m.help }));
    else if (String(m.type) === 'gauge') instruments.set(name, meter.createObservableGauge(name, { description: m.help }));
  }
  meter.addBatchObservableCallback(async (result) => {
    for (const m of await source.getMetricsAsJSON()) {
      const instrument = instruments.get(m.name);
      if (instrument !== undefined) for (const v of m.values) result.observe(instrument, v.value, v.labels as Record<string, string | number>);
    }
  }, [...instruments.values()]);
  let stopped: Promise<void> | undefined;
  return {
    flush: () => provider.forceFlush(),
    shutdown: () => (stopped ??= provider.shutdown().catch(() => {})),
  };
}
