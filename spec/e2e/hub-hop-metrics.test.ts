// glass_hub_hop_seconds end to end: a real node and gateway, real uWS sockets. Every say a room
// takes is one hub hop in /metrics (count, cumulative buckets up to +Inf, a sum), observed after
// the line reached the members' sockets; a say refused at the gateway (not in the room) is not.
// The same histogram leaves over OTLP (to a sink the test owns) with the same buckets and counts.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { startGateway, type Gateway } from '../../clients/index.js';
import { HUB_HOP_BUCKETS } from '../../clients/ops/hub-hop-histogram.js';
import { OtlpSink } from '../../bench/support/otlp-sink.js';
import { MEMORY_STORE, defaultNodeOptions, telemetryConfigFromEnv } from '../../cluster/index.js';
import { startNode, type GlassNode } from '../../runtime/node/index.js';
import { TEST_KEYS, tokenFor } from './tokens.js';
import { TestClient } from './ws-client.js';

describe('hub hop histogram (glass_hub_hop_seconds)', () => {
  let node: GlassNode;
  let gateway: Gateway;
  let httpUrl: string;
  let sink: OtlpSink;
  const clients: TestClient[] = [];

  before(async () => {
    sink = await OtlpSink.start();
    // Exported every 100 ms: the test waits for the export that carries every say.
    const metricsExport = telemetryConfigFromEnv({ OTEL_EXPORTER_OTLP_METRICS_ENDPOINT: `${sink.url}/v1/metrics`, OTEL_METRIC_EXPORT_INTERVAL: '100' }).metrics;
    node = await startNode(defaultNodeOptions({ workers: 1, logLevel: 'silent', store: MEMORY_STORE }));
    gateway = await startGateway({ node, port: 0, host: '127.0.0.1', ...TEST_KEYS, audit: null, metricsExport });
    httpUrl = `http://127.0.0.1:${gateway.port}`;
  });

  after(async () => {
    await Promise.all(clients.map((c) => c.close()));
    await gateway?.close();
    await node?.close();
    await sink?.close();
  });

  async function metrics(): Promise<string> {
    const token = await tokenFor('ops-hh', { roles: ['ops'] } as never);
    const res = await fetch(`${httpUrl}/metrics`, { headers: { authorization: `Bearer ${token}` } });
    assert.equal(res.status, 200);
    return res.text();
  }

  /** The samples of the histogram: `_bucket` by le, `_sum`, `_count` (each line carries the node label). */
  function hop(text: string): { buckets: Map<string, number>; sum: number; count: number } {
    const buckets = new Map<string, number>();
    let sum = NaN;
    let count = NaN;
    for (const line of text.split('\n')) {
      if (!line.startsWith('glass_hub_hop_seconds')) continue;
      assert.ok(line.includes(`node="${node.id}"`), line);
      const value = Number(line.slice(line.lastIndexOf(' ') + 1));
      const le = /le="([^"]+)"/.exec(line);
      if (line.startsWith('glass_hub_hop_seconds_bucket') && le !== null) buckets.set(le[1], value);
      else if (line.startsWith('glass_hub_hop_seconds_sum')) sum = value;
      else if (line.startsWith('glass_hub_hop_seconds_count')) count = value;
    }
    return { buckets, sum, count };
  }

  async function countReaches(n: number): Promise<ReturnType<typeof hop>> {
    const deadline = Date.now() + 5_000;
    for (;;) {
      const h = hop(await metrics());
      if (h.count >= n || Date.now() > deadline) return h;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }

  test('every say the room took is one hop; a say refused at the gateway is none', async () => {
    const text = await metrics();
    assert.match(text, /# TYPE glass_hub_hop_seconds histogram/);
    assert.equal(hop(text).count, 0);

    const ann = await TestClient.connect(`ws://127.0.0.1:${gateway.port}/ws`, 'ann-hh');
    const bob = await TestClient.connect(`ws://127.0.0.1:${gateway.port}/ws`, 'bob-hh');
    clients.push(ann, bob);
    await ann.join('hall-hh');
    await bob.join('hall-hh');

    // Not in that room: refused by the gateway before any ask, so no hop.
    const refused = await ann.expectError({ type: 'say', room: 'elsewhere-hh', text: 'nobody hears', ref: 'r0' }, 'r0');
    assert.ok(refused.code.length > 0);

    // Sequential says of two players: each measured (one at a time per connection).
    const says = 6;
    for (let i = 0; i < says; i++) {
      const [speaker, listener] = i % 2 === 0 ? [ann, bob] : [bob, ann];
      const line = `line ${i}`;
      speaker.send({ type: 'say', room: 'hall-hh', text: line });
      await listener.next('said', (f) => f.room === 'hall-hh' && f.line.text === line);
      await speaker.next('said', (f) => f.room === 'hall-hh' && f.line.text === line);
      // The hop ends at the say's reply, after the line was written: by the time the next says, it is counted.
      assert.equal((await countReaches(i + 1)).count, i + 1);
    }

    const h = await countReaches(says);
    assert.equal(h.count, says);
    assert.ok(h.sum > 0 && h.sum < says * 5, `sum ${h.sum} s`);
    // Cumulative buckets: one per bound, then +Inf holding every hop.
    assert.deepEqual([...h.buckets.keys()], [...HUB_HOP_BUCKETS.map(String), '+Inf']);
    const values = [...h.buckets.values()];
    for (let i = 1; i < values.length; i++) assert.ok(values[i] >= values[i - 1], `cumulative at ${[...h.buckets.keys()][i]}`);
    assert.equal(h.buckets.get('+Inf'), says);

    // Over OTLP: an explicit-bucket histogram with the same bounds; its per-bucket counts add up
    // to /metrics' cumulative ones.
    type Point = { count: string | number; sum: number; bucketCounts: (string | number)[]; explicitBounds: number[]; attributes: { key: string; value: { stringValue?: string } }[] };
    const point = await sink.waitFor(() => {
      for (const m of sink.metrics) {
        if (m.name !== 'glass_hub_hop_seconds') continue;
        const p = (m.body.histogram as { dataPoints: Point[] }).dataPoints[0];
        if (Number(p.count) === says) return p;
      }
      return undefined;
    });
    assert.deepEqual(point.explicitBounds, HUB_HOP_BUCKETS);
    let cumulative = 0;
    const exported = point.bucketCounts.map((c) => (cumulative += Number(c)));
    assert.deepEqual(exported, values, 'the same counts as /metrics, bucket by bucket');
    assert.ok(Math.abs(point.sum - h.sum) < 1e-6, `sum ${point.sum} vs ${h.sum}`);
    assert.equal(point.attributes.find((a) => a.key === 'node')?.value.stringValue, node.id);
  });
});
