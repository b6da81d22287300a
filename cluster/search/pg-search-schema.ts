// The search tables in PostgreSQL, created by a numbered migration under an advisory lock (nodes
// starting together do not race on CREATE TABLE). Works the same on the server and on PGlite.
import type pg from 'pg';
import { InvalidOptionError } from '../../runtime/index.js';

/** A schema name we create and quote ourselves: no quoting games with what a caller passes. */
const SCHEMA_PATTERN = /^[a-z_][a-z0-9_]{0,62}$/;

export interface SearchTables {
  readonly schema: string;
  readonly docs: string;
  readonly checkpoints: string;
  /** The distinct words of lore, for typo correction by trigrams. */
  readonly words: string;
  readonly migrations: string;
}

export function searchTables(schema: string): SearchTables {
  if (typeof schema !== 'string' || !SCHEMA_PATTERN.test(schema)) throw new InvalidOptionError('schema', `a schema name matching ${SCHEMA_PATTERN}`, schema);
  const q = `"${schema}"`;
  return { schema, docs: `${q}.glass_search_docs`, checkpoints: `${q}.glass_search_checkpoints`, words: `${q}.glass_search_words`, migrations: `${q}.glass_search_migrations` };
}

/** Each migration in order; never edit one, add the next. */
const MIGRATIONS: readonly ((t: SearchTables) => string[])[] = [
  (t) => [
    // Weighted in the upsert (title A, tags B, body C), not a generated column: array_to_string is not immutable.
    `CREATE TABLE ${t.docs} (
      id text PRIMARY KEY,
      kind text NOT NULL CHECK (kind IN ('lore', 'transcript')),
      world text,
      session text,
      title text NOT NULL,
      body text NOT NULL,
      tags text[] NOT NULL,
      updated_at bigint NOT NULL,
      tsv tsvector NOT NULL
    )`,
    `CREATE INDEX ON ${t.docs} USING gin (tsv)`,
    // Trigrams over a lexicon, not over the documents: a typo is corrected to words that exist
    // (thousands of rows), then searched as words; word_similarity over 50,000 bodies took seconds.
    `CREATE TABLE ${t.words} (word text PRIMARY KEY)`,
    `CREATE INDEX ON ${t.words} USING gin (word gin_trgm_ops)`,
    `CREATE INDEX ON ${t.docs} (kind, world)`,
    `CREATE INDEX ON ${t.docs} (session)`,
    `CREATE TABLE ${t.checkpoints} (feed text PRIMARY KEY, since text NOT NULL, updated_at timestamptz NOT NULL DEFAULT now())`,
  ],
];

/** Creates the schema, pg_trgm and the tables, and applies pending migrations in one transaction. */
export async function migrateSearchSchema(client: pg.ClientBase, tables: SearchTables): Promise<number> {
  if ((await appliedVersion(client, tables)) === MIGRATIONS.length) return 0;
  await client.query('BEGIN');
  try {
    // One lock for every schema: CREATE EXTENSION is database-wide and races with itself.
    await client.query('SELECT pg_advisory_xact_lock(hashtext($1))', ['glass-search-migration']);
    await client.query('CREATE EXTENSION IF NOT EXISTS pg_trgm');
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

async function appliedVersion(client: pg.ClientBase, tables: SearchTables): Promise<number> {
  const { rows } = await client.query<{ t: string | null }>('SELECT to_regclass($1) AS t', [tables.migrations]);
  if (rows[0]?.t == null) return 0;
  const applied = await client.query<{ v: number | null }>(`SELECT max(version) AS v FROM ${tables.migrations}`);
  return applied.rows[0]?.v ?? 0;
}
