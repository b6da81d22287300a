import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { chunkKey, listChunks } from '../../actors/index.js';
import { AuditLog, ProtocolErrors, startGateway, type Gateway, type RoomLineFrame } from '../../clients/index.js';
import { OBJECT_STORE_SERVICE, createFsObjectStore, startDefaultNode, type FsObjectStore } from '../../cluster/index.js';
import { createLogger, OBJECTS_SERVICE } from '../../runtime/index.js';
import { type GlassNode } from '../../runtime/node/index.js';
import { dropSchema, testPgUrl, uniqueSchema } from '../integration/audit-harness.js';
import { fixtureTurnService } from '../fixtures/turn-runner-fixtures.js';
import WebSocket from 'ws';
import { GlassClient, historyPages } from '../../clients/sdk/index.js';
import { TEST_KEYS, tokenFor } from './tokens.js';
import { TestClient } from './ws-client.js';

/** Waits for `check` to hold, asking again after each answer (a condition on the store, not a sleep). */
async function until(what: string, check: () => Promise<boolean>, attempts = 2_000): Promise<void> {
  for (let i = 0; i < attempts; i++) {
    if (await check()) return;
    await new Promise<void>((r) => setImmediate(r));
  }
  throw new Error(`never: ${what}`);
}

describe('archive end to end (2 workers, embedded CouchDB, filesystem archive, uWS, PostgreSQL audit log)', () => {
  let node: GlassNode;
  let gateway: Gateway;
  let audit: AuditLog;
  let archive: FsObjectStore;
  let schema: string;
  let dataDir: string;
  let wsUrl: string;
  const clients: TestClient[] = [];

  async function connect(player: string, roles: ('player' | 'moderator')[] = ['player']): Promise<TestClient> {
    const client = await TestClient.connect(wsUrl, player, { roles });
    clients.push(client);
    return client;
  }

  /** Pages back from the newest with `limit` per page; every page checked; all lines, oldest first. */
  async function pageAll(client: TestClient, room: string, limit: number): Promise<RoomLineFrame[]> {
    const lines: RoomLineFrame[] = [];
    let before: number | undefined;
    for (let page = 0; page < 100; page++) {
      const ref = `h-${room}-${page}`;
      client.send({ type: 'history', room, limit, ref, ...(before !== undefined && { before }) });
      const reply = await client.next('history-page', (f) => f.ref === ref);
      assert.equal(reply.room, room);
      assert.ok(reply.lines!.length <= limit);
      lines.unshift(...reply.lines!);
      if (reply.next === null) return lines;
      assert.ok(before === undefined || reply.next < before, 'the cursor only moves back');
      before = reply.next;
    }
    throw new Error('paging never ended');
  }

  before(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'glass-e2e-archive-'));
    const objects = join(dataDir, 'objects');
    archive = createFsObjectStore({ dir: objects });
    node = await startDefaultNode(
      { workers: 2, logLevel: 'silent', services: { turns: fixtureTurnService(), [OBJECTS_SERVICE]: { worker: { ...OBJECT_STORE_SERVICE, options: { kind: 'fs', dir: objects } } } } },
      { ...process.env, COUCHDB_URL: '', GLASS_DATA_DIR: dataDir },
    );
    schema = uniqueSchema('e2e_archive');
    audit = AuditLog.open({ url: await testPgUrl(), schema, logger: createLogger('test', 'silent'), key: 'archive-test-audit-key-0123456789abcdef', anchor: null });
    await audit.whenReady();
    gateway = await startGateway({ node, port: 0, host: '127.0.0.1', ...TEST_KEYS, audit, archive, rateLimit: { burst: 2_000, perSecond: 2_000 } });
    wsUrl = `ws://127.0.0.1:${gateway.port}/ws`;
  });

  after(async () => {
    await Promise.all(clients.map((c) => c.close()));
    await gateway?.close();
    await node?.close();
    await audit?.close();
    if (schema !== undefined) await dropSchema(schema);
    await rm(dataDir, { recursive: true, force: true });
  });

  test('a room past its hot limit: its lines go to the archive in chunks, and a member pages back through all of them in order', async () => {
    const alice = await connect('alice-a');
    await alice.join('hall-a');
    const total = 230;
    for (let i = 1; i <= total; i++) alice.send({ type: 'say', room: 'hall-a', text: `line ${i}` });
    await alice.next('said', (f) => f.line.text === `line ${total}`);
    // Three chunks of 50 leave the hot state (the newest 80 stay: the limit, 50, plus less than a chunk).
    await until('three chunks archived', async () => (await listChunks(archive, 'room', 'hall-a')).length >= 3);
    assert.deepEqual(
      (await listChunks(archive, 'room', 'hall-a')).map((c) => c.key),
      [chunkKey('room', 'hall-a', 1, 50), chunkKey('room', 'hall-a', 51, 100), chunkKey('room', 'hall-a', 101, 150)],
    );
    // A late joiner still sees the last 50 only.
    const bob = await connect('bob-a');
    const joined = await bob.join('hall-a');
    assert.equal(joined.history.length, 50);
    assert.equal(joined.history[0]!.seq, total - 49);
    for (const limit of [37, 100]) {
      const lines = await pageAll(bob, 'hall-a', limit);
      assert.deepEqual(lines.map((l) => l.seq), Array.from({ length: total }, (_, i) => i + 1), `limit ${limit}`);
      assert.deepEqual(lines.map((l) => l.text), Array.from({ length: total }, (_, i) => `line ${i + 1}`));
    }
    // A moderator pages without joining; a player who is not a member is refused; a page is bounded.
    const warden = await connect('warden-a', ['moderator']);
    assert.equal((await pageAll(warden, 'hall-a', 100)).length, total);
    const eve = await connect('eve-a');
    assert.equal((await eve.expectError({ type: 'history', room: 'hall-a', ref: 'e1' }, 'e1')).code, ProtocolErrors.NOT_IN_ROOM);
    assert.equal((await bob.expectError({ type: 'history', room: 'hall-a', limit: 101, ref: 'b1' }, 'b1')).code, ProtocolErrors.BAD_FRAME_SCHEMA);

    // The SDK: GlassClient.history page by page, historyPages to the first line.
    const sdk = new GlassClient({ url: wsUrl, token: () => tokenFor('fay-a'), WebSocket });
    try {
      await sdk.connect();
      await sdk.join('hall-a');
      const newest = await sdk.history({ room: 'hall-a' }, { limit: 10 });
      assert.deepEqual(newest.lines.map((l) => l.seq), Array.from({ length: 10 }, (_, i) => total - 9 + i));
      const seqs: number[] = [];
      for await (const page of historyPages(sdk, { room: 'hall-a' }, { limit: 64 })) seqs.unshift(...page.lines.map((l) => l.seq));
      assert.deepEqual(seqs, Array.from({ length: total }, (_, i) => i + 1));
    } finally {
      await sdk.close();
    }
  });

  test('a moderator redacts an archived line: the chunk is rewritten, the old copy erased, and the page shows it redacted', async () => {
    const carol = await connect('carol-r');
    await carol.join('hall-r');
    for (let i = 1; i <= 100; i++) carol.send({ type: 'say', room: 'hall-r', text: `secret ${i}` });
    await carol.next('said', (f) => f.line.text === 'secret 100');
    const key = chunkKey('room', 'hall-r', 1, 50);
    await until('first chunk archived', async () => (await listChunks(archive, 'room', 'hall-r')).length === 1);
    // Archived, and dropped from the hot state: the first page of 50 starts at 51.
    await until('dropped from the hot state', async () => {
      carol.send({ type: 'history', room: 'hall-r', limit: 50, ref: 'probe' });
      return (await carol.next('history-page', (f) => f.ref === 'probe')).next === 51;
    });
    const mod = await connect('warden-r', ['moderator']);
    mod.send({ type: 'override', room: 'hall-r', command: 'redact', seq: 7, reason: 'doxxing', ref: 'redact-7' });
    await mod.next('override-applied', (f) => f.ref === 'redact-7');
    // Rewritten, then its older versions erased: wait for both (the erase follows the put).
    await until('chunk rewritten, older copies erased', async () => !Buffer.from((await archive.get(key))!).toString().includes('"secret 7"') && (await archive.versions(key)).length === 1);
    for (const v of await archive.versions(key)) assert.ok(!Buffer.from((await archive.get(key, { versionId: v.versionId! }))!).toString().includes('"secret 7"'));
    mod.send({ type: 'history', room: 'hall-r', before: 8, limit: 2, ref: 'm1' });
    const page = await mod.next('history-page', (f) => f.ref === 'm1');
    assert.deepEqual(page.lines!.map((l) => [l.seq, l.text, l.redacted ?? false]), [[6, 'secret 6', false], [7, '', true]]);
    assert.equal(page.next, 6);
  });

  test('a session: a member pages its transcript through the gateway; a non-member is refused', async () => {
    const gus = await connect('gus-s');
    gus.send({ type: 'join-session', session: 'tale-s', ref: 'js' });
    await gus.next('session-joined', (f) => f.ref === 'js');
    for (let i = 1; i <= 3; i++) {
      gus.send({ type: 'turn', session: 'tale-s', text: `step ${i}` });
      await gus.next('turn-committed', (f) => f.turn === i);
    }
    gus.send({ type: 'history', session: 'tale-s', limit: 2, ref: 'sh1' });
    const newest = await gus.next('history-page', (f) => f.ref === 'sh1');
    assert.deepEqual(newest.turns!.map((t) => [t.turn, t.text]), [[2, 'step 2'], [3, 'step 3']]);
    assert.notEqual(newest.next, null);
    gus.send({ type: 'history', session: 'tale-s', before: newest.next, limit: 2, ref: 'sh2' });
    const older = await gus.next('history-page', (f) => f.ref === 'sh2');
    assert.deepEqual([older.turns!.map((t) => t.turn), older.next], [[1], null]);
    const hal = await connect('hal-s');
    assert.equal((await hal.expectError({ type: 'history', session: 'tale-s', ref: 'h' }, 'h')).code, ProtocolErrors.NOT_IN_SESSION);
  });

  test('a corrupted chunk: the page is refused with GLASS_ERR_ARCHIVE_CORRUPT and the connection goes on', async () => {
    const dan = await connect('dan-c');
    await dan.join('hall-c');
    for (let i = 1; i <= 100; i++) dan.send({ type: 'say', room: 'hall-c', text: `x ${i}` });
    await dan.next('said', (f) => f.line.text === 'x 100');
    await until('first chunk archived', async () => (await listChunks(archive, 'room', 'hall-c')).length === 1);
    await archive.put(chunkKey('room', 'hall-c', 1, 50), '{"v":1,"kind":"room","id":"hall-c","first":1,"last":50,"items":[{"seq":3}]}');
    await until('dropped from the hot state', async () => {
      dan.send({ type: 'history', room: 'hall-c', limit: 50, ref: 'probe' });
      return (await dan.next('history-page', (f) => f.ref === 'probe')).next === 51;
    });
    assert.equal((await dan.expectError({ type: 'history', room: 'hall-c', before: 51, ref: 'c1' }, 'c1')).code, ProtocolErrors.ARCHIVE_CORRUPT);
    dan.send({ type: 'ping', ref: 'still-here' });
    await dan.next('pong', (f) => f.ref === 'still-here');
  });
});
