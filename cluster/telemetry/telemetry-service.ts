// The `telemetry` node service: built first in every worker when the node exports traces, it
// starts that worker's own provider from the options the node passes (its TraceExportConfig), so
// the spans of the actors on this thread leave from this thread. Its close (the worker's last
// step, after the actors are saved and their spans ended) flushes them, as a drain does. Worker-safe.
import type { WorkerServiceInit } from '../../runtime/index.js';
import type { TraceExportConfig } from './telemetry-config.js';
import { startTraceExport, threadResource, type TraceExport } from './trace-export.js';

export const TELEMETRY_SERVICE_NAME = 'telemetry';
export const TELEMETRY_SERVICE = { module: import.meta.url, export: 'createTelemetryService' } as const;

export interface TelemetryService {
  flush(): Promise<void>;
  /** A drained worker's spans leave at once (Services.afterDrain). */
  afterDrain(): Promise<void>;
  close(): Promise<void>;
}

export async function createTelemetryService(init: WorkerServiceInit): Promise<TelemetryService> {
  const exported: TraceExport = await startTraceExport(init.options as TraceExportConfig, threadResource(init.nodeId, init.thread));
  return { flush: () => exported.flush(), afterDrain: () => exported.flush(), close: () => exported.shutdown() };
}
