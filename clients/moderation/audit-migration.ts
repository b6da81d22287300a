// The audit log's schema, created (and later migrated) by every node at start, under an advisory
// lock so that nodes starting together do not race on CREATE TABLE.
import type pg from 'pg';
import { InvalidOptionError } from '../../runtime/index.js';
import { GENESIS_HASH } from './audit-chain.js';

/** A PostgreSQL schema name we create and quote ourselves: no quoting games with user input. */
const SCHEMA_PATTERN = /^[a-z_][a-z0-9_]{0,62}$/;

export interface AuditTables {
  readonly schema: string;
  /** The rows, one per override, accepted or refused. */
  readonly log: string;
  /** Legacy (format 1): one row, the id and hash of the last row. No longer written: the head is the last row. */
  readonly head: string;
  readonly migrations: string;
}

export function auditTables(schema: string): AuditTables {
  if (typeof schema !== 'string' || !SCHEMA_PATTERN.test(schema)) throw new InvalidOptionError('schema', `a schema name matching ${SCHEMA_PATTERN}`, schema);
  const q = `"${schema}"`;
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
export async function migrateAuditSchema(client: pg.ClientBase, tables: AuditTables): Promise<number> {
  // Up to date: nothing to create. Checked first, with reads only, so that a node whose role may
  // only INSERT and SELECT (infra/postgres/append-only-role.sql) starts on a migrated schema.
  if ((await appliedVersion(client, tables)) === MIGRATIONS.length) return 0;
  await client.query('BEGIN');
  try {
    await client.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`glass-audit:${tables.schema}`]);
    if (tables.schema !== 'public') await client.query(`CREATE SCHEMA IF NOT EXISTS "${tables.schema}"`);
    await client.query(`CREATE TABLE IF NOT EXISTS ${tables.migrations} (version integer PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())`);
    const { rows } = await client.query<{ v: number | null }>(`SELECT max(version) AS v FROM ${tables.migrations}`);
    const current = rows[0]?.v ?? 0;
    for (let v = current; v < MIGRATIONS.length; v++) {
      for (const statement of MIGRATIONS[v](tables)) await client.query(statement);
      await client.query(`INSERT INTO ${tables.migrations} (version) VALUES ($1)`, [v + 1]);
    }
    await client.query('COMMIT');
    return MIGRATIONS.length - current;
  } catch (err) {
    await client.query('ROLLBACK').catch(() => {});
    throw err;
  }
}

async function appliedVersion(client: pg.ClientBase, tables: AuditTables): Promise<number> {
  const { rows } = await client.query<{ t: string | null }>('SELECT to_regclass($1) AS t', [tables.migrations]);
  if (rows[0]?.t == null) return 0;
  const applied = await client.query<{ v: number | null }>(`SELECT max(version) AS v FROM ${tables.migrations}`);
  return applied.rows[0]?.v ?? 0;
}
