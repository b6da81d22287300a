// Which PostgreSQL a node (or a CLI command) uses: the server at GLASS_PG_URL (or DATABASE_URL), or
// else the embedded one on GLASS_PG_DATA_DIR (default .data/pg) — served by this process, or by the
// node that already serves that directory.
import { resolve } from 'node:path';
import { EmbeddedPostgres } from './embedded-postgres.js';
import { PostgresErrors, endpointUrl, readEndpoint } from './embedded-endpoint.js';

/** Where the embedded server keeps its files when GLASS_PG_DATA_DIR is not set (from the working directory). */
export const DEFAULT_PG_DATA_DIR = '.data/pg';

export interface NodePostgres {
  /** A postgres:// URL with credentials: never log it (`description`). */
  readonly url: string;
  /** Host, port, database, and whether it is embedded: for logs. */
  readonly description: string;
  /** Resolves once connections are served (at once for an outside server). */
  readonly ready: Promise<void>;
  /** The embedded server this process runs (null: an outside server, or another process's embedded one). */
  readonly embedded: EmbeddedPostgres | null;
  /** Stops the embedded server if this process runs it; nothing otherwise. */
  close(): Promise<void>;
}

/** GLASS_PG_URL, else DATABASE_URL; undefined if neither is set. */
export function pgUrlFromEnv(env: NodeJS.ProcessEnv = process.env): string | undefined {
  const url = env.GLASS_PG_URL || env.DATABASE_URL;
  return url === undefined || url === '' ? undefined : url;
}

/**
 * The node's PostgreSQL. Without a URL it starts the embedded one (listening at once, PGlite
 * opening in the background: see EmbeddedPostgres.start), unless `shareRunning` and a live process
 * serves the directory already, whose endpoint is then used (several nodes started from one working
 * directory share the first one's; if that process ends, the others' audit logs are unavailable until
 * a process serves the directory again on that endpoint — give a cluster GLASS_PG_URL).
 */
export async function startNodePostgres(env: NodeJS.ProcessEnv = process.env, options: { shareRunning?: boolean } = {}): Promise<NodePostgres> {
  const url = pgUrlFromEnv(env);
  if (url !== undefined) return { url, description: safe(url), ready: Promise.resolve(), embedded: null, close: async () => {} };
  const dataDir = resolve(env.GLASS_PG_DATA_DIR || DEFAULT_PG_DATA_DIR);
  for (let attempt = 0; ; attempt++) {
    if (options.shareRunning === true) {
      const running = readEndpoint(dataDir);
      if (running !== null) {
        return { url: endpointUrl(running), description: `embedded on ${dataDir}, served by process ${running.pid} on 127.0.0.1:${running.port}`, ready: Promise.resolve(), embedded: null, close: async () => {} };
      }
    }
    try {
      const embedded = await EmbeddedPostgres.start({ dataDir });
      return { url: embedded.url, description: `embedded ${embedded.safeUrl} on ${dataDir} (PGlite, password per start)`, ready: embedded.ready, embedded, close: () => embedded.stop() };
    } catch (err) {
      // Another process took the directory between the read and the claim: use it.
      if (options.shareRunning !== true || attempt > 0 || (err as { code?: unknown }).code !== PostgresErrors.EMBEDDED_BUSY) throw err;
    }
  }
}

function safe(url: string): string {
  try {
    const u = new URL(url);
    return `${u.protocol}//${u.host}${u.pathname}`;
  } catch {
    return '[unparsable PostgreSQL URL]';
  }
}
