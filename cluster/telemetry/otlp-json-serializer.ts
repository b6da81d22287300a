// The OTLP/HTTP JSON body of a batch of spans, written as strings: the same JSON the SDK's
// JsonTraceSerializer sends (OTLP's JSON mapping: hex ids, integer enums, nanosecond times as
// strings), without the intermediate tree of objects it builds per span and its BigInt
// timestamps: less garbage per exported span (bench/RESULTS.md, cross-node --tracing both).
// Responses are parsed as the SDK's are. Types only from the SDK; worker-safe.
import type { HrTime, Link } from '@opentelemetry/api';
import type { ReadableSpan, TimedEvent } from '@opentelemetry/sdk-trace-base';

// OTLP span flags: the W3C trace flags, and whether the parent's remoteness is known / remote.
const HAS_IS_REMOTE = 0x100;
const IS_REMOTE = 0x200;

/** An OTel ISerializer (otlp-transformer) for spans: request bytes out, response object in. */
export const LeanJsonTraceSerializer = {
  serializeRequest(spans: ReadableSpan[]): Uint8Array {
    return Buffer.from(traceRequestJson(spans), 'utf8');
  },
  deserializeResponse(body: Uint8Array): object {
    if (body.length === 0) return {};
    try {
      return JSON.parse(Buffer.from(body.buffer, body.byteOffset, body.byteLength).toString('utf8')) as object;
    } catch {
      return {};
    }
  },
};

/** The ExportTraceServiceRequest of `spans`, grouped by resource then by instrumentation scope. */
export function traceRequestJson(spans: readonly ReadableSpan[]): string {
  const byResource = new Map<ReadableSpan['resource'], Map<string, ReadableSpan[]>>();
  for (const span of spans) {
    let scopes = byResource.get(span.resource);
    if (scopes === undefined) byResource.set(span.resource, (scopes = new Map()));
    const s = span.instrumentationScope;
    const key = `${s.name}@${s.version ?? ''}:${s.schemaUrl ?? ''}`;
    const list = scopes.get(key);
    if (list === undefined) scopes.set(key, [span]);
    else list.push(span);
  }
  let out = '{"resourceSpans":[';
  let firstResource = true;
  for (const [resource, scopes] of byResource) {
    out += (firstResource ? '' : ',') + '{"resource":{"attributes":' + attributesJson(resource.attributes) + ',"droppedAttributesCount":0';
    if (resource.schemaUrl) out += ',"schemaUrl":' + JSON.stringify(resource.schemaUrl);
    out += '},"scopeSpans":[';
    firstResource = false;
    let firstScope = true;
    for (const list of scopes.values()) {
      const scope = list[0].instrumentationScope;
      out += (firstScope ? '' : ',') + '{"scope":{"name":' + JSON.stringify(scope.name);
      if (scope.version !== undefined) out += ',"version":' + JSON.stringify(scope.version);
      out += '},"spans":[';
      firstScope = false;
      // Joined, not appended: one flat string, where appending builds a rope the UTF-8 copy flattens.
      const parts = new Array<string>(list.length);
      for (let i = 0; i < list.length; i++) parts[i] = spanJson(list[i]);
      out += parts.join(',') + ']';
      if (scope.schemaUrl) out += ',"schemaUrl":' + JSON.stringify(scope.schemaUrl);
      out += '}';
    }
    out += ']';
    if (resource.schemaUrl) out += ',"schemaUrl":' + JSON.stringify(resource.schemaUrl);
    out += '}';
  }
  return out + ']}';
}

