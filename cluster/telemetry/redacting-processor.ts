// Secrets never reach a collector: every span passes through here on its way to the batch, and an
// attribute whose key names a credential, or whose value looks like one (a bearer token, a JWT, a
// URL with a password), is replaced. The spans the runtime makes carry ids only; this guards what a
// handler, a library's instrumentation or a later change puts on a span. Types only from the SDK.
import type { Context } from '@opentelemetry/api';
import type { ReadableSpan, Span, SpanProcessor } from '@opentelemetry/sdk-trace-base';

export const REDACTED = '[redacted]';

const SECRET_KEY = /(pass(word)?|secret|token|api[-_.]?key|authori[sz]ation|cookie|credential|private[-_.]?key|cluster[-_.]?key|signature)/i;
const SECRET_VALUE = [
  /^bearer\s+\S+/i,
  /^eyJ[\w-]{8,}\.[\w-]{8,}\.[\w-]*$/, // a JWT
  /^[a-z][a-z0-9+.-]*:\/\/[^/\s:@]*:[^/\s@]+@/i, // scheme://user:password@host
  /-----BEGIN [A-Z ]*PRIVATE KEY-----/,
];

// The keys a thread's spans carry are few and the same on every span: each is tested once. Bounded,
// so keys made of data (a handler's, a library's) cannot grow it: past the bound they are tested each time.
const KEY_CACHE_MAX = 256;
const secretKeys = new Map<string, boolean>();

function isSecretKey(key: string): boolean {
  let secret = secretKeys.get(key);
  if (secret === undefined) {
    secret = SECRET_KEY.test(key);
    if (secretKeys.size < KEY_CACHE_MAX) secretKeys.set(key, secret);
  }
  return secret;
}

/** True when an attribute must not leave the process as it is. */
export function isSecretAttribute(key: string, value: unknown): boolean {
  if (isSecretKey(key)) return true;
  if (typeof value === 'string') return SECRET_VALUE.some((re) => re.test(value));
  if (Array.isArray(value)) return value.some((v) => typeof v === 'string' && SECRET_VALUE.some((re) => re.test(v)));
  return false;
}

export class RedactingSpanProcessor implements SpanProcessor {
  readonly #next: SpanProcessor;

  constructor(next: SpanProcessor) {
    this.#next = next;
  }

  onStart(span: Span, parentContext: Context): void {
    this.#next.onStart(span, parentContext);
  }

  onEnd(span: ReadableSpan): void {
    // An ended span's attributes are frozen for its API, not for its processors: the object is
    // the one the exporter serialises.
    const attributes = span.attributes as Record<string, unknown>;
    for (const key in attributes) if (isSecretAttribute(key, attributes[key])) attributes[key] = REDACTED;
    for (const event of span.events) {
      const a = event.attributes as Record<string, unknown> | undefined;
      if (a !== undefined) for (const key in a) if (isSecretAttribute(key, a[key])) a[key] = REDACTED;
    }
    this.#next.onEnd(span);
  }

  forceFlush(): Promise<void> {
    return this.#next.forceFlush();
  }

  shutdown(): Promise<void> {
    return this.#next.shutdown();
  }
}
