// Numbered migrations of a set of tables in one schema, as the audit log and the search index keep
// them: a `migrations` table records each version applied; pending ones run in one transaction under
// an advisory lock, so nodes starting together do not race on CREATE TABLE. Works the same on the
// server and on the embedded PGlite.
import type pg from 'pg';
import { InvalidOptionError } from '../../runtime/index.js';

/** A schema name we create and quote ourselves: no quoting games with what a caller passes. */
export const PG_SCHEMA_PATTERN = /^[a-z_][a-z0-9_]{0,62}$/;

/** Throws InvalidOptionError unless `schema` matches PG_SCHEMA_PATTERN; returns it quoted. */
export function quotedSchema(schema: string): string {
  if (typeof schema !== 'string' || !PG_SCHEMA_PATTERN.test(schema)) throw new InvalidOptionError('schema', `a schema name matching ${PG_SCHEMA_PATTERN}`, schema);
  return `"${schema}"`;
}

export interface MigrationPlan<T extends { schema: string; migrations: string }> {
  tables: T;
  /** Each migration in order; never edit one, add the next. */
  migrations: readonly ((t: T) => string[])[];
  /** The advisory lock's name (hashed to its key). */
  lock: string;
  /** Statements run under the lock before any migration (e.g. CREATE EXTENSION). */
  first?: readonly string[];
}

/**
 * Applies what is pending; returns how many it applied. Up to date is checked first with reads
 * only, so that a role that may only INSERT and SELECT starts on a migrated schema.
 */
export async function applyMigrations<T extends { schema: string; migrations: string }>(client: pg.ClientBase, plan: MigrationPlan<T>): Promise<number> {
  const { tables, migrations } = plan;
  if ((await appliedVersion(client, tables.migrations)) === migrations.length) return 0;
  await client.query('BEGIN');
  try {
    await client.query('SELECT pg_advisory_xact_lock(hashtext($1))', [plan.lock]);
    for (const statement of plan.first ?? []) await client.query(statement);
    if (tables.schema !== 'public') await client.query(`CREATE SCHEMA IF NOT EXISTS "${tables.schema}"`);
    await client.query(`CREATE TABLE IF NOT EXISTS ${tables.migrations} (version integer PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())`);
    const { rows } = await client.query<{ v: number | null }>(`SELECT max(version) AS v FROM ${tables.migrations}`);
    const current = rows[0]?.v ?? 0;
    for (let v = current; v < migrations.length; v++) {
      for (const statement of migrations[v](tables)) await client.query(statement);
      await client.query(`INSERT INTO ${tables.migrations} (version) VALUES ($1)`, [v + 1]);
    }
    await client.query('COMMIT');
    return migrations.length - current;
  } catch (err) {
    await client.query('ROLLBACK').catch(() => {});
    throw err;
  }
}

async function appliedVersion(client: pg.ClientBase, table: string): Promise<number> {
  const { rows } = await client.query<{ t: string | null }>('SELECT to_regclass($1) AS t', [table]);
  if (rows[0]?.t == null) return 0;
  const applied = await client.query<{ v: number | null }>(`SELECT max(version) AS v FROM ${table}`);
  return applied.rows[0]?.v ?? 0;
}
