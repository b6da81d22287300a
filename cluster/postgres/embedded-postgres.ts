// PostgreSQL for a node without GLASS_PG_URL: PGlite (PostgreSQL compiled to WebAssembly) on a data
// directory, with pg_trgm, served by pglite-socket on a Unix socket in a private directory, behind a
// loopback TCP front that asks for this start's password (pg-front.ts). The same `pg` code that talks
// to a real server talks to this one. PGlite runs on a worker thread of its own (pglite-thread.ts):
// on this thread its initdb and queries would stall everything else the process does.
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Worker } from 'node:worker_threads';
import { InvalidOptionError, integerOption } from '../../runtime/index.js';
import { EmbeddedPostgresError, PostgresErrors, claimEndpoint, endpointUrl, releaseEndpoint, type EmbeddedEndpoint } from './embedded-endpoint.js';
import { PgFront } from './pg-front.js';
import type { PgliteThreadData, PgliteThreadReport } from './pglite-thread.js';

export interface EmbeddedPostgresOptions {
  /** Where PGlite keeps its files (made 0700 if missing); endpoint.json beside them. */
  dataDir: string;
  /** Loopback only: 127.x.y.z, ::1 or localhost. Default 127.0.0.1. */
  host?: string;
  /** Default 0 (any free port; the URL says which). */
  port?: number;
  /** Connections at once, over every pool of every process. Default 32; past it a client is refused with SQLSTATE 53300. */
  maxConnections?: number;
}

export type EmbeddedPostgresStatus = 'starting' | 'ready' | 'failed' | 'stopped';

const USER = 'glass';
const DATABASE = 'postgres';
const LOOPBACK = /^(127\.\d{1,3}\.\d{1,3}\.\d{1,3}|::1|localhost)$/;

const THREAD = new URL('./pglite-thread.js', import.meta.url);
/** How long a stop waits for the thread to close PGlite before it is terminated. */
const STOP_TIMEOUT_MS = 10_000;

export class EmbeddedPostgres {
  /** postgresql://glass:<password>@127.0.0.1:<port>/postgres: never log it (safeUrl). */
  readonly url: string;
  readonly safeUrl: string;
  readonly dataDir: string;
  readonly port: number;
  /** Resolves once PGlite is up (connections made before wait for it); rejects with GLASS_ERR_PG_EMBEDDED_START. */
  readonly ready: Promise<void>;
  readonly #front: PgFront;
  readonly #socketDir: string;
  #status: EmbeddedPostgresStatus = 'starting';
  #thread: Worker | null = null;
  #threadEnded: Promise<void> = Promise.resolve();
  #stopping: Promise<void> | null = null;

