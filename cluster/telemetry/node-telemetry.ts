// A node's telemetry on the main thread: the `telemetry` service every worker starts first (each
// worker exports its own spans), and the main thread's provider (gateway, stream and ops spans).
// OTel globals are per isolate, so nodes sharing one process (tests, the bench) share the main
// thread's provider: the first node's id is on its resource, and the last close shuts it down.
import type { ServiceSpec } from '../../runtime/index.js';
import type { TelemetryConfig } from './telemetry-config.js';
import { TELEMETRY_SERVICE, TELEMETRY_SERVICE_NAME } from './telemetry-service.js';
import type { TraceExport } from './trace-export.js';

/** The services with `telemetry` first (so a worker traces before any other service starts); unchanged when traces are off. */
export function withTelemetryService(services: Record<string, ServiceSpec>, config: TelemetryConfig): Record<string, ServiceSpec> {
  if (config.traces === null) return services;
  return { [TELEMETRY_SERVICE_NAME]: { worker: { ...TELEMETRY_SERVICE, options: config.traces } }, ...services };
}

export interface MainTelemetry {
  /** Sends the main thread's queued spans. */
  flush(): Promise<void>;
  /** This node's share: the provider stops with the last node of the process. */
  close(): Promise<void>;
}

let shared: { exported: Promise<TraceExport>; users: number } | null = null;

const NOTHING: MainTelemetry = { flush: async () => {}, close: async () => {} };

export async function startMainTelemetry(nodeId: string, config: TelemetryConfig): Promise<MainTelemetry> {
  const traces = config.traces;
  if (traces === null) return NOTHING;
  if (shared === null) {
    const { startTraceExport, threadResource } = await import('./trace-export.js');
    shared ??= { exported: startTraceExport(traces, threadResource(nodeId, 'main')), users: 0 };
  }
  const mine = shared;
  mine.users++;
  const exported = await mine.exported;
  let closed = false;
  return {
    flush: () => exported.flush(),
    close: async () => {
      if (closed) return;
      closed = true;
      if (--mine.users > 0) return exported.flush();
      if (shared === mine) shared = null;
      await exported.shutdown();
    },
  };
}
