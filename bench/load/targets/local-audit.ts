// The moderation audit log of `glass bench run --local`: overrides are refused on a node without
// one, so a run with moderators gets one in PostgreSQL — GLASS_PG_URL (else DATABASE_URL) when set,
// else the server on 127.0.0.1:5432 (trust auth; database test, else postgres) — in a schema of
// its own, dropped afterwards. Without a reachable server the node has none, and says so.
import pg from 'pg';
import { AuditLog, auditUrlFromEnv, describePgUrl } from '../../../clients/index.js';
import { createLogger } from '../../../runtime/index.js';

export interface LocalAudit {
  /** null: no PostgreSQL reachable, overrides will be refused with GLASS_ERR_AUDIT_UNAVAILABLE. */
  log: AuditLog | null;
  /** Where the rows go (no credentials), or why there is no audit log. */
  describe: string;
  /** What a `glass start` node (another process) needs to append to the same log: GLASS_PG_URL and GLASS_PG_SCHEMA; empty without one. */
  env: Record<string, string>;
  /** Closes the log and drops its schema. */
  close(): Promise<void>;
}

const LOCAL_CANDIDATES = ['postgres://postgres@127.0.0.1:5432/test', 'postgres://root@127.0.0.1:5432/test', 'postgres://postgres@127.0.0.1:5432/postgres', 'postgres://root@127.0.0.1:5432/postgres'];
const CONNECT_TIMEOUT_MS = 2_000;
/** Migration of an empty schema takes well under this; past it the run goes on without. */
const READY_TIMEOUT_MS = 15_000;

async function reachable(url: string): Promise<boolean> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: CONNECT_TIMEOUT_MS });
  client.on('error', () => undefined);
  try {
    await client.connect();
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => undefined);
  }
}

async function dropSchema(url: string, schema: string): Promise<void> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: CONNECT_TIMEOUT_MS });
  client.on('error', () => undefined);
  try {
    await client.connect();
    await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
  } finally {
    await client.end().catch(() => undefined);
  }
}

/**
 * The run's audit log, in a schema of its own (`glass_bench_<time><pid>`); without one, says on
 * stderr that every override will be refused.
 */
export async function openLocalAudit(env: NodeJS.ProcessEnv): Promise<LocalAudit> {
  const audit = await openAudit(`${Date.now().toString(36)}${process.pid}`, env);
  if (audit.log === null) process.stderr.write(`glass bench: moderation audit log ${audit.describe}: every override will be refused (GLASS_ERR_AUDIT_UNAVAILABLE) and counted\n`);
  return audit;
}

/** `runId`: letters and digits, names the schema `glass_bench_<runId>`. */
async function openAudit(runId: string, env: NodeJS.ProcessEnv): Promise<LocalAudit> {
  const configured = auditUrlFromEnv(env);
  const candidates = configured === undefined ? LOCAL_CANDIDATES : [configured];
  let url: string | undefined;
  for (const c of candidates) {
    if (await reachable(c)) {
      url = c;
      break;
    }
  }
  if (url === undefined) {
    const where = configured === undefined ? '127.0.0.1:5432' : describePgUrl(configured);
    return { log: null, describe: `none: no PostgreSQL reachable at ${where}`, env: {}, close: async () => undefined };
  }
  const schema = `glass_bench_${runId.toLowerCase().replace(/[^a-z0-9]/g, '')}`.slice(0, 63);
  const log = AuditLog.open({ url, schema, logger: createLogger('glass-bench', 'silent') });
  const pgUrl = url;
  const close = async (): Promise<void> => {
    await log.close();
    await dropSchema(pgUrl, schema).catch(() => undefined);
  };
  let timer: NodeJS.Timeout | undefined;
  const ready = await Promise.race([
    log.whenReady().then(() => true, () => false),
    new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), READY_TIMEOUT_MS))),
  ]);
  clearTimeout(timer);
  if (!ready) {
    await close();
    return { log: null, describe: `none: PostgreSQL at ${describePgUrl(url)} answered but the audit schema could not be created`, env: {}, close: async () => undefined };
  }
  return { log, describe: `${describePgUrl(url)} schema ${schema} (dropped after the run)`, env: { GLASS_PG_URL: url, GLASS_PG_SCHEMA: schema }, close };
}
