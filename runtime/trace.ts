import { ROOT_CONTEXT, SpanKind, SpanStatusCode, TraceFlags, context, trace, type Attributes, type Span, type SpanContext } from '@opentelemetry/api';
import type { Envelope } from './envelope.js';

const tracer = trace.getTracer('glass-runtime');

// The traceparent an envelope carries is written and read here, not through the global propagator:
// it is the runtime's own field (version 00, W3C's layout), and the composite propagator's regular
// expressions and baggage pass were a visible share of a traced hop's cost. Only sampled contexts
// are written: under the parent-based samplers a child of an unsampled span is never sampled, so an
// unsampled trace would cost every hop an extract and a non-recording span for nothing.
const TRACEPARENT = /^00-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$/;

/** The traceparent of a span's context, undefined when it is not sampled (a sampled span has valid ids). */
function format(ctx: SpanContext): string | undefined {
  return (ctx.traceFlags & TraceFlags.SAMPLED) === 0 ? undefined : `00-${ctx.traceId}-${ctx.spanId}-01`;
}

/** The parent context a traceparent names; ROOT_CONTEXT for one that is malformed (a new trace then). */
function parentOf(traceparent: string): typeof ROOT_CONTEXT {
  const m = traceparent.length === 55 ? TRACEPARENT.exec(traceparent) : null;
  if (m === null) return ROOT_CONTEXT;
  return trace.setSpanContext(ROOT_CONTEXT, { traceId: m[1], spanId: m[2], traceFlags: parseInt(m[3], 16) & TraceFlags.SAMPLED, isRemote: true });
}

/**
 * The traceparent to stamp on an envelope sent from outside any actor (gateway, CLI, tests):
 * the active span's, when it is sampled. Inside an actor the envelope being handled passes its own
 * trace on, at the cost of a field copy. With no OpenTelemetry SDK registered there is no active
 * span, and this returns at the first check.
 */
export function edgeTraceparent(): string | undefined {
  const span = trace.getSpan(context.active());
  return span === undefined ? undefined : format(span.spanContext());
}

/**
 * A span for one hop of a traced message (gateway → actor → store), child of the span named by
 * `traceparent`. Only called for envelopes that carry a trace: with no SDK there is none, and the
 * hot path pays one `undefined` check.
 */
export function startHop(name: string, traceparent: string, attributes: Attributes, kind: SpanKind = SpanKind.CONSUMER): Span {
  return tracer.startSpan(name, { kind, attributes }, parentOf(traceparent));
}

/** The traceparent of `span`, for what is sent while it runs (so the next hop is its child); undefined when it is not sampled. */
export function traceparentOf(span: Span): string | undefined {
  return format(span.spanContext());
}

export function endHop(span: Span, error?: unknown): void {
  if (error !== undefined) {
    span.recordException(error instanceof Error ? error : String(error));
    span.setStatus({ code: SpanStatusCode.ERROR });
  }
  span.end();
}

/**
 * Runs `fn` inside a span of its own when an SDK is tracing (the edge of a trace: a gateway frame,
 * a tool's request): what `fn` sends carries the span's traceparent (see edgeTraceparent). With no
 * SDK the span does not record, and `fn` runs as it is.
 */
export function withEdgeSpan<T>(name: string, attributes: Attributes, fn: () => T): T {
  const span = tracer.startSpan(name, { kind: SpanKind.SERVER, attributes });
  if (!span.isRecording()) return fn();
  try {
    return context.with(trace.setSpan(context.active(), span), fn);
  } finally {
    span.end();
  }
}

/**
 * The actor hops of the traced messages one thread is handling (an empty map without an SDK: an
 * untraced envelope never reaches it). A hop's span becomes the envelope's trace, so what the actor
 * sends while handling it, and the save it waits for, are the hop's children.
 */
export class MessageSpans {
  readonly #open = new Map<Envelope, Span>();

  start(e: Envelope, kind: string, actor: string): void {
    // The thread is on the span's resource (glass.thread). From another node (a stream entry's
    // receipt) the hop crossed Redis: glass.via says so, where a span of its own did (see MainRouter.toNode).
    const attributes: Attributes = e.receipt === 0 ? { 'glass.actor': actor, 'glass.message': e.msg.type } : { 'glass.actor': actor, 'glass.message': e.msg.type, 'glass.via': 'stream' };
    const span = startHop(`glass.actor ${kind}`, e.trace!, attributes);
    // Not sampled (a foreign traceparent, a sampler that is not parent-based): nothing is kept,
    // and what the actor sends carries no trace on.
    e.trace = traceparentOf(span);
    if (e.trace !== undefined) this.#open.set(e, span);
  }

  /** The span of the save a traced message waits for; null for an untraced one. */
  save(e: Envelope, actor: string): Span | null {
    return this.#open.has(e) ? startHop('glass.store save', e.trace!, { 'glass.actor': actor }, SpanKind.CLIENT) : null;
  }

  end(e: Envelope, error?: unknown): void {
    if (this.#open.size === 0) return;
    const span = this.#open.get(e);
    if (span === undefined) return;
    this.#open.delete(e);
    endHop(span, error);
  }
}
