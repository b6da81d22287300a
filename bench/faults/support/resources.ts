// What several cases share, started on first use and closed once at the end: the "edge" node (a
// `glass start` on its embedded store, with the audit log in a PostgreSQL schema of its own) and
// the PostgreSQL server itself.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { startEmbeddedCouch, type EmbeddedCouch } from '../../../cluster/index.js';
import { GlassProcess } from './glass-process.js';
import { tokenEnv } from './keys.js';

const PG_CANDIDATES = ['postgres://postgres@127.0.0.1:5432/test', 'postgres://root@127.0.0.1:5432/test', 'postgres://postgres@127.0.0.1:5432/postgres', 'postgres://root@127.0.0.1:5432/postgres'];

export async function pgQuery(url: string, text: string, params: unknown[] = []): Promise<pg.QueryResult> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 3_000 });
  client.on('error', () => undefined);
  await client.connect();
  try {
    return await client.query(text, params);
  } finally {
    await client.end().catch(() => undefined);
  }
}

export class SuiteResources {
  readonly runId = `${Date.now().toString(36)}${process.pid}`;
  readonly #schemas: string[] = [];
  readonly #closers: (() => Promise<void>)[] = [];
  #pg: Promise<string | null> | null = null;
  #edge: Promise<GlassProcess> | null = null;
  #couch: Promise<EmbeddedCouch> | null = null;

  /** The first PostgreSQL URL that connects, or null. */
  pgUrl(): Promise<string | null> {
    return (this.#pg ??= (async () => {
      for (const url of PG_CANDIDATES) {
        try {
          await pgQuery(url, 'select 1');
          return url;
        } catch {
          // next candidate
        }
      }
      return null;
    })());
  }

  /** A schema name of this run (dropped at the end). */
  schema(label: string): string {
    const s = `glass_faults_${this.runId}_${label}`.toLowerCase().replace(/[^a-z0-9_]/g, '_').slice(0, 63);
    this.#schemas.push(s);
    return s;
  }

  /** Runs `close` when the suite ends (reverse order). */
  onClose(close: () => Promise<void>): void {
    this.#closers.push(close);
  }

  /** The shared edge node: `glass start`, 2 workers, embedded store, audit log in its own schema. */
  edge(): Promise<GlassProcess> {
    return (this.#edge ??= (async () => {
      const url = await this.pgUrl();
      const audit: Record<string, string> = url === null ? {} : { GLASS_PG_URL: url, GLASS_PG_SCHEMA: this.schema('edge') };
      const node = await GlassProcess.start('edge', { ...tokenEnv(), ...audit });
      this.onClose(() => node.stop());
      return node;
    })());
  }

  /** A CouchDB-protocol server of the suite's own (embedded, in a child process, on a temporary directory). */
  couch(): Promise<EmbeddedCouch> {
    return (this.#couch ??= (async () => {
      const dir = await mkdtemp(join(tmpdir(), 'glass-faults-couch-'));
      const couch = await startEmbeddedCouch({ dataDir: dir });
      this.onClose(async () => {
        await couch.close();
        await rm(dir, { recursive: true, force: true });
      });
      return couch;
    })());
  }

  async close(): Promise<void> {
    for (const close of this.#closers.reverse()) await close().catch(() => undefined);
    const url = await this.pgUrl();
    if (url !== null) for (const s of this.#schemas) await pgQuery(url, `DROP SCHEMA IF EXISTS "${s}" CASCADE`).catch(() => undefined);
  }
}
