// A small OTLP/HTTP JSON receiver on loopback: what the bench's traced runs export to, and what the
// telemetry tests read (there is no collector on this machine). It answers every POST with 200 and
// keeps the decoded bodies (up to `keep`, then only counts them, so a long bench run stays small).
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gunzipSync } from 'node:zlib';

export interface OtlpAttribute {
  readonly key: string;
  readonly value: { stringValue?: string; intValue?: string | number; doubleValue?: number; boolValue?: boolean };
}

export interface OtlpSpan {
  readonly traceId: string;
  readonly spanId: string;
  readonly parentSpanId?: string;
  readonly name: string;
  readonly attributes?: readonly OtlpAttribute[];
}

/** A span with its resource's attributes beside it. */
export interface ReceivedSpan extends OtlpSpan {
  readonly resource: Readonly<Record<string, string>>;
}

export interface ReceivedMetric {
  readonly name: string;
  readonly resource: Readonly<Record<string, string>>;
  readonly body: Record<string, unknown>;
}

export class OtlpSink {
  readonly #server: Server;
  readonly #keep: number;
  readonly spans: ReceivedSpan[] = [];
  readonly metrics: ReceivedMetric[] = [];
  /** Export requests per path, kept or not. */
  readonly requests = new Map<string, number>();
  spanCount = 0;
  #waiters: (() => void)[] = [];

  private constructor(server: Server, keep: number) {
    this.#server = server;
    this.#keep = keep;
  }

  static async start(options: { keep?: number } = {}): Promise<OtlpSink> {
    let sink!: OtlpSink;
    const server = createServer((req, res) => {
      void sink.#receive(req).then(
        () => res.writeHead(200, { 'content-type': 'application/json' }).end('{}'),
        () => res.writeHead(400).end(),
      );
    });
    sink = new OtlpSink(server, options.keep ?? 100_000);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return sink;
  }

  /** The endpoint to give OTEL_EXPORTER_OTLP_ENDPOINT. */
  get url(): string {
    return `http://127.0.0.1:${(this.#server.address() as AddressInfo).port}`;
  }

  /** Resolves once `test()` holds, checked after every export received; rejects after `timeoutMs`. */
  waitFor<T>(test: () => T | undefined | false, timeoutMs = 10_000): Promise<T> {
    return new Promise((resolve, reject) => {
      const check = (): boolean => {
        const v = test();
        if (v === undefined || v === false) return false;
        clearTimeout(timer);
        resolve(v);
        return true;
      };
      const timer = setTimeout(() => {
        this.#waiters = this.#waiters.filter((w) => w !== waiter);
        reject(new Error(`the OTLP sink did not receive what was awaited within ${timeoutMs} ms (${this.spanCount} spans, ${this.metrics.length} metrics)`));
      }, timeoutMs);
      const waiter = (): void => {
        if (check()) this.#waiters = this.#waiters.filter((w) => w !== waiter);
      };
      if (!check()) this.#waiters.push(waiter);
    });
  }

  close(): Promise<void> {
    this.#server.closeAllConnections();
    return new Promise((resolve) => this.#server.close(() => resolve()));
  }

  async #receive(req: IncomingMessage): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    let raw = Buffer.concat(chunks);
    if (req.headers['content-encoding'] === 'gzip') raw = gunzipSync(raw);
    const path = req.url ?? '/';
    this.requests.set(path, (this.requests.get(path) ?? 0) + 1);
    if (!String(req.headers['content-type']).includes('json')) return;
    const body = JSON.parse(raw.toString('utf8')) as Record<string, unknown>;
    for (const rs of (body.resourceSpans as { resource?: { attributes?: OtlpAttribute[] }; scopeSpans?: { spans?: OtlpSpan[] }[] }[] | undefined) ?? []) {
      const resource = attributeMap(rs.resource?.attributes);
      for (const ss of rs.scopeSpans ?? []) {
        for (const span of ss.spans ?? []) {
          this.spanCount++;
          if (this.spans.length < this.#keep) this.spans.push({ ...span, resource });
        }
      }
    }
    for (const rm of (body.resourceMetrics as { resource?: { attributes?: OtlpAttribute[] }; scopeMetrics?: { metrics?: Record<string, unknown>[] }[] }[] | undefined) ?? []) {
      const resource = attributeMap(rm.resource?.attributes);
      for (const sm of rm.scopeMetrics ?? []) for (const m of sm.metrics ?? []) if (this.metrics.length < this.#keep) this.metrics.push({ name: String(m.name), resource, body: m });
    }
    for (const w of [...this.#waiters]) w();
  }
}

/** OTLP key/value attributes as a plain record of strings. */
export function attributeMap(attributes: readonly OtlpAttribute[] | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const a of attributes ?? []) {
    const v = a.value;
    out[a.key] = String(v.stringValue ?? v.intValue ?? v.doubleValue ?? v.boolValue ?? '');
  }
  return out;
}
