// PostgreSQL for the audit tests: the CI server (127.0.0.1:5432, trust auth, database `test`) and
// the embedded one (PGlite behind its front, one per test process in a temporary directory), a
// schema of its own per test file (dropped afterwards), and a TCP proxy the tests can cut and restore.
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, connect, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { EmbeddedPostgres } from '../../cluster/index.js';

const CANDIDATES = process.env.GLASS_TEST_PG_URL
  ? [process.env.GLASS_TEST_PG_URL]
  : ['postgres://postgres@127.0.0.1:5432/test', 'postgres://root@127.0.0.1:5432/test'];

let found: Promise<string> | null = null;

/** The first candidate URL that connects (user postgres, else root). */
export function testPgUrl(): Promise<string> {
  return (found ??= (async () => {
    let last: unknown;
    for (const url of CANDIDATES) {
      const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 3_000 });
      try {
        await client.connect();
        await client.end();
        return url;
      } catch (err) {
        last = err;
        await client.end().catch(() => {});
      }
    }
    throw new Error(`no PostgreSQL for the audit tests at ${CANDIDATES.join(' or ')}: ${(last as Error)?.message}`);
  })());
}

/** One PostgreSQL the audit suites run against. */
export interface PgBackend {
  readonly name: 'server' | 'embedded';
  url(): Promise<string>;
  /** Server roles to connect as (CREATE ROLE … LOGIN): PGlite has one user, whatever the startup names. */
  readonly roles: boolean;
}

let embedded: { pg: EmbeddedPostgres; dir: string } | null = null;

/** This process's embedded PostgreSQL (started on first use, in a temporary directory). */
export async function embeddedPgUrl(): Promise<string> {
  if (embedded === null) {
    const dir = mkdtempSync(join(tmpdir(), 'glass-test-pg-'));
    embedded = { pg: await EmbeddedPostgres.start({ dataDir: dir }), dir };
  }
  await embedded.pg.ready;
  return embedded.pg.url;
}

/** Stops this process's embedded PostgreSQL (call it in the test file's last after()). */
export async function stopEmbeddedPg(): Promise<void> {
  const e = embedded;
  embedded = null;
  if (e === null) return;
  await e.pg.stop();
  rmSync(e.dir, { recursive: true, force: true });
}

/** The real server and the embedded one: `for (const backend of PG_BACKENDS) describe(…)`. */
export const PG_BACKENDS: readonly PgBackend[] = [
  { name: 'server', url: testPgUrl, roles: true },
  { name: 'embedded', url: embeddedPgUrl, roles: false },
];

/** A schema name no other test file or run uses. */
export function uniqueSchema(label: string): string {
  return `glass_t_${label}_${process.pid}_${Date.now().toString(36)}_${Math.floor(Math.random() * 1e6).toString(36)}`.toLowerCase().replace(/[^a-z0-9_]/g, '_').slice(0, 63);
}

/** Runs one statement on its own connection (on the real server unless `url` says otherwise). */
export async function sql<R extends pg.QueryResultRow = pg.QueryResultRow>(text: string, params: unknown[] = [], url?: string): Promise<R[]> {
  const client = new pg.Client({ connectionString: url ?? (await testPgUrl()) });
  await client.connect();
  try {
    return (await client.query<R>(text, params)).rows;
  } finally {
    await client.end();
  }
}

export async function dropSchema(schema: string, url?: string): Promise<void> {
  await sql(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`, [], url);
}

/** The same URL, but through `port` on 127.0.0.1 (a TcpProxy in front of the server). */
export function viaPort(url: string, port: number): string {
  const u = new URL(url);
  u.host = `127.0.0.1:${port}`;
  return u.toString();
}

/**
 * A TCP proxy on a fixed local port in front of PostgreSQL. `cut()` stops listening and destroys
 * every piped connection (as a server or network going away does); `cutOnNextRequest()` does it with
 * TCP resets (ECONNRESET on the client) the moment a client next sends anything — a query in flight
 * on a checked-out connection; `restore()` listens again on the same port.
 */
export class TcpProxy {
  readonly port: number;
  readonly #target: { host: string; port: number };
  readonly #sockets = new Set<Socket>();
  #server: Server | null = null;
  #armed: (() => void) | null = null;

  private constructor(port: number, target: { host: string; port: number }) {
    this.port = port;
    this.#target = target;
  }

  /** A proxy to `targetUrl`'s host and port; listening unless `open` is false. */
  static async start(targetUrl: string, open = true): Promise<TcpProxy> {
    const u = new URL(targetUrl);
    const probe = createServer();
    const port = await new Promise<number>((resolve) => probe.listen(0, '127.0.0.1', () => resolve((probe.address() as { port: number }).port)));
    await new Promise<void>((resolve) => probe.close(() => resolve()));
    const proxy = new TcpProxy(port, { host: u.hostname, port: Number(u.port || 5432) });
    if (open) await proxy.restore();
    return proxy;
  }

  get open(): boolean {
    return this.#server !== null;
  }

  restore(): Promise<void> {
    if (this.#server !== null) return Promise.resolve();
    const server = createServer((client) => {
      const upstream = connect(this.#target.port, this.#target.host);
      for (const s of [client, upstream]) {
        this.#sockets.add(s);
        s.on('close', () => this.#sockets.delete(s));
        s.on('error', () => {});
      }
      client.on('data', () => {
        const cutNow = this.#armed;
        if (cutNow === null) return;
        this.#armed = null;
        cutNow();
      });
      client.pipe(upstream).pipe(client);
      client.on('close', () => upstream.destroy());
      upstream.on('close', () => client.destroy());
    });
    this.#server = server;
    return new Promise((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.port, '127.0.0.1', () => resolve());
    });
  }

  cut(reset = false): Promise<void> {
    const server = this.#server;
    if (server === null) return Promise.resolve();
    this.#server = null;
    for (const s of this.#sockets) {
      if (reset) s.resetAndDestroy();
      else s.destroy();
    }
    this.#sockets.clear();
    return new Promise((resolve) => server.close(() => resolve()));
  }

  /** Resolves once a client sent something and every connection was reset (the proxy stays closed). */
  cutOnNextRequest(): Promise<void> {
    return new Promise((resolve) => {
      this.#armed = () => void this.cut(true).then(resolve);
    });
  }
}
