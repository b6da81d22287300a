// MeiliSearchIndex against a small server that answers the Meilisearch HTTP API calls it makes
// (spec/fixtures/meili-server.ts): no Meilisearch server exists on this machine. This checks the
// client side — requests, awaited tasks, filters, highlights, error mapping — not Meilisearch itself.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { MeiliSearchIndex } from '../../cluster/index.js';
import { startFakeMeili, type FakeMeili } from '../fixtures/meili-server.js';
import { lore, turn } from '../contract/search-index.contract.js';

let meili: FakeMeili;
let n = 0;
before(async () => {
  meili = await startFakeMeili();
});
after(() => meili.close());

function open(): MeiliSearchIndex {
  return new MeiliSearchIndex({ url: meili.url, key: 'test-master-key', prefix: `t${++n}` });
}

test('setup creates both indexes with key as primary key and sets searched and filtered attributes; the key goes as a bearer token', async () => {
  const index = open();
  await index.ready();
  const docs = meili.indexes.get(`t${n}_docs`)!;
  assert.equal(docs.primaryKey, 'key');
  assert.deepEqual(docs.settings.filterableAttributes, ['kind', 'world', 'session']);
  assert.deepEqual(docs.settings.searchableAttributes, ['title', 'tags', 'body']);
  assert.ok(meili.indexes.has(`t${n}_meta`));
  assert.ok(meili.requests.every((r) => r.authorization === 'Bearer test-master-key'));
  // A second node on the same indexes: index_already_exists is fine.
  await (new MeiliSearchIndex({ url: meili.url, prefix: `t${n}` }).ready());
});

test('upsert, search with filters and highlights, delete and deleteSession', async () => {
  const index = open();
  await index.upsert([lore('mirel', 'Mirel', 'She sold maps to smugglers.'), turn('s1', 1, 'the smugglers came at night'), turn('s2', 1, 'smugglers again')]);
  const stored = [...meili.indexes.get(`t${n}_docs`)!.docs.values()];
  assert.equal(stored.length, 3);
  assert.ok(stored.every((d) => /^i[A-Za-z0-9_-]+$/.test(String(d.key))), 'keys are Meilisearch-safe');
  const lores = await index.search({ text: 'smugglers', kind: 'lore', world: 'ashfall' });
  assert.deepEqual(lores.map((h) => [h.id, h.kind, h.world, h.session]), [['lore:ashfall:mirel', 'lore', 'ashfall', null]]);
  assert.match(lores[0].highlight, /\[\[smugglers\]\]/);
  assert.equal(lores[0].score, 0.9);
  const searched = meili.requests.filter((r) => r.path.endsWith('/search')).at(-1)!.body as Record<string, unknown>;
  assert.equal(searched.filter, 'kind = "lore" AND world = "ashfall"');
  assert.equal(searched.limit, 10);
  assert.deepEqual((await index.search({ text: 'smugglers', session: 'session:s1' })).map((h) => h.id), ['session:s1#1']);
  await index.delete(['lore:ashfall:mirel']);
  await index.deleteSession('session:s1');
  assert.deepEqual((await index.search({ text: 'smugglers' })).map((h) => h.id), ['session:s2#1']);
});

test('the checkpoint: absent is null (document_not_found), then kept', async () => {
  const index = open();
  assert.equal(await index.readCheckpoint('couch:glass_actors'), null);
  await index.writeCheckpoint('couch:glass_actors', '42');
  assert.equal(await index.readCheckpoint('couch:glass_actors'), '42');
});

test('a failed task, an API refusal and an unreachable server are GLASS_ERR_SEARCH_UNAVAILABLE with the Meilisearch code', async () => {
  const index = open();
  await index.ready();
  meili.failNextTask('invalid_document_id');
  await assert.rejects(index.upsert([lore('a', 'A', 'a')]), (err: { code: string; details: Record<string, unknown> }) => {
    assert.equal(err.code, 'GLASS_ERR_SEARCH_UNAVAILABLE');
    assert.equal(err.details.meiliCode, 'invalid_document_id');
    return true;
  });
  meili.refuseNext(400, 'invalid_search_filter');
  await assert.rejects(index.search({ text: 'a' }), (err: { code: string; details: Record<string, unknown> }) => {
    assert.equal(err.code, 'GLASS_ERR_SEARCH_UNAVAILABLE');
    assert.equal(err.details.meiliCode, 'invalid_search_filter');
    assert.equal(err.details.status, 400);
    return true;
  });
  const nowhere = new MeiliSearchIndex({ url: 'http://127.0.0.1:1', timeoutMs: 1_000 });
  await assert.rejects(nowhere.search({ text: 'a' }), { code: 'GLASS_ERR_SEARCH_UNAVAILABLE' });
});

test('bad input is refused before any request; hostile hits are dropped', async () => {
  const index = open();
  await index.ready();
  const before = meili.requests.length;
  await assert.rejects(index.search({ text: '' }), { code: 'GLASS_ERR_SEARCH_INVALID_QUERY' });
  await assert.rejects(index.upsert([{ ...lore('a', 'A', 'a'), kind: 'secret' as never }]), { code: 'GLASS_ERR_SEARCH_INVALID_DOCUMENT' });
  assert.equal(meili.requests.length, before);
  meili.nextHits([{ id: 7 }, null, { id: 'lore:x:y', kind: 'lore', title: 'ok', world: 'x', _formatted: { body: 5 } }]);
  assert.deepEqual(await index.search({ text: 'anything' }), [{ id: 'lore:x:y', kind: 'lore', world: 'x', session: null, title: 'ok', highlight: '', score: 0, updatedAt: 0 }]);
  await index.close();
  await assert.rejects(index.search({ text: 'a' }), { code: 'GLASS_ERR_SEARCH_CLOSED' });
});
