// One thread's trace export: a NodeTracerProvider registered as this isolate's global (OTel globals
// are per isolate, so the main thread and every worker each start one), the configured sampler,
// the redaction guard, a bounded batch and the OTLP/HTTP JSON exporter (otlp-json-serializer.ts). The SDK is imported here,
// lazily: a node with no endpoint never loads it. Worker-safe (no main-thread modules).
import type { TraceExportConfig } from './telemetry-config.js';

export interface TraceExport {
  /** Sends what is queued (the node's close and drain call it). */
  flush(): Promise<void>;
  /** Flushes, stops the provider and unregisters the globals (a later start may register again). */
  shutdown(): Promise<void>;
}

/** Resource attributes of one thread: service.name glass-node, the node id and the thread. */
export function threadResource(nodeId: string, thread: number | 'main'): Record<string, string | number> {
  return {
    'service.name': 'glass-node',
    'service.instance.id': `${nodeId}/${thread}`,
    'glass.node.id': nodeId,
    'glass.thread': thread === 'main' ? 'main' : String(thread),
  };
}

export async function startTraceExport(config: TraceExportConfig, resource: Record<string, string | number>): Promise<TraceExport> {
  const [api, node, { resourceFromAttributes }, { OTLPExporterBase }, http, { TraceExporterMetricsHelper }, { RedactingSpanProcessor }, { LeanJsonTraceSerializer }] = await Promise.all([
    import('@opentelemetry/api'),
    import('@opentelemetry/sdk-trace-node'),
    import('@opentelemetry/resources'),
    import('@opentelemetry/otlp-exporter-base'),
    import('@opentelemetry/otlp-exporter-base/node-http'),
    import('@opentelemetry/otlp-transformer'),
    import('./redacting-processor.js'),
    import('./otlp-json-serializer.js'),
  ]);
  const { SyncContextManager } = await import('./sync-context-manager.js');
  const ratio = new node.TraceIdRatioBasedSampler(config.ratio);
  const sampler = {
    always_on: () => new node.AlwaysOnSampler(),
    always_off: () => new node.AlwaysOffSampler(),
    traceidratio: () => ratio,
    parentbased_always_on: () => new node.ParentBasedSampler({ root: new node.AlwaysOnSampler() }),
    parentbased_always_off: () => new node.ParentBasedSampler({ root: new node.AlwaysOffSampler() }),
    parentbased_traceidratio: () => new node.ParentBasedSampler({ root: ratio }),
  }[config.sampler]();
  // exporter-trace-otlp-http's OTLPTraceExporter, with the lean serializer (otlp-json-serializer.ts)
  // in place of the SDK's JsonTraceSerializer: the same JSON, the same HTTP delegate (retries,
  // timeout, concurrency limit, headers).
  const options = http.convertLegacyHttpOptions({ url: config.url, headers: { ...config.headers }, timeoutMillis: config.exportTimeoutMs }, 'TRACES', 'v1/traces', { 'Content-Type': 'application/json' });
  const exporter = new OTLPExporterBase(http.createOtlpHttpExportDelegate(options, LeanJsonTraceSerializer, 'otlp_http_span_exporter', TraceExporterMetricsHelper, undefined));
  // Past maxQueueSize a span is dropped, not queued: a collector that is down costs a bounded buffer.
  const batch = new node.BatchSpanProcessor(exporter, {
    maxQueueSize: config.maxQueueSize,
    maxExportBatchSize: config.maxExportBatchSize,
    scheduledDelayMillis: config.scheduledDelayMs,
    exportTimeoutMillis: config.exportTimeoutMs,
  });
  const provider = new node.NodeTracerProvider({ resource: resourceFromAttributes(resource), sampler, spanProcessors: [new RedactingSpanProcessor(batch)] });
  provider.register({ contextManager: new SyncContextManager() });
  let stopped: Promise<void> | undefined;
  return {
    flush: () => provider.forceFlush(),
    shutdown: () =>
      (stopped ??= provider
        .shutdown()
        .catch(() => {})
        .finally(() => {
          api.trace.disable();
          api.propagation.disable();
          api.context.disable();
        })),
  };
}
