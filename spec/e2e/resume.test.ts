import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { ProtocolErrors, signResumeToken, startGateway, type Gateway } from '../../clients/index.js';
import { startDefaultNode } from '../../cluster/index.js';
import type { GlassNode } from '../../runtime/node/index.js';
import { GAME_ACTORS_MODULE, WORKER_KILLER_MODULE } from './fixtures/worker-killer.js';
import { TEST_KEYS, TEST_RESUME_KEY, tokenFor } from './tokens.js';
import { TestClient } from './ws-client.js';

// Long enough for a worker restart under a loaded CI machine inside the window (test 3); the tests that
// need it to end wait for the presence event, so a longer window costs them time, not certainty.
const RESUME_WINDOW_MS = 4_000;

describe('reconnect and resume on one node (2 workers, embedded CouchDB, uWS)', () => {
  let node: GlassNode;
  let gateway: Gateway;
  let url: string;
  let dataDir: string;
  const clients: TestClient[] = [];

  before(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'glass-e2e-resume-'));
    node = await startDefaultNode(
      { workers: 2, logLevel: 'silent', actorModules: [GAME_ACTORS_MODULE, WORKER_KILLER_MODULE] },
      { ...process.env, COUCHDB_URL: '', GLASS_DATA_DIR: dataDir },
    );
    gateway = await startGateway({
      node,
      port: 0,
      host: '127.0.0.1',
      ...TEST_KEYS,
      resumeWindowMs: RESUME_WINDOW_MS,
      rateLimit: { burst: 500, perSecond: 500 },
    });
    url = `ws://127.0.0.1:${gateway.port}/ws`;
  });

  after(async () => {
    await Promise.all(clients.map((c) => c.close()));
    await gateway?.close();
    await node?.close();
    await rm(dataDir, { recursive: true, force: true });
  });

  async function connect(player: string): Promise<TestClient> {
    const client = await TestClient.connect(url, player);
    clients.push(client);
    return client;
  }

  /** Drops the socket, reconnects and resumes with the last resume token and the seqs seen. */
  async function dropAndResume(client: TestClient, between: () => Promise<void>, seqs?: Record<string, number>): Promise<TestClient> {
    const token = client.lastResumeToken();
    assert.ok(token !== undefined, `${client.player} got a resume token`);
    const seen = seqs ?? client.lastSeqs();
    await client.drop();
    await between();
    const again = await connect(client.player);
    again.send({ type: 'resume', token: token.token, rooms: seen, ref: 'resume' });
    await again.next('resume-token', (f) => f.ref === 'resume');
    return again;
  }

  /** Kills the worker thread hosting `roomId` (and the room with it); resolves once it is back. */
  async function killWorkerOf(roomId: string): Promise<void> {
    const thread = node.threadOf(roomId);
    let killerId = '';
    for (let i = 0; killerId === ''; i++) if (node.threadOf(`killer-${i}`) === thread) killerId = `killer-${i}`;
    const back = new Promise<void>((resolve) => {
      const off = node.supervisor.onRestart((h) => {
        if (h.thread !== thread) return;
        off();
        resolve();
      });
    });
    node.tell({ kind: 'killer', id: killerId }, { type: 'exit' });
    await back;
  }

  async function barrier(client: TestClient, ref: string): Promise<void> {
    client.send({ type: 'ping', ref });
    await client.next('pong', (f) => f.ref === ref);
  }

  test('a dropped socket resumes on the same node: the missed lines once, in order, then live ones; nobody saw it leave', async () => {
    const ann = await connect('ann-r1');
    const ben = await connect('ben-r1');
    await ann.join('den-r1');
    await ann.join('yard-r1');
    await ben.join('den-r1');
    await ann.next('resume-token', (f) => f.rooms.length === 2);
    ann.send({ type: 'say', room: 'den-r1', text: 'before' });
    await ben.next('said', (f) => f.line.text === 'before');
    await ann.next('said', (f) => f.line.text === 'before');

    const seqs = { 'den-r1': ann.lastSeqs()['den-r1'] }; // yard-r1 left out: its answer is a resync
    const again = await dropAndResume(
      ann,
      async () => {
        for (const text of ['missed 1', 'missed 2', 'missed 3']) ben.send({ type: 'say', room: 'den-r1', text });
        for (const text of ['missed 1', 'missed 2', 'missed 3']) await ben.next('said', (f) => f.line.text === text);
      },
      seqs,
    );
    const resumed = again.seen.find((f) => f.type === 'resumed');
    assert.ok(resumed !== undefined && resumed.type === 'resumed');
    assert.equal(resumed.room, 'den-r1');
    assert.deepEqual(resumed.lines.map((l) => [l.seq, l.text]), [[2, 'missed 1'], [3, 'missed 2'], [4, 'missed 3']]);
    assert.equal(resumed.seq, 4);
    assert.deepEqual(resumed.members, ['ann-r1', 'ben-r1']);
    const resync = again.seen.find((f) => f.type === 'resync');
    assert.ok(resync !== undefined && resync.type === 'resync');
    assert.deepEqual([resync.room, resync.reason], ['yard-r1', 'unknown']);
    assert.deepEqual(again.lastResumeToken()?.rooms.sort(), ['den-r1', 'yard-r1']);

    ben.send({ type: 'say', room: 'den-r1', text: 'live' });
    const live = await again.next('said');
    assert.deepEqual([live.line.seq, live.line.text], [5, 'live']);
    await barrier(again, 'r1-a');
    assert.equal(again.seen.filter((f) => f.type === 'said').length, 1, 'no line twice');
    await barrier(ben, 'r1-b');
    assert.ok(!ben.seen.some((f) => f.type === 'presence' && f.room === 'den-r1' && f.left === 'ann-r1'), 'ben never saw ann leave');
    assert.equal(gateway.stats().heldRooms, 0);
  });

  test('the room’s worker killed while both are connected: nobody is dropped and the next line reaches both', async () => {
    const ann = await connect('ann-r2');
    const ben = await connect('ben-r2');
    await ann.join('hall-r2');
    await ben.join('hall-r2');
    ann.send({ type: 'say', room: 'hall-r2', text: 'one' });
    await ben.next('said', (f) => f.line.text === 'one');

    await killWorkerOf('hall-r2');
    ben.send({ type: 'say', room: 'hall-r2', text: 'after the crash' });
    const [toAnn, toBen] = await Promise.all([ann.next('said', (f) => f.line.seq === 2), ben.next('said', (f) => f.line.seq === 2)]);
    assert.equal(toAnn.line.text, 'after the crash');
    assert.deepEqual(toBen, toAnn);
    assert.ok(ann.open && ben.open);
  });

  test('a socket dropped, then the room’s worker killed: the resume replays what was said meanwhile', async () => {
    const ann = await connect('ann-r3');
    const ben = await connect('ben-r3');
    await ann.join('cellar-r3');
    await ben.join('cellar-r3');
    await ann.next('resume-token');
    ann.send({ type: 'say', room: 'cellar-r3', text: 'one' });
    await ann.next('said', (f) => f.line.text === 'one');
    await ben.next('said', (f) => f.line.text === 'one');

    const again = await dropAndResume(ann, async () => {
      await killWorkerOf('cellar-r3');
      ben.send({ type: 'say', room: 'cellar-r3', text: 'two' });
      await ben.next('said', (f) => f.line.text === 'two');
    });
    const resumed = again.seen.find((f) => f.type === 'resumed');
    assert.ok(resumed !== undefined && resumed.type === 'resumed', 'the room still counted ann: it replays');
    assert.deepEqual(resumed.lines.map((l) => l.text), ['two']);
    assert.deepEqual(resumed.members, ['ann-r3', 'ben-r3']);
  });

  test('after the resume window: a resync with the room’s current state, and the others see the player leave and come back', async () => {
    const ann = await connect('ann-r4');
    const ben = await connect('ben-r4');
    await ann.join('attic-r4');
    await ben.join('attic-r4');
    await ann.next('resume-token');
    const again = await dropAndResume(ann, async () => {
      await ben.next('presence', (f) => f.left === 'ann-r4'); // the window ended: the gateway left
      ben.send({ type: 'say', room: 'attic-r4', text: 'while you were gone' });
      await ben.next('said');
    });
    const resync = again.seen.find((f) => f.type === 'resync');
    assert.ok(resync !== undefined && resync.type === 'resync');
    assert.equal(resync.reason, 'window');
    assert.deepEqual(resync.members, ['ben-r4', 'ann-r4']);
    assert.deepEqual(resync.history.map((l) => l.text), ['while you were gone']);
    assert.equal(resync.seq, 1);
    await ben.next('presence', (f) => f.joined === 'ann-r4');
  });

  test('missed lines beyond the history: a resync (gap)', async () => {
    const ann = await connect('ann-r5');
    const ben = await connect('ben-r5');
    await ann.join('forum-r5');
    await ben.join('forum-r5');
    await ann.next('resume-token');
    const again = await dropAndResume(ann, async () => {
      for (let i = 1; i <= 55; i++) ben.send({ type: 'say', room: 'forum-r5', text: `line ${i}` });
      await ben.next('said', (f) => f.line.seq === 55);
    });
    const resync = again.seen.find((f) => f.type === 'resync');
    assert.ok(resync !== undefined && resync.type === 'resync');
    assert.equal(resync.reason, 'gap');
    assert.equal(resync.seq, 55);
    assert.deepEqual([resync.history[0].seq, resync.history.at(-1)?.seq], [6, 55]);
  });

  test('a resume token that is forged, another player’s, an access token, or missing a room is refused and changes nothing', async () => {
    const ann = await connect('ann-r6');
    const ben = await connect('ben-r6');
    await ben.join('study-r6');
    const bens = (await ben.next('resume-token')).token;
    const forged = await signResumeToken(new Uint8Array(randomBytes(32)), { player: 'ann-r6', character: 'ann-r6-char', rooms: ['study-r6'] }, 60_000);
    const otherCharacter = await signResumeToken(TEST_RESUME_KEY, { player: 'ann-r6', character: 'someone-else', rooms: ['study-r6'] }, 60_000);
    const own = await signResumeToken(TEST_RESUME_KEY, { player: 'ann-r6', character: 'ann-r6-char', rooms: [] }, 60_000);
    const cases: [string, string, Record<string, number>][] = [
      ['forged', forged, {}],
      ['another player’s', bens, {}],
      ['another character’s', otherCharacter, {}],
      ['an access token', await tokenFor('ann-r6'), {}],
      ['not a token', 'not.a.token', {}],
      ['a room it does not cover', own, { 'study-r6': 0 }],
    ];
    for (const [what, token, rooms] of cases) {
      const error = await ann.expectError({ type: 'resume', token, rooms, ref: what }, what);
      assert.equal(error.code, ProtocolErrors.RESUME_INVALID, what);
    }
    await barrier(ben, 'r6');
    assert.ok(!ben.seen.some((f) => f.type === 'presence' && f.joined === 'ann-r6'), 'ann was never added to the room');
  });
});
