// The PostgreSQL room: the embedded server of the development default (PGlite behind a loopback,
// password-checking front over pglite-socket), and which PostgreSQL a node uses.
export { EmbeddedPostgres, type EmbeddedPostgresOptions, type EmbeddedPostgresStatus } from './embedded-postgres.js';
export { EmbeddedPostgresError, PostgresErrors, readEndpoint, endpointUrl, ENDPOINT_FILE, type EmbeddedEndpoint } from './embedded-endpoint.js';
export { DEFAULT_PG_DATA_DIR, pgUrlFromEnv, startNodePostgres, type NodePostgres } from './node-postgres.js';
export { PG_SCHEMA_PATTERN, applyMigrations, quotedSchema, type MigrationPlan } from './pg-migrations.js';
