import { ROOT_CONTEXT, SpanKind, SpanStatusCode, context, propagation, trace, type Attributes, type Span } from '@opentelemetry/api';
import type { Envelope } from './envelope.js';

const carrier: Record<string, string> = {};
const tracer = trace.getTracer('glass-runtime');

/**
 * The traceparent to stamp on an envelope sent from outside any actor (gateway, CLI, tests).
 * Inside an actor the envelope being handled passes its own trace on, at the cost of a field copy.
 * With no OpenTelemetry SDK registered there is no active span, and this returns at the first check.
 */
export function edgeTraceparent(): string | undefined {
  const active = context.active();
  if (trace.getSpan(active) === undefined) return undefined;
  carrier.traceparent = '';
  propagation.inject(active, carrier);
  const value = carrier.traceparent;
  return value === '' ? undefined : value;
}

/**
 * A span for one hop of a traced message (gateway → actor → store / stream), child of the span
 * named by `traceparent`. Only called for envelopes that carry a trace: with no SDK there is none,
 * and the hot path pays one `undefined` check.
 */
export function startHop(name: string, traceparent: string, attributes: Attributes, kind: SpanKind = SpanKind.CONSUMER): Span {
  carrier.traceparent = traceparent;
  const parent = propagation.extract(ROOT_CONTEXT, carrier);
  return tracer.startSpan(name, { kind, attributes }, parent);
}

/** The traceparent of `span`, for what is sent while it runs (so the next hop is its child). */
export function traceparentOf(span: Span): string | undefined {
  carrier.traceparent = '';
  propagation.inject(trace.setSpan(ROOT_CONTEXT, span), carrier);
  const value = carrier.traceparent;
  return value === '' ? undefined : value;
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

  start(e: Envelope, kind: string, actor: string, thread: number): void {
    const span = startHop(`glass.actor ${kind}`, e.trace!, { 'glass.actor': actor, 'glass.message': e.msg.type, 'glass.thread': thread });
    this.#open.set(e, span);
    e.trace = traceparentOf(span) ?? e.trace;
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