  private constructor(front: PgFront, endpoint: EmbeddedEndpoint, dataDir: string, socketDir: string, inner: Promise<string>) {
    this.#front = front;
    this.port = endpoint.port;
    this.url = endpointUrl(endpoint);
    this.safeUrl = `postgresql://${endpoint.host}:${endpoint.port}/${endpoint.database}`;
    this.dataDir = dataDir;
    this.#socketDir = socketDir;
    this.ready = inner.then(
      () => {
        if (this.#status === 'starting') this.#status = 'ready';
      },
      (err: unknown) => {
        if (this.#status === 'starting') this.#status = 'failed';
        throw err;
      },
    );
    this.ready.catch(() => {});
  }

  /**
   * Listens at once and opens PGlite in the background (a first start runs initdb: seconds): a
   * caller need not wait for `ready`, its connections are held until then. Throws
   * GLASS_ERR_PG_EMBEDDED_BUSY when a live process serves `dataDir` already.
   */
  static async start(options: EmbeddedPostgresOptions): Promise<EmbeddedPostgres> {
    if (options === null || typeof options !== 'object') throw new InvalidOptionError('', 'an object', options);
    if (typeof options.dataDir !== 'string' || options.dataDir === '') throw new InvalidOptionError('dataDir', 'a directory path', options.dataDir);
    const host = options.host ?? '127.0.0.1';
    if (typeof host !== 'string' || !LOOPBACK.test(host)) throw new InvalidOptionError('host', 'a loopback address (127.x.y.z, ::1, localhost)', host);
    const port = options.port === undefined ? 0 : integerOption('port', options.port, 0, 65_535, 'a port (0: any)');
    const maxConnections = options.maxConnections === undefined ? 32 : integerOption('maxConnections', options.maxConnections, 1, 1_000, 'an integer from 1 to 1000');
    const dataDir = resolve(options.dataDir);
    mkdirSync(dataDir, { recursive: true, mode: 0o700 });
    const password = randomBytes(24).toString('base64url');
    let openInner!: (path: string) => void;
    let failInner!: (err: unknown) => void;
    const inner = new Promise<string>((res, rej) => {
      openInner = res;
      failInner = rej;
    });
    const front = await PgFront.listen({ host, port, user: USER, password, inner, maxConnections, authTimeoutMs: 10_000, maxPendingBytes: 64 * 1024 * 1024 });
    const endpoint: EmbeddedEndpoint = { pid: process.pid, host, port: front.port, user: USER, password, database: DATABASE };
    try {
      claimEndpoint(dataDir, endpoint);
    } catch (err) {
      await front.close();
      throw err;
    }
    // mkdtemp makes the directory 0700: only this user can reach the socket, which asks for nothing.
    const socketDir = mkdtempSync(join(tmpdir(), 'glass-pg-'));
    const pg = new EmbeddedPostgres(front, endpoint, dataDir, socketDir, inner);
    pg.#open(maxConnections).then(openInner, (err: unknown) => {
      failInner(new EmbeddedPostgresError(PostgresErrors.EMBEDDED_START, `PGlite could not open ${join(dataDir, 'data')}: ${(err as Error)?.message ?? String(err)}`, undefined, { cause: err }));
    });
    return pg;
  }

  get status(): EmbeddedPostgresStatus {
    return this.#status;
  }

  /** Connections through the front now. */
  get connections(): number {
    return this.#front.connections;
  }

  /** Starts the thread and resolves with the socket's path once PGlite serves it. */
  async #open(maxConnections: number): Promise<string> {
    const path = join(this.#socketDir, '.s.PGSQL.5432');
    // One more than the front lets in: the front refuses properly (SQLSTATE 53300) before pglite-socket
    // would answer a raw "Too many connections" line no client can parse.
    const data: PgliteThreadData = { dataDir: join(this.dataDir, 'data'), socketPath: path, maxConnections: maxConnections + 1 };
    const thread = new Worker(THREAD, { workerData: data });
    this.#thread = thread;
    this.#threadEnded = new Promise((res) => thread.once('exit', () => res()));
    await new Promise<void>((res, rej) => {
      thread.on('message', (m: PgliteThreadReport) => {
        if (m?.t === 'ready') res();
        else if (m?.t === 'failed') rej(new Error(m.message));
      });
      thread.once('error', rej);
      thread.once('exit', (code) => {
        rej(new Error(`the PGlite thread ended (exit code ${code})`));
        // Died once serving: connections fail from here on, and the status says so.
        if (this.#status === 'ready') this.#status = 'failed';
      });
    });
    if (this.#isStopped()) throw new Error('stopped while starting');
    return path;
  }

  // A method, not a comparison: TypeScript would narrow #status across the awaits of #open.
  #isStopped(): boolean {
    return this.#status === 'stopped';
  }

  /** Closes every connection, PGlite (its files consistent), and gives the data directory up. */
  stop(): Promise<void> {
    this.#stopping ??= (async () => {
      const wasStarting = this.#status === 'starting';
      this.#status = 'stopped';
      await this.#front.close();
      if (wasStarting) await this.ready.catch(() => {});
      const thread = this.#thread;
      if (thread !== null) {
        thread.postMessage({ t: 'stop' });
        const timer = setTimeout(() => void thread.terminate(), STOP_TIMEOUT_MS);
        await this.#threadEnded;
        clearTimeout(timer);
      }
      rmSync(this.#socketDir, { recursive: true, force: true });
      releaseEndpoint(this.dataDir);
    })();
    return this.#stopping;
  }
}
