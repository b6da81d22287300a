// The telemetry room: OTLP/HTTP export of the spans the runtime makes (one provider per thread) and
// of the node's metrics (an OTel MeterProvider reading the node's prom-client registry).
export * from './telemetry-config.js';
export { isSecretAttribute, REDACTED } from './redacting-processor.js';
export { TELEMETRY_SERVICE, TELEMETRY_SERVICE_NAME, type TelemetryService } from './telemetry-service.js';
export { startMainTelemetry, withTelemetryService, type MainTelemetry } from './node-telemetry.js';
export { BRIDGED_HISTOGRAMS, BRIDGED_METRICS, startMetricExport, type MetricExport, type PromMetricsSource } from './metric-export.js';
export { threadResource } from './trace-export.js';
