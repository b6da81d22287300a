// One trace across gateway → stream → the other node's worker → store, exported over OTLP/HTTP
// JSON to a sink this test owns. The hop over Redis has no span of its own: the receiving actor's
// span is the sending span's child, marked glass.via=stream. Two nodes on real Redis in this process (so their main
// threads share one provider, whose resource names the first node); each worker has its own.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { OtlpSink, attributeMap, type ReceivedSpan } from '../../bench/support/otlp-sink.js';
import { NodePair } from './cluster-fixture.js';

describe('OpenTelemetry: one trace across two nodes, exported over OTLP/HTTP', () => {
  let pair: NodePair;
  let sink: OtlpSink;

  before(async () => {
    sink = await OtlpSink.start();
    const env: NodeJS.ProcessEnv = { ...process.env, OTEL_EXPORTER_OTLP_ENDPOINT: sink.url, OTEL_TRACES_SAMPLER: 'parentbased_always_on', OTEL_BSP_SCHEDULE_DELAY: '50' };
    delete env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT;
    pair = await NodePair.start({ ids: ['otel-a', 'otel-b'], env });
  });

  after(async () => {
    await pair?.close();
    await sink?.close();
  });

  test('a say on node a to a room on node b: one trace id, every parent a span of the trace, the gateway span (a, main) the parent of b’s worker span', async () => {
    const room = pair.idOn('room', 'otel-b', 'traced');
    const ann = await pair.connect(0, 'ann-otel');
    await ann.join(room);
    ann.send({ type: 'say', room, text: 'hello across' });
    await ann.next('said', (f) => f.line.text === 'hello across');

    const byTrace = (traceId: string): ReceivedSpan[] => sink.spans.filter((s) => s.traceId === traceId);
    // The say's trace, once its hops are all in: the gateway's span, b's worker handling it
    // (across the stream) and saving.
    const trace = await sink.waitFor(() => {
      for (const root of sink.spans.filter((s) => s.name === 'glass.gateway say')) {
        const spans = byTrace(root.traceId);
        const actor = spans.find((s) => s.name === 'glass.actor room' && s.resource['glass.node.id'] === 'otel-b');
        if (actor === undefined) continue;
        const save = spans.find((s) => s.name === 'glass.store save' && s.parentSpanId === actor.spanId);
        if (save !== undefined) return { root, spans, actor, save };
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
    // gateway (a, main) → across the stream → b's worker: the actor span is the gateway span's child.
    assert.equal(trace.actor.parentSpanId, trace.root.spanId);
    assert.ok(!trace.spans.some((s) => s.name === 'glass.stream send'), 'no span of its own for the stream hop');
    const actor = attributeMap(trace.actor.attributes);
    assert.equal(actor['glass.via'], 'stream', 'the actor span says its message came over the stream');
    assert.equal(actor['glass.message'], 'say');
    assert.equal(trace.root.resource['glass.node.id'], 'otel-a');
    assert.equal(trace.root.resource['glass.thread'], 'main');
    assert.equal(trace.root.resource['service.name'], 'glass-node');
    assert.equal(trace.actor.resource['service.name'], 'glass-node');
    assert.notEqual(trace.actor.resource['glass.thread'], 'main', 'the actor span left from its worker thread');
    assert.equal(trace.save.resource['glass.node.id'], 'otel-b');
  });
});
