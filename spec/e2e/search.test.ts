// The `search` frame end to end: a node with its embedded CouchDB, the changes indexer feeding a
// PgSearchIndex on the PostgreSQL server, the gateway answering players (lore only) and moderators
// (transcripts too), through the SDK and a raw socket.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import WebSocket from 'ws';
import { GlassClient, ProtocolErrors } from '../../clients/sdk/index.js';
import { ChangesIndexer, PgSearchIndex } from '../../cluster/index.js';
import { sql, testPgUrl, uniqueSchema } from '../integration/audit-harness.js';
import { startSdkServer, type SdkServer } from './fixtures/sdk-server.js';
import { tokenFor } from './tokens.js';
import { TestClient } from './ws-client.js';

const schema = uniqueSchema('search_e2e');
let server: SdkServer;
let index: PgSearchIndex;
let indexer: ChangesIndexer;

before(async () => {
  index = new PgSearchIndex({ url: await testPgUrl(), schema });
  await index.ready();
  await index.upsert([{ id: 'lore:ashfall:lighthouse', kind: 'lore', world: 'ashfall', session: null, title: 'The Drowned Lighthouse', body: 'Its keeper hides a silver key beneath the lamp.', tags: ['place'], updatedAt: 1 }]);
  server = await startSdkServer({ search: index });
  const store = server.node.options.store.options as { url: string; db: string };
  indexer = new ChangesIndexer({ couchUrl: store.url, db: store.db, index, longpollMs: 1_000 }).start();
});

after(async () => {
  await indexer.close();
  await server.close();
  await index.close();
  await sql(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
});

/** Waits, round after round of the indexer, until `text` finds `id` (no sleeping: each round is the feed's). */
async function indexed(text: string, id: string): Promise<void> {
  for (let round = 0; round < 50; round++) {
    if ((await index.search({ text })).some((h) => h.id === id)) return;
    await indexer.caughtUp();
  }
  assert.fail(`${id} was never indexed`);
}

test('a player finds lore through the SDK; a moderator finds a room line said a moment ago; a player may not search transcripts', async () => {
  const player = new GlassClient({ url: server.url, token: () => tokenFor('ana-search'), WebSocket });
  const moderator = new GlassClient({ url: server.url, token: () => tokenFor('mo-search', { roles: ['moderator'] }), WebSocket });
  try {
    await player.connect();
    await moderator.connect();
    const lore = await player.search('silver keys', { world: 'ashfall' });
    assert.deepEqual(lore.map((h) => h.id), ['lore:ashfall:lighthouse']);
    assert.match(lore[0].highlight, /\[\[silver\]\]/);

    await player.join('harbour');
    await player.say('harbour', 'the smugglers unload crates of amberglass tonight');
    await indexed('amberglass', 'room:harbour#1');
    const lines = await moderator.search('amberglass', { kind: 'transcript' });
    assert.deepEqual(lines.map((h) => [h.id, h.session]), [['room:harbour#1', 'room:harbour']]);
    // A player's search is lore only, whatever it asks.
    assert.deepEqual(await player.search('amberglass'), []);
    await assert.rejects(player.search('amberglass', { kind: 'transcript' }), { code: ProtocolErrors.FORBIDDEN });
  } finally {
    await player.close();
    await moderator.close();
  }
});

test('searches are rate-limited per character, and bad frames are refused with stable codes', async () => {
  const raw = await TestClient.connect(server.url, 'bo-search');
  try {
    for (let i = 0; i < 8; i++) raw.send({ type: 'search', text: 'lighthouse', ref: `s${i}` });
    // At most two at once per character, five in a burst: the first is answered, some are refused.
    const first = await raw.next('search-results', (f) => f.ref === 's0');
    assert.deepEqual(first.hits.map((h) => h.id), ['lore:ashfall:lighthouse']);
    const limited = await raw.next('error', (f) => f.code === ProtocolErrors.RATE_LIMITED && (f.ref ?? '').startsWith('s'));
    assert.ok((limited.retryAfterMs ?? 0) > 0);
    const tooLong = await raw.expectError({ type: 'search', text: 'x'.repeat(201), ref: 'long' }, 'long');
    assert.equal(tooLong.code, ProtocolErrors.BAD_FRAME_SCHEMA);
    const tooMany = await raw.expectError({ type: 'search', text: 'lighthouse', limit: 21, ref: 'many' }, 'many');
    assert.equal(tooMany.code, ProtocolErrors.BAD_FRAME_SCHEMA);
  } finally {
    await raw.close();
  }
});
