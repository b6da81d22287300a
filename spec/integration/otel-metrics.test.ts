// The node's metrics over OTLP/HTTP JSON: an OTel MeterProvider reading the ops registry, received
// by a sink the test owns.
import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { OtlpSink } from '../../bench/support/otlp-sink.js';
import { OpsMetrics } from '../../clients/ops/index.js';
import { startMetricExport, telemetryConfigFromEnv, threadResource } from '../../cluster/index.js';

describe('metrics exported over OTLP from the ops registry', () => {
  let sink: OtlpSink;
  after(() => sink?.close());

  test('one export carries the bridged counters and gauges with their labels and the node resource', async () => {
    sink = await OtlpSink.start();
    const config = telemetryConfigFromEnv({ OTEL_EXPORTER_OTLP_ENDPOINT: sink.url, OTEL_METRIC_EXPORT_INTERVAL: '600000' }).metrics!;
    assert.equal(config.url, `${sink.url}/v1/metrics`);
    const ops = new OpsMetrics('metrics-node');
    ops.quarantined();
    ops.quarantined();
    ops.overrideApplied('kick', 'room');
    const exported = await startMetricExport(config, threadResource('metrics-node', 'main'), ops.registry);
    try {
      await exported.flush();
      const received = await sink.waitFor(() => {
        const names = new Set(sink.metrics.map((m) => m.name));
        return names.has('glass_quarantined_total') && names.has('glass_moderation_overrides_total') ? sink.metrics : undefined;
      });
      const quarantined = received.find((m) => m.name === 'glass_quarantined_total')!;
      assert.equal(quarantined.resource['service.name'], 'glass-node');
      assert.equal(quarantined.resource['glass.node.id'], 'metrics-node');
      const points = (quarantined.body.sum as { dataPoints: { asDouble?: number; asInt?: number | string }[]; isMonotonic?: boolean }).dataPoints;
      assert.equal(Number(points[0].asDouble ?? points[0].asInt), 2);
      const overrides = received.find((m) => m.name === 'glass_moderation_overrides_total')!;
      const attrs = (overrides.body.sum as { dataPoints: { attributes: { key: string; value: { stringValue?: string } }[] }[] }).dataPoints[0].attributes;
      assert.deepEqual(
        Object.fromEntries(attrs.map((a) => [a.key, a.value.stringValue])),
        { command: 'kick', target: 'room', node: 'metrics-node' },
      );
      assert.ok(sink.metrics.every((m) => !m.name.startsWith('process_')), 'only the bridged runtime metrics');
    } finally {
      await exported.shutdown();
    }
  });
});
