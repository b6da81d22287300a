import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import WebSocket from 'ws';
import { ClientErrors, GlassClient, GlassClientError, ProtocolErrors, reconnectDelay, type GlassClientOptions } from '../../clients/sdk/index.js';
import { EventLog } from './fixtures/sdk-events.js';
import { TcpProxy } from './fixtures/sdk-proxy.js';
import { TestScheduler } from './fixtures/sdk-scheduler.js';
import { startSdkServer, type SdkServer } from './fixtures/sdk-server.js';
import { tokenFor } from './tokens.js';
import { TestClient } from './ws-client.js';

const RESUME_WINDOW_MS = 1_500;

describe('player SDK: reconnection, resume and backoff (real node and gateway; the network cut by a TCP proxy)', () => {
  let server: SdkServer;
  let proxy: TcpProxy;
  const clients: GlassClient[] = [];
  const testClients: TestClient[] = [];

  before(async () => {
    server = await startSdkServer({ resumeWindowMs: RESUME_WINDOW_MS, rateLimit: { burst: 500, perSecond: 500 } });
    proxy = await TcpProxy.start(server.gateway.port);
  });

  after(async () => {
    await Promise.all(clients.map((c) => c.close()));
    await Promise.all(testClients.map((c) => c.close()));
    await proxy?.close();
    await server?.close();
  });

  /** An SDK client through the proxy, whose reconnection timers wait for the test to fire them. */
  function viaProxy(player: string, scheduler: TestScheduler, options: Partial<GlassClientOptions> = {}): { client: GlassClient; log: EventLog } {
    const client = new GlassClient({ url: proxy.url, token: () => tokenFor(player), WebSocket, scheduler, reconnect: { minMs: 100, maxMs: 1_000 }, ...options });
    clients.push(client);
    return { client, log: new EventLog(player, client) };
  }

  /** An SDK client connected straight to the gateway. */
  async function direct(player: string): Promise<{ client: GlassClient; log: EventLog }> {
    const client = new GlassClient({ url: server.url, token: () => tokenFor(player), WebSocket });
    clients.push(client);
    const log = new EventLog(player, client);
    await client.connect();
    return { client, log };
  }

  async function rejection(promise: Promise<unknown>): Promise<GlassClientError> {
    const err = await promise.then(
      () => assert.fail('expected a rejection'),
      (e: unknown) => e,
    );
    assert.ok(err instanceof GlassClientError, `a GlassClientError, not ${String(err)}`);
    return err;
  }

  test('the network drops: it reconnects, resumes, replays the missed lines once and in order, then sends what was queued', async () => {
    const scheduler = new TestScheduler(['reconnect'], () => 0);
    const { client: ann, log: annLog } = viaProxy('ann-r1', scheduler, { maxQueued: 2 });
    const { client: ben, log: benLog } = await direct('ben-r1');
    await ann.connect();
    await ann.join('den-r1');
    await annLog.covered('den-r1');
    await ben.join('den-r1');
    await ann.joinSession('story-r1');
    await ann.say('den-r1', 'before');

    proxy.dropAll();
    const reconnecting = await annLog.state('reconnecting');
    assert.equal(reconnecting.error?.code, ClientErrors.CONNECTION_LOST);
    for (const text of ['missed 1', 'missed 2', 'missed 3']) await ben.say('den-r1', text);
    const queued = ann.say('den-r1', 'queued while away');
    const queuedToo = ann.turn('story-r1', 'my turn, queued');
    assert.equal((await rejection(ann.say('den-r1', 'one too many'))).code, ClientErrors.QUEUE_FULL, 'maxQueued bounds the queue');

    const timer = await scheduler.nextHeld();
    assert.equal(timer.ms, 100, 'first delay: minMs (random() = 0: no jitter taken off)');
    timer.fire();
    const resumed = await annLog.next('resumed');
    assert.deepEqual(resumed.missed.map((l) => [l.seq, l.text]), [[2, 'missed 1'], [3, 'missed 2'], [4, 'missed 3']]);
    assert.equal(resumed.seq, 4);
    assert.deepEqual(resumed.members, ['ann-r1', 'ben-r1']);
    const line = await queued;
    assert.deepEqual([line.seq, line.text], [5, 'queued while away']);
    assert.equal(await queuedToo, 1);
    await ben.say('den-r1', 'live');
    await annLog.next('said', (e) => e.line.text === 'live');

    const said = annLog.of('said');
    assert.deepEqual(said.map((e) => e.line.seq), [1, 2, 3, 4, 5, 6], 'every line once, in order');
    assert.deepEqual(said.map((e) => e.replayed), [false, true, true, true, false, false]);
    assert.deepEqual(annLog.of('state').map((s) => s.state), ['connecting', 'open', 'reconnecting', 'resuming', 'open']);
    assert.equal(annLog.of('resync').length, 0);
    await ben.ping();
    assert.ok(!benLog.of('presence').some((p) => p.left === 'ann-r1'), 'ben never saw ann leave');
    assert.equal(scheduler.pending, 0);
  });

  test('back after the resume window: a resync with the room’s state (no replay), and the others see the player return', async () => {
    const scheduler = new TestScheduler(['reconnect']);
    const { client: ann, log: annLog } = viaProxy('ann-r2', scheduler);
    const { client: ben, log: benLog } = await direct('ben-r2');
    await ann.connect();
    await ann.join('attic-r2');
    await annLog.covered('attic-r2');
    await ben.join('attic-r2');
    await ann.say('attic-r2', 'first');

    proxy.dropAll();
    await benLog.next('presence', (p) => p.left === 'ann-r2'); // the window ended: the gateway left the room
    await ben.say('attic-r2', 'while you were gone');
    (await scheduler.nextHeld()).fire();
    const resync = await annLog.next('resync');
    assert.equal(resync.reason, 'window');
    assert.equal(resync.room, 'attic-r2');
    assert.deepEqual(resync.members, ['ben-r2', 'ann-r2']);
    assert.deepEqual(resync.history.map((l) => [l.seq, l.text]), [[1, 'first'], [2, 'while you were gone']]);
    await benLog.next('presence', (p) => p.joined === 'ann-r2');
    await annLog.reopened();
    await ben.say('attic-r2', 'welcome back');
    await annLog.next('said', (e) => e.line.text === 'welcome back');
    assert.deepEqual(annLog.of('said').map((e) => [e.line.seq, e.replayed]), [[1, false], [3, false]], 'the resync’s history is not replayed as lines');
    assert.equal(annLog.of('resumed').length, 0);
  });

  test('a request in flight when the network drops rejects as lost; a resume token that is refused makes the SDK join again (resync "rejoined")', async () => {
    const scheduler = new TestScheduler(['reconnect']);
    const { client: cid, log: cidLog } = viaProxy('cid-r3', scheduler);
    await cid.connect();
    const join = cid.join('hut-r3');
    proxy.dropAll(); // before the frame leaves this process: the answer cannot come
    const lost = await rejection(join);
    assert.equal(lost.code, ClientErrors.CONNECTION_LOST);
    assert.equal(lost.room, 'hut-r3');
    assert.deepEqual(cid.rooms(), [], 'an unanswered join is not a room to resume');
    (await scheduler.nextHeld()).fire();
    await cidLog.reopened();
    assert.deepEqual(cid.rooms(), []);

    // A gateway whose resume tokens live 1 s (expiry rounded up to the second: under 2 s), and that
    // holds rooms for 2.5 s: once the others see the player leave, its token has expired.
    const short = await startSdkServer({ resumeWindowMs: 2_500, resumeTokenTtlMs: 1_000 });
    const shortProxy = await TcpProxy.start(short.gateway.port);
    try {
      const held = new TestScheduler(['reconnect']);
      const dee = new GlassClient({ url: shortProxy.url, token: () => tokenFor('dee-r3'), WebSocket, scheduler: held });
      const eli = new GlassClient({ url: short.url, token: () => tokenFor('eli-r3'), WebSocket });
      clients.push(dee, eli);
      const deeLog = new EventLog('dee', dee);
      const eliLog = new EventLog('eli', eli);
      await Promise.all([dee.connect(), eli.connect()]);
      await dee.join('hut-r3');
      await deeLog.covered('hut-r3');
      await eli.join('hut-r3');
      await eli.say('hut-r3', 'hello');
      shortProxy.dropAll();
      await eliLog.next('presence', (p) => p.left === 'dee-r3');
      (await held.nextHeld()).fire();
      const resync = await deeLog.next('resync');
      assert.equal(resync.reason, 'rejoined');
      assert.deepEqual(resync.members, ['eli-r3', 'dee-r3']);
      assert.deepEqual(resync.history.map((l) => l.text), ['hello']);
      assert.deepEqual(dee.rooms(), ['hut-r3']);
      assert.equal((await dee.say('hut-r3', 'back')).seq, 2);
      await Promise.all([dee.close(), eli.close()]);
    } finally {
      await shortProxy.close();
      await short.close();
    }
  });

  test('token expiry (4401) with a token function: a fresh token is fetched, the rooms resumed, nothing lost', async () => {
    let calls = 0;
    const token = async (): Promise<string> => (++calls === 1 ? tokenFor('eve-r4', { ttlMs: 2_000 }) : tokenFor('eve-r4'));
    const eve = new GlassClient({ url: server.url, token, WebSocket, reconnect: { minMs: 10, maxMs: 50 } });
    clients.push(eve);
    const eveLog = new EventLog('eve', eve);
    const { client: fay } = await direct('fay-r4');
    const welcome = await eve.connect();
    await eve.join('vault-r4');
    await eveLog.covered('vault-r4');
    await fay.join('vault-r4');

    const reconnecting = await eveLog.state('reconnecting');
    assert.equal(reconnecting.error?.code, ProtocolErrors.TOKEN_EXPIRED);
    assert.equal(reconnecting.error?.closeCode, 4401);
    const resumed = await eveLog.next('resumed');
    assert.equal(resumed.room, 'vault-r4');
    assert.equal(calls, 2, 'one fresh token');
    assert.ok((eve.welcome?.expiresAt ?? 0) > welcome.expiresAt, 'the new connection runs on the new token');
    const line = await fay.say('vault-r4', 'after the renewal');
    await eveLog.next('said', (e) => e.line.seq === line.seq);
    assert.ok(eveLog.of('error').some((e) => e.code === ProtocolErrors.TOKEN_EXPIRED), 'the server’s error frame was reported');
  });

  test('token expiry (4401) with a fixed token: closed with GLASS_ERR_TOKEN_EXPIRED, no reconnection', async () => {
    const scheduler = new TestScheduler(['reconnect']);
    const gus = new GlassClient({ url: server.url, token: await tokenFor('gus-r5', { ttlMs: 2_000 }), WebSocket, scheduler });
    clients.push(gus);
    const log = new EventLog('gus', gus);
    await gus.connect();
    await gus.join('cell-r5');
    const closed = await log.state('closed');
    assert.equal(closed.error?.code, ProtocolErrors.TOKEN_EXPIRED);
    assert.equal(closed.error?.closeCode, 4401);
    assert.deepEqual(scheduler.asked.reconnect, [], 'no reconnection was scheduled');
    assert.equal((await rejection(gus.say('cell-r5', 'hello?'))).code, ClientErrors.CLOSED);
  });

  test('replaced by a newer connection of the same player (4001): closed, requests rejected with GLASS_ERR_REPLACED, no reconnection', async () => {
    const scheduler = new TestScheduler(['reconnect']);
    const { client: hal, log } = viaProxy('hal-r6', scheduler);
    await hal.connect();
    await hal.join('keep-r6');
    const newer = await TestClient.connect(server.url, 'hal-r6');
    testClients.push(newer);
    const closed = await log.state('closed');
    assert.equal(closed.error?.code, ProtocolErrors.REPLACED);
    assert.equal(closed.error?.closeCode, 4001);
    assert.deepEqual(scheduler.asked.reconnect, [], 'no reconnection was scheduled');
    assert.equal(scheduler.pending, 0);
    assert.equal((await rejection(hal.join('keep-r6'))).code, ClientErrors.CLOSED);
    assert.ok(newer.open, 'the newer connection is left alone');
  });

  test('close(): no reconnection, waiting requests rejected with GLASS_CLIENT_ERR_CLOSED', async () => {
    const scheduler = new TestScheduler(['reconnect']);
    const { client: ivy, log } = viaProxy('ivy-r7', scheduler);
    await ivy.connect();
    await ivy.join('room-r7');
    proxy.dropAll();
    await log.state('reconnecting');
    const waiting = ivy.say('room-r7', 'never sent');
    const reconnect = await scheduler.nextHeld();
    await ivy.close();
    assert.equal((await rejection(waiting)).code, ClientErrors.CLOSED);
    assert.ok(reconnect.cancelled, 'the scheduled reconnection was cancelled');
    const before = proxy.passed;
    reconnect.fire();
    assert.equal(proxy.passed, before);
    assert.equal(ivy.state, 'closed');

    const { client: jon } = await direct('jon-r7');
    const connections = server.gateway.connections;
    await jon.close();
    assert.equal(jon.state, 'closed');
    const probe = await TestClient.connect(server.url, 'probe-r7'); // a later connection: the gateway has seen the close
    testClients.push(probe);
    assert.equal(server.gateway.connections, connections, 'jon’s connection is gone (the probe took its place in the count)');
  });

  test('backoff: exponential from minMs, capped at maxMs, jittered by the injected random; gives up after maxAttempts; restarts after a success', async () => {
    assert.deepEqual([0, 1, 2, 3, 4, 5].map((n) => reconnectDelay({ minMs: 100, maxMs: 1_000, factor: 2, jitter: 0.5, maxAttempts: 9 }, n, 0.5)), [75, 150, 300, 600, 750, 750]);

    const scheduler = new TestScheduler(['reconnect'], () => 0);
    const { client: kim, log } = viaProxy('kim-r8', scheduler, { reconnect: { minMs: 100, maxMs: 1_000, factor: 2, jitter: 0.5, maxAttempts: 6 } });
    await kim.connect();
    await kim.join('room-r8');
    await log.covered('room-r8');
    proxy.refusing = true;
    proxy.dropAll();
    await log.state('reconnecting');
    const waiting = kim.say('room-r8', 'queued');

    // Three failed attempts, then the network comes back: the fourth resumes.
    const delays: number[] = [];
    for (let i = 0; i < 3; i++) {
      const timer = await scheduler.nextHeld();
      delays.push(timer.ms);
      const refusedBefore = proxy.refused;
      timer.fire();
      await log.next('state', (s) => s.state === 'reconnecting' && s.attempt === i + 2);
      assert.equal(proxy.refused, refusedBefore + 1, 'each timer made one attempt');
    }
    proxy.refusing = false;
    const fourth = await scheduler.nextHeld();
    delays.push(fourth.ms);
    fourth.fire();
    const back = await log.next('resumed');
    assert.deepEqual([back.room, back.missed], ['room-r8', []]);
    assert.equal((await waiting).text, 'queued', 'queued while reconnecting, sent after the resume');
    assert.deepEqual(delays, [100, 200, 400, 800]);

    // After a success the backoff starts again from minMs; past maxAttempts the client gives up.
    proxy.refusing = true;
    proxy.dropAll();
    await log.next('state', (s) => s.state === 'reconnecting' && s.attempt === 1);
    const doomed = kim.say('room-r8', 'doomed');
    const again: number[] = [];
    for (let i = 0; i < 6; i++) {
      const timer = await scheduler.nextHeld();
      again.push(timer.ms);
      timer.fire();
      if (i < 5) await log.next('state', (s) => s.state === 'reconnecting' && s.attempt === i + 2);
    }
    const closed = await log.state('closed');
    assert.deepEqual(again, [100, 200, 400, 800, 1_000, 1_000], 'capped at maxMs');
    assert.equal(closed.error?.code, ClientErrors.RECONNECT_FAILED);
    assert.equal((await rejection(doomed)).code, ClientErrors.RECONNECT_FAILED);
    assert.equal(scheduler.pending, 0, 'nothing more scheduled');
    assert.ok(log.of('error').some((e) => e.code === ClientErrors.RECONNECT_FAILED));
    proxy.refusing = false;
  });
});
