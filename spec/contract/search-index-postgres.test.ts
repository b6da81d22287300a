// The SearchIndex contract on the PostgreSQL server (127.0.0.1:5432), a schema of its own per test.
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { PgSearchIndex } from '../../cluster/index.js';
import { sql, testPgUrl, uniqueSchema } from '../integration/audit-harness.js';
import { lore, searchIndexContract } from './search-index.contract.js';

const schemas: string[] = [];
after(async () => {
  for (const schema of schemas) await sql(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
});

searchIndexContract('PgSearchIndex on the PostgreSQL server', async () => {
  const schema = uniqueSchema('search');
  schemas.push(schema);
  const index = new PgSearchIndex({ url: await testPgUrl(), schema });
  await index.ready();
  return index;
});

describe('PgSearchIndex typo threshold', () => {
  test('the two-typo query is missed at pg_trgm\'s default 0.6 and found at the index default 0.3', async () => {
    const schema = uniqueSchema('search_typo');
    schemas.push(schema);
    const url = await testPgUrl();
    const strict = new PgSearchIndex({ url, schema, typoThreshold: 0.6 });
    const loose = new PgSearchIndex({ url, schema });
    try {
      await strict.upsert([lore('obsidian-temple', 'The Obsidian Temple', 'A temple of black glass.')]);
      assert.deepEqual(await strict.search({ text: 'obsidain tempel' }), []);
      assert.deepEqual((await loose.search({ text: 'obsidain tempel' })).map((h) => h.id), ['lore:ashfall:obsidian-temple']);
    } finally {
      await strict.close();
      await loose.close();
    }
  });
});
