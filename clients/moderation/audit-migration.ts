// The audit log's schema, created (and later migrated) by every node at start, under an advisory
// lock so that nodes starting together do not race on CREATE TABLE.
import type pg from 'pg';
import { applyMigrations, quotedSchema } from '../../cluster/index.js';
import { GENESIS_HASH } from './audit-chain.js';

export interface AuditTables {
  readonly schema: string;
  /** The rows, one per override, accepted or refused. */
  readonly log: string;
  /** Legacy (format 1): one row, the id and hash of the last row. No longer written: the head is the last row. */
  readonly head: string;
  readonly migrations: string;
}

export function auditTables(schema: string): AuditTables {
  const q = quotedSchema(schema);
  return { schema, log: `${q}.glass_audit_log`, head: `${q}.glass_audit_head`, migrations: `${q}.glass_audit_migrations` };
}

/** Each migration, in order; a node applies those its database has not recorded. Never edit one: add the next. */
const MIGRATIONS: readonly ((t: AuditTables) => string[])[] = [
  (t) => [
    `CREATE TABLE ${t.log} (
      id bigint PRIMARY KEY,
      at_ms bigint NOT NULL,
      node text NOT NULL,
      moderator text NOT NULL,
      roles text[] NOT NULL,
      source text NOT NULL,
      outcome text NOT NULL CHECK (outcome IN ('accepted', 'refused')),
      code text,
      target_kind text,
      target_id text,
      command text,
      args jsonb NOT NULL,
      prev_hash text NOT NULL,
      hash text NOT NULL
    )`,
    `CREATE INDEX ON ${t.log} (target_kind, target_id, id)`,
    `CREATE TABLE ${t.head} (
      singleton boolean PRIMARY KEY DEFAULT true CHECK (singleton),
      id bigint NOT NULL,
      hash text NOT NULL
    )`,
    `INSERT INTO ${t.head} (singleton, id, hash) VALUES (true, 0, '${GENESIS_HASH}')`,
  ],
];

export const AUDIT_SCHEMA_VERSION = MIGRATIONS.length;

/** Creates the schema and applies pending migrations, in one transaction. Returns how many it applied. */
export function migrateAuditSchema(client: pg.ClientBase, tables: AuditTables): Promise<number> {
  // Up to date is checked first, with reads only, so that a node whose role may only INSERT and
  // SELECT (infra/postgres/append-only-role.sql) starts on a migrated schema.
  return applyMigrations(client, { tables, migrations: MIGRATIONS, lock: `glass-audit:${tables.schema}` });
}
