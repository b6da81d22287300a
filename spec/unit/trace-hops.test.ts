import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, test } from 'node:test';
import {
  ROOT_CONTEXT,
  TraceFlags,
  propagation,
  trace,
  type Context,
  type Span,
  type SpanContext,
  type SpanOptions,
  type TextMapGetter,
  type TextMapPropagator,
  type TextMapSetter,
  type Tracer,
  type TracerProvider,
} from '@opentelemetry/api';
import { defineActor } from '../../actors/index.js';
import { Envelope, Lane } from '../../runtime/index.js';
import { HostHarness } from './host-harness.js';

// A recording tracer and a W3C traceparent propagator, registered as the global OpenTelemetry
// implementation for this test file: the test double of an SDK, behind the @opentelemetry/api
// interfaces the runtime calls.

interface Recorded {
  name: string;
  traceId: string;
  spanId: string;
  parentSpanId: string | undefined;
  attributes: Record<string, unknown>;
  ended: boolean;
  error: boolean;
}

const recorded: Recorded[] = [];

class RecordingSpan {
  readonly #context: SpanContext;
  constructor(readonly record: Recorded) {
    this.#context = { traceId: record.traceId, spanId: record.spanId, traceFlags: TraceFlags.SAMPLED };
  }
  spanContext(): SpanContext {
    return this.#context;
  }
  setAttribute(): this {
    return this;
  }
  setAttributes(): this {
    return this;
  }
  addEvent(): this {
    return this;
  }
  addLink(): this {
    return this;
  }
  addLinks(): this {
    return this;
  }
  setStatus(status: { code: number }): this {
    if (status.code === 2) this.record.error = true;
    return this;
  }
  updateName(): this {
    return this;
  }
  end(): void {
    this.record.ended = true;
  }
  isRecording(): boolean {
    return true;
  }
  recordException(): void {
    this.record.error = true;
  }
}

const tracer: Tracer = {
  startSpan(name: string, options: SpanOptions = {}, ctx: Context = ROOT_CONTEXT): Span {
    const parent = trace.getSpanContext(ctx);
    const record: Recorded = {
      name,
      traceId: parent?.traceId ?? randomBytes(16).toString('hex'),
      spanId: randomBytes(8).toString('hex'),
      parentSpanId: parent?.spanId,
      attributes: { ...options.attributes },
      ended: false,
      error: false,
    };
    recorded.push(record);
    return new RecordingSpan(record) as unknown as Span;
  },
  startActiveSpan(): never {
    throw new Error('not used by the runtime');
  },
};

const provider: TracerProvider = { getTracer: () => tracer };

const traceparent: TextMapPropagator = {
  inject(ctx: Context, carrier: unknown, setter: TextMapSetter): void {
    const span = trace.getSpanContext(ctx);
    if (span !== undefined) setter.set(carrier, 'traceparent', `00-${span.traceId}-${span.spanId}-01`);
  },
  extract(ctx: Context, carrier: unknown, getter: TextMapGetter): Context {
    const value = getter.get(carrier, 'traceparent');
    const match = typeof value === 'string' ? /^00-([0-9a-f]{32})-([0-9a-f]{16})-0[01]$/.exec(value) : null;
    if (match === null) return ctx;
    return trace.setSpanContext(ctx, { traceId: match[1], spanId: match[2], traceFlags: TraceFlags.SAMPLED, isRemote: true });
  },
  fields: () => ['traceparent'],
};

before(() => {
  trace.setGlobalTracerProvider(provider);
  propagation.setGlobalPropagator(traceparent);
});
after(() => {
  trace.disable();
  propagation.disable();
});

const ledger = defineActor({
  kind: 'ledger',
  initialState: () => ({ entries: 0 }),
  persistence: { save: 'every-message' },
  handlers: {
    post(ctx, msg: { to: string }) {
      ctx.state.entries++;
      ctx.tell({ kind: 'ledger-copy', id: msg.to }, { type: 'copy' });
      return ctx.state.entries;
    },
  },
});

const copy = defineActor({
  kind: 'ledger-copy',
  initialState: () => ({ copies: 0 }),
  handlers: {
    copy(ctx, _msg: {}) {
      ctx.state.copies++;
    },
    fail(_ctx, _msg: {}) {
      throw new GlassErrorFree('broken');
    },
  },
});

class GlassErrorFree extends Error {}

test('a traced message makes a span per hop: the actor, its save, and the actor its tell reaches, each the child of the one before', async (t) => {
  const h = new HostHarness({ actors: [ledger, copy] });
  t.after(() => h.close());
  const traceId = randomBytes(16).toString('hex');
  const rootSpan = randomBytes(8).toString('hex');
  const e = new Envelope('ledger:l1', null, 1, 0, { type: 'post', to: 'c1' }, `00-${traceId}-${rootSpan}-01`, Lane.USER, -1, 0, 0);
  h.router.deliverInbound(e);
  await h.settle();
  await h.settle();
  const actor = recorded.find((r) => r.name === 'glass.actor ledger');
  const store = recorded.find((r) => r.name === 'glass.store save');
  const next = recorded.find((r) => r.name === 'glass.actor ledger-copy');
  assert.ok(actor && store && next, `spans: ${recorded.map((r) => r.name).join(', ')}`);
  assert.deepEqual([actor.traceId, store.traceId, next.traceId], [traceId, traceId, traceId], 'one trace');
  assert.equal(actor.parentSpanId, rootSpan, 'the actor hop is the sender\'s child');
  assert.equal(store.parentSpanId, actor.spanId, 'the save is the actor hop\'s child');
  assert.equal(next.parentSpanId, actor.spanId, 'the tell it made carries its span on');
  assert.deepEqual(actor.attributes, { 'glass.actor': 'ledger:l1', 'glass.message': 'post' }, 'the thread is on the resource; glass.via only for a message from another node');
  assert.ok(recorded.every((r) => r.ended), 'every span ended');
});

test('a failing traced message ends its span as an error; an untraced one makes none', async (t) => {
  const h = new HostHarness({ actors: [ledger, copy] });
  t.after(() => h.close());
  const before = recorded.length;
  h.router.deliverInbound(new Envelope('ledger-copy:c2', null, 1, 0, { type: 'fail' }, `00-${randomBytes(16).toString('hex')}-${randomBytes(8).toString('hex')}-01`, Lane.USER, -1, 0, 0));
  await h.settle();
  const failed = recorded.slice(before).find((r) => r.name === 'glass.actor ledger-copy');
  assert.ok(failed?.ended && failed.error, 'ended with an error status');
  const count = recorded.length;
  await h.ref('ledger', 'l2').ask({ type: 'post', to: 'c3' });
  await h.settle();
  assert.equal(recorded.length, count, 'no trace, no span');
});
