// How an audit log is configured: its options and defaults, and the PostgreSQL URL from the
// environment (described for logs without its credentials).
import { MAX_TIMER_MS, integerOption, type Logger } from '../../runtime/index.js';
import type { AuditAnchor } from './audit-anchor.js';
import type { AuditKeyInput } from './audit-key.js';
import type { RefusalBound } from './audit-refusals.js';

export interface AuditLogOptions {
  /** postgres:// or postgresql:// URL; its password never reaches a log. */
  url: string;
  /** Schema of the tables (created if missing). Default `public`. */
  schema?: string;
  logger?: Logger;
  /** Backoff between reconnection attempts while PostgreSQL is away. Default 250 ms doubling to 5 s. */
  retry?: { minMs?: number; maxMs?: number };
  /** Default 3000. */
  connectTimeoutMs?: number;
  /** Default 5000: an append that takes longer is refused (its outcome in the table is then unknown, and the override is not applied). */
  queryTimeoutMs?: number;
  /** Connections in the pool. Default 4. */
  poolSize?: number;
  /** The key rows' MACs are made with. Default: from `env` (GLASS_AUDIT_KEY, else GLASS_AUDIT_KEY_FILE, see resolveAuditKey). */
  key?: AuditKeyInput;
  /** Where the head is kept outside PostgreSQL. Default: the file GLASS_AUDIT_ANCHOR_FILE (else .data/audit-anchor[-<schema>]); null: none. */
  anchor?: AuditAnchor | null;
  /** The head is anchored once this many rows wait. Default 1 (after every append, before it returns). */
  anchorEveryRows?: number;
  /** … or this long after the first row that waits. Default 1000. */
  anchorEveryMs?: number;
  /** Refusals written per caller and in all (audit-refusals.ts); past it they are counted, not written. Default 10 at once and 10 a minute per caller, 200 and 600 a minute in all. */
  refusalBound?: Partial<RefusalBound>;
  /** Reads the anchor, never writes it (`glass audit verify`). Default false. */
  verifyOnly?: boolean;
  /** The log connects once this settles (the embedded PostgreSQL's start: no timeouts logged meanwhile); until then it is `connecting`. */
  after?: Promise<unknown>;
  /** Where the defaults of `key` and `anchor` are read. Default process.env. */
  env?: NodeJS.ProcessEnv;
}

export const AUDIT_DEFAULTS = { schema: 'public', minMs: 250, maxMs: 5_000, connectTimeoutMs: 3_000, queryTimeoutMs: 5_000, poolSize: 4, anchorEveryRows: 1, anchorEveryMs: 1_000 };

/** The PostgreSQL URL from the environment: GLASS_PG_URL, else DATABASE_URL; undefined if neither is set. */
export function auditUrlFromEnv(env: NodeJS.ProcessEnv = process.env): string | undefined {
  const url = env.GLASS_PG_URL || env.DATABASE_URL;
  return url === undefined || url === '' ? undefined : url;
}

/** Host, port and database of a PostgreSQL URL, for logs: never the user or password. */
export function describePgUrl(url: string): string {
  try {
    const u = new URL(url);
    return `${u.protocol}//${u.host}${u.pathname}`;
  } catch {
    return '[unparsable PostgreSQL URL]';
  }
}

/** The database's name in a PostgreSQL URL (what an anchor names its chain by). */
export function databaseOf(url: string): string {
  try {
    return decodeURIComponent(new URL(url).pathname.replace(/^\//, '')) || '(default)';
  } catch {
    return '(default)';
  }
}

export function positive(name: string, value: number | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  return integerOption(name, value, 1, MAX_TIMER_MS, 'a positive integer');
}
