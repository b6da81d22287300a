// One trace across gateway → stream → the other node's worker → store → back, exported over
// OTLP/HTTP JSON to a sink this test owns. Two nodes on real Redis in this process (so their main
// threads share one provider, whose resource names the first node); each worker has its own.
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { OtlpSink, attributeMap, type ReceivedSpan } from '../../bench/support/otlp-sink.js';
import { startGateway, type Gateway } from '../../clients/index.js';
import { couchStoreRef, startClusterNode, startEmbeddedCouch, type EmbeddedCouch } from '../../cluster/index.js';
import type { GlassNode } from '../../runtime/node/index.js';
import { TEST_KEYS } from './tokens.js';
import { TestClient } from './ws-client.js';
import { REDIS_URL, allSee, deleteKeys } from './cluster-fixture.js';

describe('OpenTelemetry: one trace across two nodes, exported over OTLP/HTTP', () => {
  const prefix = `glass-otel-${process.pid}-${Date.now()}`;
  const nodes: GlassNode[] = [];
  const gateways: Gateway[] = [];
  const clients: TestClient[] = [];
  let couch: EmbeddedCouch;
  let dataDir: string;
  let sink: OtlpSink;

  before(async () => {
    sink = await OtlpSink.start();
    dataDir = await mkdtemp(join(tmpdir(), 'glass-e2e-otel-'));
    couch = await startEmbeddedCouch({ dataDir });
    const env: NodeJS.ProcessEnv = { ...process.env, OTEL_EXPORTER_OTLP_ENDPOINT: sink.url, OTEL_TRACES_SAMPLER: 'parentbased_always_on', OTEL_BSP_SCHEDULE_DELAY: '50' };
    delete env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT;
    for (const nodeId of ['otel-a', 'otel-b']) {
      const node = await startClusterNode(
        { nodeId, prefix, redisUrl: REDIS_URL, workers: 1, logLevel: 'silent', store: couchStoreRef(couch.url), heartbeatMs: 100, downAfterMs: 1_000 },
        env,
      );
      nodes.push(node);
      gateways.push(await startGateway({ node, port: 0, host: '127.0.0.1', ...TEST_KEYS }));
    }
    await allSee(nodes, 2);
  });

  after(async () => {
    await Promise.all(clients.map((c) => c.close()));
    for (const g of gateways) await g.close();
    for (const n of nodes) await n.close();
    await couch?.close();
    await sink?.close();
    await rm(dataDir, { recursive: true, force: true });
    await deleteKeys(REDIS_URL, prefix);
  });

  function roomOn(owner: string): string {
    for (let i = 0; i < 10_000; i++) if (nodes[0].locate('room', `traced-${i}`).node === owner) return `traced-${i}`;
    throw new Error(`no room on ${owner}`);
  }

  test('a say on node a to a room on node b: one trace id, every parent a span of the trace, worker and main-thread spans of both nodes', async () => {
    const room = roomOn('otel-b');
    const ann = await TestClient.connect(`ws://127.0.0.1:${gateways[0].port}/ws`, 'ann-otel');
    clients.push(ann);
    await ann.join(room);
    ann.send({ type: 'say', room, text: 'hello across' });
    await ann.next('said', (f) => f.line.text === 'hello across');

    const byTrace = (traceId: string): ReceivedSpan[] => sink.spans.filter((s) => s.traceId === traceId);
    // The say's trace, once its hops are all in: the gateway's span, the stream send to b, b's
    // worker handling it and saving, and the send back to a's gateway.
    const trace = await sink.waitFor(() => {
      for (const root of sink.spans.filter((s) => s.name === 'glass.gateway say')) {
        const spans = byTrace(root.traceId);
        const actor = spans.find((s) => s.name === 'glass.actor room' && s.resource['glass.node.id'] === 'otel-b');
        if (actor === undefined) continue;
        const back = spans.find((s) => s.name === 'glass.stream send' && s.parentSpanId === actor.spanId);
        const save = spans.find((s) => s.name === 'glass.store save' && s.parentSpanId === actor.spanId);
        if (back !== undefined && save !== undefined) return { root, spans, actor, back, save };
      }
      return undefined;
    });

    const ids = new Set(trace.spans.map((s) => s.spanId));
    assert.equal(new Set(trace.spans.map((s) => s.traceId)).size, 1);
    assert.ok(!trace.root.parentSpanId, 'the gateway span is the root');
    for (const s of trace.spans) {
      if (s === trace.root) continue;
      assert.ok(s.parentSpanId !== undefined && ids.has(s.parentSpanId), `${s.name}'s parent is a span of the trace`);
    }
    // gateway (a, main) → glass.stream send to b (main) → b's worker.
    const out = trace.spans.find((s) => s.spanId === trace.actor.parentSpanId)!;
    assert.equal(out.name, 'glass.stream send');
    assert.equal(attributeMap(out.attributes)['glass.node'], 'otel-b');
    assert.equal(out.parentSpanId, trace.root.spanId);
    assert.equal(trace.root.resource['glass.thread'], 'main');
    assert.equal(trace.root.resource['service.name'], 'glass-node');
    assert.equal(trace.actor.resource['service.name'], 'glass-node');
    assert.notEqual(trace.actor.resource['glass.thread'], 'main', 'the actor span left from its worker thread');
    assert.equal(attributeMap(trace.back.attributes)['glass.node'], 'otel-a', 'the hop back to a is the actor span’s child');
  });
});
