// Who serves an embedded PostgreSQL data directory, and where. PGlite must be opened by one process
// at a time, so the first to start writes `endpoint.json` (0600, exclusive create) and is its owner
// until it stops; another process (`glass audit verify`, `glass backup` beside a running node)
// reads the file and connects to the owner instead of opening the files itself.
import { linkSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { GlassError } from '../../runtime/index.js';

export const PostgresErrors = {
  /** Another live process serves this data directory (its endpoint is in the error's details). */
  EMBEDDED_BUSY: 'GLASS_ERR_PG_EMBEDDED_BUSY',
  /** PGlite could not open or create its data directory. */
  EMBEDDED_START: 'GLASS_ERR_PG_EMBEDDED_START',
  /** endpoint.json is not what an owner writes (edited, truncated): not trusted, not removed. */
  BAD_ENDPOINT: 'GLASS_ERR_PG_EMBEDDED_ENDPOINT',
} as const;

export class EmbeddedPostgresError extends GlassError {
  constructor(code: (typeof PostgresErrors)[keyof typeof PostgresErrors], message: string, details?: Record<string, unknown>, options?: { cause?: unknown }) {
    super(code, message, details, options);
    this.name = 'EmbeddedPostgresError';
  }
}

/** What the owner records: enough for a process of the same user to connect. */
export interface EmbeddedEndpoint {
  pid: number;
  host: string;
  port: number;
  user: string;
  password: string;
  database: string;
}

export const ENDPOINT_FILE = 'endpoint.json';
const NAME = /^[A-Za-z0-9_-]{1,64}$/;
const LOOPBACK = /^(127\.\d{1,3}\.\d{1,3}\.\d{1,3}|::1|localhost)$/;

/** The URL of an endpoint (its password included: never log it, see safeUrl). */
export function endpointUrl(e: EmbeddedEndpoint): string {
  const host = e.host.includes(':') ? `[${e.host}]` : e.host;
  return `postgresql://${e.user}:${encodeURIComponent(e.password)}@${host}:${e.port}/${e.database}`;
}

/** Reads and checks endpoint.json; null when there is none or its owner is dead. */
export function readEndpoint(dataDir: string): EmbeddedEndpoint | null {
  let text: string;
  try {
    text = readFileSync(join(dataDir, ENDPOINT_FILE), 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw err;
  }
  const e = parseEndpoint(text);
  if (e === null) throw new EmbeddedPostgresError(PostgresErrors.BAD_ENDPOINT, `${join(dataDir, ENDPOINT_FILE)} is not an endpoint this runtime wrote: remove it if no process serves ${dataDir}`);
  return alive(e.pid) ? e : null;
}

/**
 * Takes the data directory: writes `owner` into endpoint.json, created exclusively. A file left by
 * a dead process is replaced; one of a live process refuses with GLASS_ERR_PG_EMBEDDED_BUSY.
 */
export function claimEndpoint(dataDir: string, owner: EmbeddedEndpoint): void {
  const path = join(dataDir, ENDPOINT_FILE);
  // Written whole, then linked: the link is the exclusive create, so a reader never sees half a file.
  const draft = join(dataDir, `.${ENDPOINT_FILE}.${process.pid}.${Date.now()}`);
  writeFileSync(draft, JSON.stringify(owner), { mode: 0o600 });
  try {
    for (let attempt = 0; attempt < 2; attempt++) {
      try {
        linkSync(draft, path);
        return;
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      }
      const current = readEndpoint(dataDir);
      if (current !== null) {
        throw new EmbeddedPostgresError(PostgresErrors.EMBEDDED_BUSY, `process ${current.pid} serves the embedded PostgreSQL on ${dataDir} (127.0.0.1:${current.port})`, { pid: current.pid, port: current.port });
      }
      rmSync(path, { force: true });
    }
    throw new EmbeddedPostgresError(PostgresErrors.EMBEDDED_BUSY, `another process is taking ${dataDir}`);
  } finally {
    rmSync(draft, { force: true });
  }
}

/** Gives the directory up, if this process still holds it. */
export function releaseEndpoint(dataDir: string): void {
  try {
    const text = readFileSync(join(dataDir, ENDPOINT_FILE), 'utf8');
    if (parseEndpoint(text)?.pid === process.pid) rmSync(join(dataDir, ENDPOINT_FILE), { force: true });
  } catch {
    // Gone already.
  }
}

function parseEndpoint(text: string): EmbeddedEndpoint | null {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    return null;
  }
  if (v === null || typeof v !== 'object') return null;
  const e = v as Record<string, unknown>;
  const ok =
    Number.isSafeInteger(e.pid) && (e.pid as number) > 0 &&
    Number.isSafeInteger(e.port) && (e.port as number) > 0 && (e.port as number) < 65_536 &&
    typeof e.host === 'string' && LOOPBACK.test(e.host) &&
    typeof e.user === 'string' && NAME.test(e.user) &&
    typeof e.database === 'string' && NAME.test(e.database) &&
    typeof e.password === 'string' && /^[A-Za-z0-9_-]{16,128}$/.test(e.password);
  return ok ? { pid: e.pid as number, host: e.host as string, port: e.port as number, user: e.user as string, password: e.password as string, database: e.database as string } : null;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
