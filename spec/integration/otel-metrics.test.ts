// The node's metrics over OTLP/HTTP JSON: an OTel MeterProvider reading the ops registry, received
// by a sink the test owns.
import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { OtlpSink } from '../../bench/support/otlp-sink.js';
import { OpsMetrics } from '../../clients/ops/index.js';
import { HUB_HOP_BUCKETS } from '../../clients/ops/hub-hop-histogram.js';
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

  test('the hub-hop histogram arrives as an OTel histogram: the same bounds, its counts per bucket, sum and count', async () => {
    sink ??= await OtlpSink.start();
    const config = telemetryConfigFromEnv({ OTEL_EXPORTER_OTLP_ENDPOINT: sink.url, OTEL_METRIC_EXPORT_INTERVAL: '600000' }).metrics!;
    const ops = new OpsMetrics('hop-node');
    const exported = await startMetricExport(config, threadResource('hop-node', 'main'), ops.registry);
    try {
      // Before any hop: a histogram of zeros (as /metrics shows it).
      await exported.flush();
      const empty = await sink.waitFor(() => sink.metrics.find((m) => m.name === 'glass_hub_hop_seconds' && m.resource['glass.node.id'] === 'hop-node'));
      assert.equal(Number(histogramPoints(empty.body)[0].count), 0);
      // 0.0005 ≤ 0.001; 0.001 is on a bound (le: in it); 0.003 ≤ 0.005; 0.15 on the budget's bound; 0.2 ≤ 0.25; 3 above every bound.
      const hops = [0.0005, 0.001, 0.003, 0.15, 0.2, 3];
      for (const s of hops) ops.observeHubHop(s);
      const before = sink.metrics.length;
      await exported.flush();
      const received = await sink.waitFor(() => sink.metrics.slice(before).find((m) => m.name === 'glass_hub_hop_seconds'));
      assert.equal(received.resource['glass.node.id'], 'hop-node');
      const body = received.body as { histogram?: { aggregationTemporality?: number } };
      assert.equal(body.histogram?.aggregationTemporality, 2, 'cumulative, as the Prometheus histogram');
      const [point] = histogramPoints(received.body);
      assert.deepEqual(point.explicitBounds, HUB_HOP_BUCKETS);
      const expected = new Array<number>(HUB_HOP_BUCKETS.length + 1).fill(0);
      for (const s of hops) {
        const i = HUB_HOP_BUCKETS.findIndex((b) => s <= b);
        expected[i === -1 ? HUB_HOP_BUCKETS.length : i]++;
      }
      assert.deepEqual(point.bucketCounts.map(Number), expected);
      assert.deepEqual(expected, [2, 0, 1, 0, 0, 0, 0, 1, 1, 0, 0, 0, 1]);
      assert.equal(Number(point.count), hops.length);
      assert.ok(Math.abs(point.sum - hops.reduce((a, b) => a + b, 0)) < 1e-9, `sum ${point.sum}`);
      assert.deepEqual(Object.fromEntries(point.attributes.map((a) => [a.key, a.value.stringValue])), { node: 'hop-node' });
    } finally {
      await exported.shutdown();
    }
  });
});

interface HistogramPoint {
  attributes: { key: string; value: { stringValue?: string } }[];
  count: number | string;
  sum: number;
  bucketCounts: (number | string)[];
  explicitBounds: number[];
}

function histogramPoints(body: Record<string, unknown>): HistogramPoint[] {
  const h = body.histogram as { dataPoints?: HistogramPoint[] } | undefined;
  assert.ok(h?.dataPoints !== undefined, `a histogram: ${JSON.stringify(body)}`);
  return h.dataPoints;
}
