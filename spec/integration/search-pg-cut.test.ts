// PostgreSQL cut under the search index while a query is in flight on a checked-out connection
// (what `glass faults postgres-down` does under the `_changes` indexer): the connection's reset is a
// typed GLASS_ERR_SEARCH_UNAVAILABLE for that call, never an uncaught exception that ends the node,
// and once PostgreSQL is back the index works again on fresh connections (the broken one is not reused).
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { PgSearchIndex } from '../../cluster/index.js';
import { SearchErrors } from '../../runtime/index.js';
import { lore } from '../contract/search-index.contract.js';
import { dropSchema, TcpProxy, testPgUrl, uniqueSchema, viaPort } from './audit-harness.js';

const schema = uniqueSchema('search_cut');
after(() => dropSchema(schema));

test('a reset mid-query is GLASS_ERR_SEARCH_UNAVAILABLE for that call only; the process lives and the index recovers', async () => {
  const uncaught: unknown[] = [];
  const onUncaught = (err: unknown): void => void uncaught.push(err);
  process.on('uncaughtException', onUncaught);
  const url = await testPgUrl();
  const proxy = await TcpProxy.start(url);
  const index = new PgSearchIndex({ url: viaPort(url, proxy.port), schema, poolSize: 2 });
  try {
    await index.ready();
    await index.upsert([lore('old-mill', 'The Old Mill', 'A mill by the river, its wheel still.')]);
    const cut = proxy.cutOnNextRequest();
    await assert.rejects(index.upsert([lore('salt-road', 'The Salt Road', 'The road the caravans take.')]), { code: SearchErrors.UNAVAILABLE });
    await cut;
    // The reset client's 'error' events have been delivered by now (they come before its query rejects).
    await new Promise<void>((resolve) => setImmediate(resolve));
    await proxy.restore();
    await index.upsert([lore('salt-road', 'The Salt Road', 'The road the caravans take.')]);
    assert.deepEqual((await index.search({ text: 'salt road' })).map((h) => h.id), ['lore:ashfall:salt-road']);
    assert.deepEqual((await index.search({ text: 'old mill' })).map((h) => h.id), ['lore:ashfall:old-mill']);
    assert.deepEqual(uncaught, [], 'no uncaught exception');
  } finally {
    process.off('uncaughtException', onUncaught);
    await index.close();
    await proxy.cut();
  }
});
