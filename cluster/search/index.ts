// The search room: the SearchIndex on PostgreSQL (server or embedded PGlite) and on Meilisearch,
// what is indexed from the actor documents (lore, session turns, room lines), and the indexer that
// follows CouchDB's _changes.
export { PgSearchIndex, type PgSearchIndexOptions } from './pg-search-index.js';
export { searchTables, migrateSearchSchema, type SearchTables } from './pg-search-schema.js';
export { ChangesIndexer, type ChangesIndexerOptions, type ChangesIndexerStatus } from './changes-indexer.js';
export { LORE_KIND, indexChangeOf, loreId, type IndexChange, type LoreState } from './search-documents.js';
export { MeiliSearchIndex, type MeiliSearchIndexOptions } from './meili-search-index.js';
export { startNodeSearch, type NodeSearch, type SearchPostgres } from './node-search.js';
export { LoreLimits, jsonEntries, markdownEntry, readLoreDir, type LoreEntry, type LoreProblem } from './lore-files.js';
