// Sessions end to end: a real node (2 workers, embedded CouchDB store) with the fixture turn runner,
// the uWS gateway and ws clients. Every frame a client gets is checked against the protocol's schemas.
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { overrideId, override, tellSystem } from '../../actors/index.js';
import { ProtocolErrors, startGateway, type Gateway, type ServerFrame } from '../../clients/index.js';
import { startDefaultNode } from '../../cluster/index.js';
import type { GlassNode } from '../../runtime/node/index.js';
import { fixtureChunks, fixtureTurnService } from '../fixtures/turn-runner-fixtures.js';
import { TEST_KEYS } from './tokens.js';
import { TestClient } from './ws-client.js';

describe('sessions end to end (members, one turn at a time, narration streamed)', () => {
  let node: GlassNode;
  let gateway: Gateway;
  let url: string;
  let dataDir: string;
  const clients: TestClient[] = [];

  before(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'glass-e2e-sessions-'));
    node = await startDefaultNode({ workers: 2, logLevel: 'silent', services: { turns: fixtureTurnService({ slowMs: 120 }) } }, { ...process.env, COUCHDB_URL: '', GLASS_DATA_DIR: dataDir });
    gateway = await startGateway({ node, port: 0, host: '127.0.0.1', ...TEST_KEYS, resumeWindowMs: 5_000, rateLimit: { burst: 500, perSecond: 500 } });
    url = `ws://127.0.0.1:${gateway.port}/ws`;
  });

  after(async () => {
    await Promise.all(clients.map((c) => c.close()));
    await gateway?.close();
    await node?.close();
    await rm(dataDir, { recursive: true, force: true });
  });

  async function connect(player: string, roles?: string[]): Promise<TestClient> {
    const client = await TestClient.connect(url, player, roles === undefined ? undefined : ({ roles } as never));
    clients.push(client);
    return client;
  }

  async function joinSession(client: TestClient, id: string, access?: 'open' | 'invite') {
    const ref = `js-${id}-${Math.random().toString(36).slice(2)}`;
    client.send({ type: 'join-session', session: id, ref, ...(access === undefined ? {} : { access }) });
    return client.next('session-joined', (f) => f.ref === ref);
  }

  /** The session frames a client saw, in order. */
  function sessionFrames(client: TestClient, id: string): (ServerFrame & { seq: number })[] {
    return client.seen.filter((f) => 'session' in f && f.session === id && 'seq' in f && f.type !== 'session-joined' && f.type !== 'session-resumed' && f.type !== 'session-resync') as never;
  }

  function chunksOf(frames: ServerFrame[], turn: number): string[] {
    return frames.filter((f) => f.type === 'narration' && f.turn === turn).map((f) => (f as { text: string }).text);
  }

  test('only members take turns; every member gets every chunk in order once, with increasing seq, then turn-committed', async () => {
    const ann = await connect('ann-s');
    const ben = await connect('ben-s');
    assert.equal((await ann.expectError({ type: 'turn', session: 'tale-a', text: 'hello', ref: 'x' }, 'x')).code, ProtocolErrors.NOT_IN_SESSION);
    const joined = await joinSession(ann, 'tale-a');
    assert.deepEqual({ members: joined.members, access: joined.access, seq: joined.seq }, { members: ['ann-s'], access: 'open', seq: 1 });
    await joinSession(ben, 'tale-a');
    ann.send({ type: 'turn', session: 'tale-a', text: 'I light the lamp', ref: 't1' });
    const accepted = await ann.next('turn-accepted', (f) => f.ref === 't1');
    assert.deepEqual({ turn: accepted.turn, position: accepted.position }, { turn: 1, position: 0 });
    const [ca, cb] = await Promise.all([ann.next('turn-committed', (f) => f.turn === 1), ben.next('turn-committed', (f) => f.turn === 1)]);
    assert.equal(ca.narration, fixtureChunks(1, 'I light the lamp').join(''));
    assert.deepEqual(cb, ca);
    for (const client of [ann, ben]) {
      const frames = sessionFrames(client, 'tale-a');
      assert.deepEqual(chunksOf(frames, 1), fixtureChunks(1, 'I light the lamp'));
      const seqs = frames.map((f) => f.seq);
      assert.deepEqual(seqs, [...new Set(seqs)].sort((a, b) => a - b), `${client.player}: seq strictly increases`);
      const types = frames.map((f) => f.type);
      assert.ok(types.indexOf('turn-started') < types.indexOf('narration') && types.lastIndexOf('narration') < types.indexOf('turn-committed'));
    }
  });

  test('invite-only: a stranger is refused (GLASS_ERR_NOT_INVITED) until the creator invites it', async () => {
    const cat = await connect('cat-s');
    const dan = await connect('dan-s');
    await joinSession(cat, 'tale-b', 'invite');
    assert.equal((await dan.expectError({ type: 'join-session', session: 'tale-b', ref: 'j1' }, 'j1')).code, ProtocolErrors.NOT_INVITED);
    assert.equal((await dan.expectError({ type: 'turn', session: 'tale-b', text: 'let me in', ref: 't' }, 't')).code, ProtocolErrors.NOT_IN_SESSION);
    cat.send({ type: 'invite', session: 'tale-b', player: 'dan-s', ref: 'i' });
    await cat.next('invited', (f) => f.ref === 'i');
    const joined = await joinSession(dan, 'tale-b');
    assert.deepEqual(joined.members, ['cat-s', 'dan-s']);
    assert.equal(joined.access, 'invite');
  });

  test('N turns sent at once are committed in order, each once; past the queue bound GLASS_ERR_TURN_QUEUE_FULL; a failed run is turn-failed', async () => {
    const eve = await connect('eve-s');
    await joinSession(eve, 'tale-c');
    for (let i = 1; i <= 10; i++) eve.send({ type: 'turn', session: 'tale-c', text: i === 3 ? '[fail] oops' : `step ${i}`, ref: `t${i}` });
    const positions = [];
    for (let i = 1; i <= 9; i++) positions.push((await eve.next('turn-accepted', (f) => f.ref === `t${i}`)).position);
    assert.deepEqual(positions, [0, 1, 2, 3, 4, 5, 6, 7, 8]);
    assert.equal((await eve.next('error', (f) => f.ref === 't10')).code, ProtocolErrors.TURN_QUEUE_FULL);
    await eve.next('turn-committed', (f) => f.turn === 9);
    const frames = sessionFrames(eve, 'tale-c');
    const settled = frames.filter((f) => f.type === 'turn-committed' || f.type === 'turn-failed').map((f) => `${f.type}:${(f as { turn: number }).turn}`);
    assert.deepEqual(settled, ['turn-committed:1', 'turn-committed:2', 'turn-failed:3', 'turn-committed:4', 'turn-committed:5', 'turn-committed:6', 'turn-committed:7', 'turn-committed:8', 'turn-committed:9']);
    const failed = frames.find((f) => f.type === 'turn-failed') as { code: string };
    assert.equal(failed.code, 'GLASS_ERR_NARRATION_UNAVAILABLE');
  });

  test("a moderator's pause arrives while a slow turn runs (the mailbox is not blocked), cancels it, and holds the queue", async () => {
    const fay = await connect('fay-s');
    await joinSession(fay, 'tale-d');
    fay.send({ type: 'turn', session: 'tale-d', text: '[slow] a b c d e f', ref: 't1' });
    fay.send({ type: 'turn', session: 'tale-d', text: 'after the pause', ref: 't2' });
    await fay.next('narration', (f) => f.turn === 1 && f.index === 0);
    const target = { kind: 'session', id: 'tale-d' } as const;
    tellSystem(override.ref(node, overrideId(target)), { type: 'apply', target, command: { command: 'pause', reason: 'break' }, audit: { id: 9_001, hash: 'a'.repeat(64) }, by: 'mod', replyTo: node.id });
    const cancelled = await fay.next('turn-cancelled', (f) => f.turn === 1);
    const paused = await fay.next('session-moderated', (f) => f.command === 'pause');
    assert.equal(cancelled.reason, 'pause');
    assert.ok(cancelled.seq < paused.seq, 'the running turn is cancelled before the pause is announced');
    assert.equal(fay.seen.some((f) => f.type === 'turn-committed' && f.turn === 1), false, 'the cancelled turn is never committed');
    assert.equal(fay.seen.some((f) => f.type === 'turn-started' && f.turn === 2), false, 'the queue waits while paused');
    assert.equal((await fay.expectError({ type: 'turn', session: 'tale-d', text: 'now?', ref: 't3' }, 't3')).code, ProtocolErrors.PAUSED);
    tellSystem(override.ref(node, overrideId(target)), { type: 'apply', target, command: { command: 'resume', reason: 'go' }, audit: { id: 9_002, hash: 'b'.repeat(64) }, by: 'mod', replyTo: node.id });
    await fay.next('turn-committed', (f) => f.turn === 2);
  });

  test('reconnect mid-turn: the missed chunks come once, in order, then the rest live', async () => {
    const gil = await connect('gil-s');
    await joinSession(gil, 'tale-e');
    const text = '[slow] one two three four five six seven';
    gil.send({ type: 'turn', session: 'tale-e', text, ref: 't1' });
    await gil.next('narration', (f) => f.turn === 1 && f.index === 1);
    const token = gil.lastResumeToken()!;
    assert.deepEqual(token.sessions, ['tale-e']);
    const before = sessionFrames(gil, 'tale-e');
    const after = before[before.length - 1].seq;
    await gil.drop();
    const again = await connect('gil-s');
    again.send({ type: 'resume', token: token.token, rooms: {}, sessions: { 'tale-e': after }, ref: 'r' });
    const resumed = await again.next('session-resumed', (f) => f.ref === 'r');
    await again.next('turn-committed', (f) => f.turn === 1);
    const replayed = resumed.events.filter((e) => e.type === 'narration').map((e) => (e as { index: number }).index);
    const live = sessionFrames(again, 'tale-e').filter((f) => f.type === 'narration').map((f) => (f as { index: number }).index);
    const seenBefore = before.filter((f) => f.type === 'narration').map((f) => (f as { index: number }).index);
    assert.deepEqual([...seenBefore, ...replayed, ...live], fixtureChunks(1, text).map((_, i) => i), 'every chunk once, in order');
  });

  test('the worker dies mid-narration: the session comes back, resumes the turn, commits it once; no duplicate chunk, no gap', async () => {
    const hal = await connect('hal-s');
    await joinSession(hal, 'tale-f');
    const restarted = new Promise<void>((resolve) => {
      const off = node.supervisor.onRestart(() => {
        off();
        resolve();
      });
    });
    const text = '[crash] the floor gives way';
    hal.send({ type: 'turn', session: 'tale-f', text, ref: 't1' });
    await hal.next('narration', (f) => f.turn === 1 && f.index === 1);
    await restarted;
    const committed = await hal.next('turn-committed', (f) => f.turn === 1, 20_000);
    assert.equal(committed.narration, fixtureChunks(1, text).join(''));
    const frames = sessionFrames(hal, 'tale-f');
    assert.deepEqual(chunksOf(frames, 1), fixtureChunks(1, text));
    assert.equal(frames.filter((f) => f.type === 'turn-committed').length, 1);
    const seqs = frames.map((f) => f.seq);
    assert.deepEqual(seqs, [...new Set(seqs)].sort((a, b) => a - b), 'seq strictly increases across the resume');
    hal.send({ type: 'turn', session: 'tale-f', text: 'I climb out', ref: 't2' });
    assert.equal((await hal.next('turn-accepted', (f) => f.ref === 't2')).turn, 2);
    await hal.next('turn-committed', (f) => f.turn === 2);
    assert.equal(sessionFrames(hal, 'tale-f').filter((f) => f.type === 'turn-committed' && f.turn === 1).length, 1, 'turn 1 committed once');
  });
});
