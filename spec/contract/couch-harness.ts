import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import nano from 'nano';
import { startEmbeddedCouch, type EmbeddedCouch } from '../../cluster/index.js';

/** A data directory under the system temp dir, removed by `remove()`. */
export function tempDataDir(label: string): { path: string; remove(): void } {
  const path = mkdtempSync(join(tmpdir(), `glass-${label}-`));
  return { path, remove: () => rmSync(path, { recursive: true, force: true }) };
}

/** An embedded server on a fresh data directory, and a teardown for `after`. */
export async function startTestCouch(label: string): Promise<{ couch: EmbeddedCouch; dataDir: string; stop(): Promise<void> }> {
  const dir = tempDataDir(label);
  try {
    const couch = await startEmbeddedCouch({ dataDir: dir.path });
    return {
      couch,
      dataDir: dir.path,
      stop: async () => {
        await couch.close();
        dir.remove();
      },
    };
  } catch (err) {
    dir.remove();
    throw err;
  }
}

/** Database names unique to this process, so that test files sharing a server never meet. */
export function dbNamer(prefix: string): () => string {
  let n = 0;
  return () => `${prefix}_${process.pid}_${++n}`;
}

/** Deletes databases (e.g. those a test created on a real CouchDB); errors are ignored. */
export async function dropDatabases(url: string, names: readonly string[]): Promise<void> {
  const server = nano({ url, parseUrl: false } as nano.Configuration);
  await Promise.allSettled(names.map((name) => server.db.destroy(name)));
}

export interface SeenRequest {
  method: string;
  path: string;
}

/**
 * What the proxy does to the next request instead of passing it through: answer a status without
 * forwarding, never answer, or forward it (the server applies it) and then answer 503 anyway.
 */
export type Fault = { status: number } | 'stall' | 'applied-then-503';

/**
 * A pass-through HTTP proxy that records each request (method and path without query), to count
 * how many round trips the store makes, and injects the faults queued in `faults`.
 */
export class CountingProxy {
  readonly seen: SeenRequest[] = [];
  readonly faults: Fault[] = [];
  readonly #server: Server;
  readonly #target: URL;

  private constructor(target: string) {
    this.#target = new URL(target);
    this.#server = createServer((req, res) => {
      this.seen.push({ method: req.method ?? '', path: (req.url ?? '').split('?')[0] });
      const fault = this.faults.shift();
      if (fault === 'stall') return;
      if (fault !== undefined && fault !== 'applied-then-503') {
        req.resume();
        res.writeHead(fault.status, { 'content-type': 'application/json' }).end(JSON.stringify({ error: 'injected', reason: `status ${fault.status}` }));
        return;
      }
      const upstream = request(
        { host: this.#target.hostname, port: this.#target.port, method: req.method, path: req.url, headers: req.headers },
        (reply) => {
          if (fault === 'applied-then-503') {
            reply.resume();
            reply.on('end', () => res.writeHead(503, { 'content-type': 'application/json' }).end('{"error":"injected"}'));
            return;
          }
          res.writeHead(reply.statusCode ?? 502, reply.headers);
          reply.pipe(res);
        },
      );
      upstream.on('error', () => res.destroy());
      req.pipe(upstream);
    });
  }

  static async start(target: string): Promise<CountingProxy> {
    const proxy = new CountingProxy(target);
    await new Promise<void>((resolve) => proxy.#server.listen(0, '127.0.0.1', resolve));
    return proxy;
  }

  get url(): string {
    return `http://127.0.0.1:${(this.#server.address() as AddressInfo).port}`;
  }

  /** Requests seen since `from`, as "METHOD /path" strings. */
  since(from: number): string[] {
    return this.seen.slice(from).map((r) => `${r.method} ${r.path}`);
  }

  async close(): Promise<void> {
    this.#server.closeAllConnections();
    await new Promise((resolve) => this.#server.close(resolve));
  }
}