function spanJson(span: ReadableSpan): string {
  const ctx = span.spanContext();
  const parent = span.parentSpanContext;
  let out = '{"traceId":"' + ctx.traceId + '","spanId":"' + ctx.spanId + '"';
  if (parent?.spanId) out += ',"parentSpanId":"' + parent.spanId + '"';
  const traceState = ctx.traceState?.serialize();
  if (traceState !== undefined) out += ',"traceState":' + JSON.stringify(traceState);
  out += ',"name":' + JSON.stringify(span.name);
  // The API's kinds start at INTERNAL = 0; OTLP's at UNSPECIFIED = 0.
  out += ',"kind":' + (span.kind + 1);
  out += ',"startTimeUnixNano":"' + nanos(span.startTime) + '","endTimeUnixNano":"' + nanos(span.endTime) + '"';
  out += ',"attributes":' + attributesJson(span.attributes) + ',"droppedAttributesCount":' + span.droppedAttributesCount;
  out += ',"events":' + (span.events.length === 0 ? '[]' : eventsJson(span.events)) + ',"droppedEventsCount":' + span.droppedEventsCount;
  out += ',"status":{"code":' + span.status.code;
  if (span.status.message !== undefined) out += ',"message":' + JSON.stringify(span.status.message);
  out += '},"links":' + (span.links.length === 0 ? '[]' : linksJson(span.links)) + ',"droppedLinksCount":' + span.droppedLinksCount;
  let flags = (ctx.traceFlags & 0xff) | HAS_IS_REMOTE;
  if (parent?.isRemote === true) flags |= IS_REMOTE;
  return out + ',"flags":' + flags + '}';
}

function eventsJson(events: readonly TimedEvent[]): string {
  let out = '[';
  for (let i = 0; i < events.length; i++) {
    const e = events[i];
    out += (i === 0 ? '' : ',') + '{"attributes":' + attributesJson(e.attributes ?? {}) + ',"name":' + JSON.stringify(e.name) + ',"timeUnixNano":"' + nanos(e.time) + '","droppedAttributesCount":' + (e.droppedAttributesCount ?? 0) + '}';
  }
  return out + ']';
}

function linksJson(links: readonly Link[]): string {
  let out = '[';
  for (let i = 0; i < links.length; i++) {
    const l = links[i];
    const traceState = l.context.traceState?.serialize();
    let flags = (l.context.traceFlags & 0xff) | HAS_IS_REMOTE;
    if (l.context.isRemote === true) flags |= IS_REMOTE;
    out += (i === 0 ? '' : ',') + '{"attributes":' + attributesJson(l.attributes ?? {}) + ',"spanId":"' + l.context.spanId + '","traceId":"' + l.context.traceId + '"';
    if (traceState !== undefined) out += ',"traceState":' + JSON.stringify(traceState);
    out += ',"droppedAttributesCount":' + (l.droppedAttributesCount ?? 0) + ',"flags":' + flags + '}';
  }
  return out + ']';
}

function attributesJson(attributes: Readonly<Record<string, unknown>>): string {
  let out = '[';
  let first = true;
  for (const key in attributes) {
    out += (first ? '' : ',') + '{"key":' + JSON.stringify(key) + ',"value":' + anyValueJson(attributes[key]) + '}';
    first = false;
  }
  return out + ']';
}

/** An AnyValue, as the SDK's JSON encoder writes it (integers as numbers, bytes as base64). */
function anyValueJson(value: unknown): string {
  switch (typeof value) {
    case 'string':
      return '{"stringValue":' + JSON.stringify(value) + '}';
    case 'number':
      if (!Number.isInteger(value)) return '{"doubleValue":' + JSON.stringify(value) + '}';
      return '{"intValue":' + value + '}';
    case 'boolean':
      return '{"boolValue":' + value + '}';
    case 'object': {
      if (value === null) return '{}';
      if (value instanceof Uint8Array) return '{"bytesValue":"' + Buffer.from(value).toString('base64') + '"}';
      if (Array.isArray(value)) {
        let out = '{"arrayValue":{"values":[';
        for (let i = 0; i < value.length; i++) out += (i === 0 ? '' : ',') + anyValueJson(value[i]);
        return out + ']}}';
      }
      let out = '{"kvlistValue":{"values":[';
      let first = true;
      for (const key of Object.keys(value)) {
        out += (first ? '' : ',') + '{"key":' + JSON.stringify(key) + ',"value":' + anyValueJson((value as Record<string, unknown>)[key]) + '}';
        first = false;
      }
      return out + ']}}';
    }
    default:
      return '{}';
  }
}

/** [seconds, nanoseconds] as the decimal nanoseconds since the epoch, exactly (no BigInt). */
export function nanos(t: HrTime): string {
  const s = Math.trunc(t[0]);
  const tail = String(Math.trunc(t[1]));
  if (s === 0) return tail;
  return String(s) + '000000000'.slice(tail.length) + tail;
}
