// The lean OTLP JSON serializer of the trace export (cluster/telemetry/otlp-json-serializer.ts)
// writes the same request as the SDK's JsonTraceSerializer: compared as parsed JSON on spans of
// two scopes, with and without parents, every attribute type, events, an error status and a link.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ROOT_CONTEXT, SpanKind, trace } from '@opentelemetry/api';
import { JsonTraceSerializer } from '@opentelemetry/otlp-transformer';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { LeanJsonTraceSerializer, nanos } from '../../cluster/telemetry/otlp-json-serializer.js';

test('the same JSON as the SDK serializer, for every shape of span the runtime and a handler can make', async () => {
  const memory = new InMemorySpanExporter();
  const provider = new BasicTracerProvider({ resource: resourceFromAttributes({ 'service.name': 'glass-node', 'glass.thread': '1', n: 3, f: 1.5, b: true }), spanProcessors: [new SimpleSpanProcessor(memory)] });
  const tracers = [provider.getTracer('glass-runtime', '1.2.3'), provider.getTracer('other')];
  const parent = trace.setSpanContext(ROOT_CONTEXT, { traceId: '0af7651916cd43dd8448eb211c80319c', spanId: 'b7ad6b7169203331', traceFlags: 1, isRemote: true });
  const kinds = [SpanKind.INTERNAL, SpanKind.SERVER, SpanKind.CLIENT, SpanKind.PRODUCER, SpanKind.CONSUMER];
  for (let i = 0; i < 6; i++) {
    const span = tracers[i % 2].startSpan(
      `glass.actor "quoted" é ${i}`,
      {
        kind: kinds[i % kinds.length],
        attributes: { 'glass.actor': `room:x${i}`, n: i, f: i + 0.25, b: i % 2 === 0, words: ['x', 'y\n'], nums: [1, 2.5] },
        links: i === 3 ? [{ context: { traceId: '0af7651916cd43dd8448eb211c80319d', spanId: 'b7ad6b7169203332', traceFlags: 1 }, attributes: { k: 'v' } }] : [],
      },
      i > 1 ? parent : undefined,
    );
    if (i === 2) {
      span.addEvent('checkpoint', { step: 1 });
      span.recordException(new Error('boom'));
      span.setStatus({ code: 2, message: 'bad' });
    }
    span.end();
  }
  const spans = memory.getFinishedSpans();
  assert.equal(spans.length, 6);
  const sdk = JSON.parse(Buffer.from(JsonTraceSerializer.serializeRequest(spans)!).toString('utf8'));
  const lean = JSON.parse(Buffer.from(LeanJsonTraceSerializer.serializeRequest(spans)).toString('utf8'));
  assert.deepEqual(lean, sdk);
  assert.equal(lean.resourceSpans[0].scopeSpans.length, 2, 'one entry per scope');
  assert.deepEqual(LeanJsonTraceSerializer.deserializeResponse(Buffer.from('{"partialSuccess":{}}')), { partialSuccess: {} });
  assert.deepEqual(LeanJsonTraceSerializer.deserializeResponse(new Uint8Array(0)), {});
  assert.deepEqual(LeanJsonTraceSerializer.deserializeResponse(Buffer.from('not json')), {});
  await provider.shutdown();
});

test('hrtime as exact decimal nanoseconds', () => {
  assert.equal(nanos([1765123456, 7]), '1765123456000000007');
  assert.equal(nanos([1765123456, 123456789]), '1765123456123456789');
  assert.equal(nanos([0, 42]), '42');
});
