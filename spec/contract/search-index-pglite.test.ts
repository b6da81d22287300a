// The SearchIndex contract on the embedded PostgreSQL (cluster/postgres: PGlite behind its loopback
// front), a schema per test, a pool of one connection as the node uses it.
import { after } from 'node:test';
import { PgSearchIndex } from '../../cluster/index.js';
import { embeddedPgUrl, stopEmbeddedPg } from '../integration/audit-harness.js';
import { searchIndexContract } from './search-index.contract.js';

let n = 0;
after(() => stopEmbeddedPg());

searchIndexContract('PgSearchIndex on the embedded PostgreSQL (PGlite)', async () => {
  const index = new PgSearchIndex({ url: await embeddedPgUrl(), schema: `search_${process.pid}_${++n}`, poolSize: 1, backend: 'pglite' });
  await index.ready();
  return index;
});
