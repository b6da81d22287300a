// The search tables in PostgreSQL, created by a numbered migration under an advisory lock (nodes
// starting together do not race on CREATE TABLE). Works the same on the server and on PGlite.
import type pg from 'pg';
import { applyMigrations, quotedSchema } from '../postgres/index.js';

export interface SearchTables {
  readonly schema: string;
  readonly docs: string;
  readonly checkpoints: string;
  /** The distinct words of lore, for typo correction by trigrams. */
  readonly words: string;
  readonly migrations: string;
}

export function searchTables(schema: string): SearchTables {
  const q = quotedSchema(schema);
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
export function migrateSearchSchema(client: pg.ClientBase, tables: SearchTables): Promise<number> {
  // One lock for every schema: CREATE EXTENSION is database-wide and races with itself.
  return applyMigrations(client, { tables, migrations: MIGRATIONS, lock: 'glass-search-migration', first: ['CREATE EXTENSION IF NOT EXISTS pg_trgm'] });
}
