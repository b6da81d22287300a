import { context, propagation, trace } from '@opentelemetry/api';

const carrier: Record<string, string> = {};

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
