// Spans are sent when a worker drains and when the node closes, not only on the batch's timer: with
// a schedule delay of ten minutes, the sink still receives the worker's spans after drainWorker and
// the gateway's after close.
import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { OtlpSink, attributeMap } from '../../bench/support/otlp-sink.js';
import { startGateway, type Gateway } from '../../clients/index.js';
import { MEMORY_STORE, startDefaultNode } from '../../cluster/index.js';
import type { GlassNode } from '../../runtime/node/index.js';
import { TEST_KEYS } from './tokens.js';
import { TestClient } from './ws-client.js';

describe('OpenTelemetry: spans flushed on drain and close', () => {
  let sink: OtlpSink;
  let node: GlassNode | null = null;
  let gateway: Gateway | null = null;
  let client: TestClient | null = null;

  after(async () => {
    await client?.close();
    await gateway?.close();
    await node?.close();
    await sink?.close();
  });

  test('a drained worker sends its spans at once; the main thread sends its own when the node closes', async () => {
    sink = await OtlpSink.start();
    const env: NodeJS.ProcessEnv = { ...process.env, OTEL_EXPORTER_OTLP_ENDPOINT: sink.url, OTEL_BSP_SCHEDULE_DELAY: '600000', OTEL_METRIC_EXPORT_INTERVAL: '600000' };
    delete env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT;
    node = await startDefaultNode({ nodeId: 'otel-flush', workers: 1, logLevel: 'silent', store: MEMORY_STORE }, env);
    gateway = await startGateway({ node, port: 0, host: '127.0.0.1', ...TEST_KEYS, metricsExport: null });
    client = await TestClient.connect(`ws://127.0.0.1:${gateway.port}/ws`, 'ann-flush');
    await client.join('flush-hall');
    client.send({ type: 'say', room: 'flush-hall', text: 'flush me' });
    await client.next('said', (f) => f.line.text === 'flush me');
    assert.equal(sink.spanCount, 0, 'nothing sent before the batch is due');

    await node.drainWorker(1);
    const actor = await sink.waitFor(() => sink.spans.find((s) => s.name === 'glass.actor room' && attributeMap(s.attributes)['glass.message'] === 'say' && s.resource['glass.thread'] !== 'main'));
    assert.equal(actor.resource['glass.node.id'], 'otel-flush');
    assert.ok(!sink.spans.some((s) => s.resource['glass.thread'] === 'main'), 'the main thread has not sent yet');

    await client.close();
    client = null;
    await gateway.close();
    gateway = null;
    await node.close();
    node = null;
    const edge = sink.spans.find((s) => s.name === 'glass.gateway say' && s.traceId === actor.traceId);
    assert.ok(edge !== undefined, 'the gateway span of the same trace arrived with the close');
    assert.equal(actor.parentSpanId, edge.spanId);
    assert.equal(edge.resource['glass.thread'], 'main');
  });
});
