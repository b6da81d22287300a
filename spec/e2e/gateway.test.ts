import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { CloseCodes, ProtocolErrors, startGateway, type Gateway } from '../../clients/index.js';
import { room } from '../../actors/index.js';
import { startDefaultNode } from '../../cluster/index.js';
import type { GlassNode } from '../../runtime/node/index.js';
import { fixtureTurnService } from '../fixtures/turn-runner-fixtures.js';
import { TEST_KEYS } from './tokens.js';
import { TestClient, idsOnDifferentThreads } from './ws-client.js';

/** Short, so that the test of a closed socket's rooms being left does not wait long. */
const RESUME_WINDOW_MS = 1_000;

describe('gateway end to end (2 workers, embedded CouchDB store, uWS, ws clients)', () => {
  let node: GlassNode;
  let gateway: Gateway;
  let url: string;
  const clients: TestClient[] = [];

  async function connect(player: string): Promise<TestClient> {
    const client = await TestClient.connect(url, player);
    clients.push(client);
    return client;
  }

  let dataDir: string;

  before(async () => {
    // The production default (the embedded CouchDB-protocol server), on a fresh directory so that
    // no state from an earlier run leaks in, and never an outside COUCHDB_URL.
    dataDir = await mkdtemp(join(tmpdir(), 'glass-e2e-'));
    node = await startDefaultNode({ workers: 2, logLevel: 'silent', services: { turns: fixtureTurnService() } }, { ...process.env, COUCHDB_URL: '', GLASS_DATA_DIR: dataDir });
    gateway = await startGateway({ node, port: 0, host: '127.0.0.1', ...TEST_KEYS, resumeWindowMs: RESUME_WINDOW_MS });
    url = `ws://127.0.0.1:${gateway.port}/ws`;
  });

  after(async () => {
    await Promise.all(clients.map((c) => c.close()));
    await gateway?.close();
    await node?.close();
    await rm(dataDir, { recursive: true, force: true });
  });

  test('two players in one room both get each line with the same seq, and see presence', async () => {
    const alice = await connect('alice-a');
    const bob = await connect('bob-a');
    const joinedA = await alice.join('lobby-a');
    assert.deepEqual(joinedA.members, ['alice-a']);
    assert.equal(joinedA.seq, 0);
    const joinedB = await bob.join('lobby-a');
    assert.deepEqual(joinedB.members, ['alice-a', 'bob-a']);
    const presence = await alice.next('presence', (f) => f.joined === 'bob-a');
    assert.deepEqual(presence.members, ['alice-a', 'bob-a']);

    alice.send({ type: 'say', room: 'lobby-a', text: 'hello bob' });
    const [toAlice, toBob] = await Promise.all([alice.next('said'), bob.next('said')]);
    assert.equal(toAlice.line.seq, 1);
    assert.deepEqual(toBob, toAlice);
    assert.equal(toBob.line.from, 'alice-a');
    assert.equal(toBob.line.text, 'hello bob');

    bob.send({ type: 'leave', room: 'lobby-a', ref: 'bye' });
    await bob.next('left', (f) => f.ref === 'bye');
    const gone = await alice.next('presence', (f) => f.left === 'bob-a');
    assert.deepEqual(gone.members, ['alice-a']);
  });

  test('lines the gateway never got (their node died after saving them) reach its members in order before the next one', async () => {
    const alice = await connect('alice-gap');
    await alice.join('lobby-gap');
    alice.send({ type: 'say', room: 'lobby-gap', text: 'one' });
    assert.equal((await alice.next('said')).line.seq, 1);
    // What a dead node's lost sends leave behind, made with real messages: the room takes alice to
    // be on another node, so lines 2 and 3 are saved and sent there, never here; then she is back.
    const lobby = room.ref(node, 'lobby-gap');
    await lobby.ask({ type: 'join', player: 'alice-gap', node: 'gone-node' });
    await lobby.ask({ type: 'join', player: 'carol-gap', node: 'gone-node' });
    await lobby.ask({ type: 'say', player: 'carol-gap', text: 'two' });
    await lobby.ask({ type: 'say', player: 'carol-gap', text: 'three' });
    await lobby.ask({ type: 'join', player: 'alice-gap', node: node.id });
    alice.send({ type: 'say', room: 'lobby-gap', text: 'four' });
    const lines = [await alice.next('said'), await alice.next('said'), await alice.next('said')];
    assert.deepEqual(
      lines.map((f) => [f.line.seq, f.line.text]),
      [[2, 'two'], [3, 'three'], [4, 'four']],
    );
  });

  test('a join pipelined with a say (no wait for joined) gets joined first, then its own line', async () => {
    const carl = await connect('carl-a');
    carl.send({ type: 'join', room: 'pipe-a', ref: 'j' });
    carl.send({ type: 'say', room: 'pipe-a', text: 'right away' });
    const joined = await carl.next('joined');
    const said = await carl.next('said');
    assert.equal(joined.seq, said.line.seq - 1);
    const order = carl.seen.map((f) => f.type).filter((t) => t === 'joined' || t === 'said');
    assert.deepEqual(order, ['joined', 'said']);
  });

  test('a player in two rooms on different threads gets each room’s lines, and others only their room’s', async () => {
    const [roomX, roomY] = idsOnDifferentThreads((id) => node.threadOf(id), 'split');
    assert.notEqual(node.threadOf(roomX), node.threadOf(roomY));
    const both = await connect('both-b');
    const onlyX = await connect('only-x-b');
    const onlyY = await connect('only-y-b');
    await both.join(roomX);
    await both.join(roomY);
    await onlyX.join(roomX);
    await onlyY.join(roomY);

    onlyX.send({ type: 'say', room: roomX, text: 'in x' });
    onlyY.send({ type: 'say', room: roomY, text: 'in y' });
    const fromX = await both.next('said', (f) => f.room === roomX);
    const fromY = await both.next('said', (f) => f.room === roomY);
    assert.equal(fromX.line.text, 'in x');
    assert.equal(fromY.line.text, 'in y');
    await onlyX.next('said', (f) => f.room === roomX);
    await onlyY.next('said', (f) => f.room === roomY);

    // Both lines were published before `both` read them; a ping answered after that is a barrier
    // for anything else the server might have written to these sockets.
    for (const [client, room] of [[onlyX, roomX], [onlyY, roomY]] as const) {
      client.send({ type: 'ping', ref: 'barrier' });
      await client.next('pong', (f) => f.ref === 'barrier');
      const foreign = client.seen.filter((f) => (f.type === 'said' || f.type === 'presence') && f.room !== room);
      assert.deepEqual(foreign, []);
    }
  });

  test('malformed frames get error frames with stable codes and the connection stays usable', async () => {
    const mallory = await connect('mallory-c');
    const expectNext = async (code: string): Promise<void> => assert.equal((await mallory.next('error')).code, code);

    mallory.sendRaw('{"type": "join", ');
    await expectNext(ProtocolErrors.BAD_FRAME);
    mallory.sendRaw('[1, 2, 3]');
    await expectNext(ProtocolErrors.BAD_FRAME);
    mallory.sendRaw('"just a string"');
    await expectNext(ProtocolErrors.BAD_FRAME);
    mallory.sendRaw(Buffer.from(JSON.stringify({ type: 'ping' })), { binary: true });
    await expectNext(ProtocolErrors.BINARY_UNSUPPORTED);
    mallory.send({ type: 'say', room: 'big-c', text: 'x'.repeat(20_000) });
    await expectNext(ProtocolErrors.FRAME_TOO_LARGE);

    const byRef = async (frame: Record<string, unknown>, code: string): Promise<string> => {
      const error = await mallory.expectError(frame, String(frame.ref));
      assert.equal(error.code, code, `frame ${JSON.stringify(frame).slice(0, 80)}`);
      return error.message;
    };
    await byRef({ type: 'shout', room: 'lobby-c', ref: 'r1' }, ProtocolErrors.UNKNOWN_FRAME_TYPE);
    await byRef({ type: 'say', room: 'not-joined-c', text: 'hi', ref: 'r2' }, ProtocolErrors.NOT_IN_ROOM);
    await byRef({ type: 'leave', room: 'not-joined-c', ref: 'r3' }, ProtocolErrors.NOT_IN_ROOM);
    const wrongType = await byRef({ type: 'join', room: 42, ref: 'r4' }, ProtocolErrors.BAD_FRAME_SCHEMA);
    assert.match(wrongType, /^room: /);
    await byRef({ type: 'join', room: 'bad id!', ref: 'r5' }, ProtocolErrors.BAD_FRAME_SCHEMA);
    await byRef({ type: 'ping', ref: 'r6', extra: true }, ProtocolErrors.BAD_FRAME_SCHEMA);
    await byRef({ type: 'say', room: 'lobby-c', text: 'y'.repeat(2_001), ref: 'r7' }, ProtocolErrors.BAD_FRAME_SCHEMA);
    await byRef({ type: 'turn', session: 'story-c', text: '', ref: 'r8' }, ProtocolErrors.BAD_FRAME_SCHEMA);
    await byRef({ room: 'lobby-c', ref: 'r9' }, ProtocolErrors.BAD_FRAME_SCHEMA);
    assert.ok(mallory.open);

    const friend = await connect('friend-c');
    await mallory.join('lobby-c');
    await friend.join('lobby-c');
    mallory.send({ type: 'say', room: 'lobby-c', text: 'still here' });
    const [a, b] = await Promise.all([mallory.next('said'), friend.next('said')]);
    assert.equal(a.line.text, 'still here');
    assert.deepEqual(b, a);
  });

  test('turns of a member are accepted with increasing turn numbers', async () => {
    const teller = await connect('teller-d');
    teller.send({ type: 'join-session', session: 'story-d', ref: 'j' });
    await teller.next('session-joined', (f) => f.ref === 'j');
    teller.send({ type: 'turn', session: 'story-d', text: 'Once upon a time', ref: 't1' });
    teller.send({ type: 'turn', session: 'story-d', text: 'there was a runtime', ref: 't2' });
    const first = await teller.next('turn-accepted', (f) => f.ref === 't1');
    const second = await teller.next('turn-accepted', (f) => f.ref === 't2');
    assert.equal(first.session, 'story-d');
    assert.equal(first.turn, 1);
    assert.equal(second.turn, 2);
    teller.send({ type: 'turn', session: 'story-d', text: 'the end', ref: 't3' });
    assert.equal((await teller.next('turn-accepted', (f) => f.ref === 't3')).turn, 3);
  });

  test('/healthz answers with the node and its live workers; other paths are 404', async () => {
    const health = await fetch(`http://127.0.0.1:${gateway.port}/healthz`);
    assert.equal(health.status, 200);
    assert.deepEqual(await health.json(), { node: node.id, workers: 2 });
    assert.equal((await fetch(`http://127.0.0.1:${gateway.port}/nothing`)).status, 404);
  });

  test('a passivated room keeps its members and history', async () => {
    const ann = await connect('ann-f');
    const ben = await connect('ben-f');
    await ann.join('cellar-f');
    await ben.join('cellar-f');
    ann.send({ type: 'say', room: 'cellar-f', text: 'before' });
    await Promise.all([ann.next('said'), ben.next('said')]);

    assert.equal(await node.passivate('room', 'cellar-f'), true);
    const active = (await node.inspect({ kind: 'room' })).flatMap((t) => t.actors).map((a) => a.id);
    assert.ok(!active.includes('cellar-f'), 'the room is no longer active');

    ben.send({ type: 'say', room: 'cellar-f', text: 'after' });
    const [toAnn, toBen] = await Promise.all([ann.next('said'), ben.next('said')]);
    assert.equal(toAnn.line.seq, 2);
    assert.deepEqual(toBen, toAnn);

    const cid = await connect('cid-f');
    const joined = await cid.join('cellar-f');
    assert.deepEqual(joined.members, ['ann-f', 'ben-f', 'cid-f']);
    assert.deepEqual(joined.history.map((l) => [l.seq, l.from, l.text]), [[1, 'ann-f', 'before'], [2, 'ben-f', 'after']]);
    assert.equal(joined.seq, 2);
  });

  test('a second connection of the same player replaces the first; joining again takes its held membership back', async () => {
    const watcher = await connect('watcher-g');
    await watcher.join('hall-g');
    const first = await connect('dup-g');
    await first.join('hall-g');
    await watcher.next('presence', (f) => f.joined === 'dup-g');

    const second = await connect('dup-g');
    const replaced = await first.next('error');
    assert.equal(replaced.code, ProtocolErrors.REPLACED);
    assert.equal((await first.closed).code, CloseCodes.REPLACED);

    const rejoined = await second.join('hall-g');
    assert.deepEqual(rejoined.members, ['watcher-g', 'dup-g']);
    assert.equal(gateway.stats().heldRooms, 0, 'the join took the held membership back: no leave is pending');
    watcher.send({ type: 'ping', ref: 'barrier-g' });
    await watcher.next('pong', (f) => f.ref === 'barrier-g');
    assert.ok(!watcher.seen.some((f) => f.type === 'presence' && f.left === 'dup-g'), 'the others never saw dup-g leave');
  });

  test('a closed socket’s rooms are held for the resume window, then left', async () => {
    const stays = await connect('stays-h');
    const goes = await connect('goes-h');
    await stays.join('porch-h');
    await goes.join('porch-h');
    const closedAt = Date.now();
    await goes.close();
    const left = await stays.next('presence', (f) => f.left === 'goes-h');
    assert.ok(Date.now() - closedAt >= RESUME_WINDOW_MS - 50, 'not before the window ended');
    assert.deepEqual(left.members, ['stays-h']);
  });
});
