// Lore, session turns and room lines reach the index from CouchDB's _changes (the embedded server,
// the real CouchStateStore writing them), redactions leave it, and the checkpoint survives a restart.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { ChangesIndexer, CouchStateStore, PgSearchIndex, createCouchStateStore } from '../../cluster/index.js';
import { startTestCouch } from '../contract/couch-harness.js';
import { sql, testPgUrl, uniqueSchema } from './audit-harness.js';

const DB = 'glass_actors';
let couch: Awaited<ReturnType<typeof startTestCouch>>;
let store: CouchStateStore;
let index: PgSearchIndex;
const schema = uniqueSchema('search_changes');

before(async () => {
  couch = await startTestCouch('search-changes');
  store = createCouchStateStore({ url: couch.couch.url, db: DB }) as CouchStateStore;
  index = new PgSearchIndex({ url: await testPgUrl(), schema });
  await index.ready();
});

after(async () => {
  await store.close();
  await index.close();
  await couch.stop();
  await sql(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
});

function session(turns: { turn: number; player: string; text: string; redacted?: true; narrated?: string }[]): unknown {
  return { turn: turns.length, transcript: turns.map((t) => ({ at: 1_700_000_000_000 + t.turn, ...t })), members: {}, seq: 1, queue: [] };
}

async function ids(text: string, kind?: 'lore' | 'transcript'): Promise<string[]> {
  return (await index.search({ text, ...(kind !== undefined && { kind }) })).map((h) => h.id).sort();
}

test('lore, turns and lines are indexed from _changes; a redaction removes the text; the checkpoint carries over a restart', async () => {
  const lore = await store.save('lore', 'ashfall:obsidian-temple', { title: 'The Obsidian Temple', body: 'Dragon priests keep the ember.', tags: ['place'], source: 'temple.md' }, null, 1);
  assert.ok(lore);
  const v1 = await store.save('session', 'tale', session([{ turn: 1, player: 'ana', text: 'I climb the basalt stairs', narrated: 'The wind howls.' }, { turn: 2, player: 'bo', text: 'I whisper my secret password swordfish' }]), null, 1);
  await store.save('room', 'lobby', { members: {}, seq: 1, history: [{ seq: 1, from: 'cy', text: 'anyone seen the lighthouse keeper', at: 1_700_000_000_000 }] }, null, 1);
  // Hostile documents in the store are skipped, not fatal.
  await store.save('session', 'broken', { transcript: 'not an array' }, null, 1);
  await store.save('lore', 'BAD ID', { title: 1 }, null, 1);

  const first = new ChangesIndexer({ couchUrl: couch.couch.url, db: DB, index, longpollMs: 500 }).start();
  let status = await first.caughtUp();
  assert.equal(status.lagMs, 0);
  assert.ok(status.skipped >= 2, `skipped ${status.skipped}`);
  assert.deepEqual(await ids('ember', 'lore'), ['lore:ashfall:obsidian-temple']);
  assert.deepEqual(await ids('basalt stairs'), ['session:tale#1']);
  assert.deepEqual(await ids('howls'), ['session:tale#1']);
  assert.deepEqual(await ids('swordfish'), ['session:tale#2']);
  assert.deepEqual(await ids('lighthouse keeper', 'transcript'), ['room:lobby#1']);
  const hit = (await index.search({ text: 'swordfish' }))[0];
  assert.equal(hit.session, 'session:tale');

  // A moderator's redaction replaces the turn's text in the actor document.
  const caught = first.caughtUp();
  await store.save('session', 'tale', session([{ turn: 1, player: 'ana', text: 'I climb the basalt stairs', narrated: 'The wind howls.' }, { turn: 2, player: 'bo', text: '', redacted: true }]), v1, 1);
  await caught;
  assert.deepEqual(await ids('swordfish'), []);
  assert.deepEqual(await ids('basalt'), ['session:tale#1']);
  const since = (await index.readCheckpoint(`couch:${DB}`))!;
  assert.equal(since, first.status().since);
  await first.close();

  // A new indexer goes on from the checkpoint: what changed meanwhile is indexed, nothing before is read again.
  await store.save('lore', 'ashfall:ember-road', { title: 'The Ember Road', body: 'Caravans pay tolls in copper.', tags: [], source: 'road.md' }, null, 1);
  const second = new ChangesIndexer({ couchUrl: couch.couch.url, db: DB, index, longpollMs: 500 }).start();
  status = await second.caughtUp();
  assert.deepEqual(await ids('copper'), ['lore:ashfall:ember-road']);
  assert.equal(status.indexed, 1, 'only the change after the checkpoint');
  await second.close();
});
