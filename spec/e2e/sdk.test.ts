import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import WebSocket from 'ws';
import { ClientErrors, GlassClient, GlassClientError, ProtocolErrors, type GlassClientOptions } from '../../clients/sdk/index.js';
import { fixtureChunks } from '../fixtures/turn-runner-fixtures.js';
import { EventLog } from './fixtures/sdk-events.js';
import { startSdkServer, type SdkServer } from './fixtures/sdk-server.js';
import { tokenFor, type TokenOptions } from './tokens.js';
import { generateTokenKeyPair } from '../../clients/index.js';

/** The gateway's rate limit in this file: small, so pacing and the rate-limit retry are exercised. */
const BURST = 10;
const PER_SECOND = 100;

describe('player SDK against a real node and gateway (2 workers, uWS over loopback, `ws` as the WebSocket)', () => {
  let server: SdkServer;
  const clients: GlassClient[] = [];

  before(async () => {
    server = await startSdkServer({ rateLimit: { burst: BURST, perSecond: PER_SECOND } });
  });

  after(async () => {
    await Promise.all(clients.map((c) => c.close()));
    await server?.close();
  });

  function client(player: string, options: Partial<GlassClientOptions> & { tokenOptions?: TokenOptions } = {}): GlassClient {
    const { tokenOptions, ...rest } = options;
    const c = new GlassClient({ url: server.url, token: () => tokenFor(player, tokenOptions), WebSocket, ...rest });
    clients.push(c);
    return c;
  }

  async function rejection(promise: Promise<unknown>): Promise<GlassClientError> {
    const err = await promise.then(
      () => assert.fail('expected a rejection'),
      (e: unknown) => e,
    );
    assert.ok(err instanceof GlassClientError, `a GlassClientError, not ${String(err)}`);
    return err;
  }

  test('two players: join, presence, say (each line once, in seq order, to both), turn, leave', async () => {
    const ann = client('ann-s1');
    const ben = client('ben-s1');
    const annLog = new EventLog('ann', ann);
    const benLog = new EventLog('ben', ben);
    const welcome = await ann.connect();
    assert.deepEqual([welcome.player, welcome.character, welcome.roles], ['ann-s1', 'ann-s1-char', ['player']]);
    assert.deepEqual(welcome.limits, { maxFrameBytes: 16_384, burst: BURST, perSecond: PER_SECOND, resumeWindowMs: 60_000 });
    assert.equal(ann.state, 'open');
    await ben.connect();

    const first = await ann.join('hall-s1');
    assert.deepEqual(first, { room: 'hall-s1', members: ['ann-s1'], history: [], seq: 0 });
    const second = await ben.join('hall-s1');
    assert.deepEqual(second.members, ['ann-s1', 'ben-s1']);
    const presence = await annLog.next('presence');
    assert.deepEqual(presence, { room: 'hall-s1', joined: 'ben-s1', members: ['ann-s1', 'ben-s1'] });
    assert.deepEqual(ann.members('hall-s1'), ['ann-s1', 'ben-s1']);

    const lines = await Promise.all([ann.say('hall-s1', 'hello'), ben.say('hall-s1', 'hi ann'), ann.say('hall-s1', 'how goes?')]);
    assert.deepEqual(lines.map((l) => [l.from, l.text]), [['ann-s1', 'hello'], ['ben-s1', 'hi ann'], ['ann-s1', 'how goes?']]);
    assert.deepEqual(new Set(lines.map((l) => l.seq)), new Set([1, 2, 3]));
    assert.ok(lines[0].seq < lines[2].seq, 'one connection’s says are numbered in the order sent');
    for (const log of [annLog, benLog]) {
      for (let seq = 1; seq <= 3; seq++) await log.next('said', (e) => e.line.seq === seq);
      const said = log.of('said');
      assert.deepEqual(said.map((e) => e.line.seq), [1, 2, 3], `${log.name}: every line once, in order`);
      assert.ok(said.every((e) => e.room === 'hall-s1' && !e.replayed));
    }
    assert.deepEqual(annLog.of('said').map((e) => e.line), benLog.of('said').map((e) => e.line), 'both see the same lines');

    const joinedSession = await ann.joinSession('story-s1');
    assert.deepEqual([joinedSession.members, joinedSession.access], [['ann-s1'], 'open']);
    await ben.joinSession('story-s1');
    assert.deepEqual(await annLog.next('session-presence', (p) => p.joined === 'ben-s1'), { session: 'story-s1', seq: 2, joined: 'ben-s1', members: ['ann-s1', 'ben-s1'] });
    assert.equal(await ann.turn('story-s1', 'I open the door'), 1);
    assert.equal(await ben.turn('story-s1', 'I follow'), 2);
    for (const log of [annLog, benLog]) {
      await log.next('turn-committed', (e) => e.turn === 2);
      assert.deepEqual(log.of('turn-committed').map((e) => e.turn), [1, 2], `${log.name}: each turn committed once, in order`);
      assert.deepEqual(log.of('narration').filter((e) => e.turn === 1).map((e) => e.text), fixtureChunks(1, 'I open the door'), `${log.name}: every chunk once, in order`);
    }
    assert.deepEqual(ann.sessions, ['story-s1']);
    await ben.leaveSession('story-s1');
    assert.deepEqual(ben.sessions, []);
    assert.ok((await ann.ping()) >= 0);

    await ben.leave('hall-s1');
    assert.deepEqual(await annLog.next('presence', (p) => p.left === 'ben-s1'), { room: 'hall-s1', left: 'ben-s1', members: ['ann-s1'] });
    assert.deepEqual(ben.rooms(), []);
    assert.deepEqual(ann.rooms(), ['hall-s1']);
    assert.equal(annLog.of('error').length + benLog.of('error').length, 0);
  });

  test('refused requests reject with GlassClientError carrying the server’s stable code (and the room)', async () => {
    const cid = client('cid-s2');
    await cid.connect();
    const notIn = await rejection(cid.say('nowhere-s2', 'hello?'));
    assert.equal(notIn.code, ProtocolErrors.NOT_IN_ROOM);
    assert.equal(notIn.room, 'nowhere-s2');
    const leave = await rejection(cid.leave('nowhere-s2'));
    assert.equal(leave.code, ProtocolErrors.NOT_IN_ROOM);

    const ops = client('ops-s2', { tokenOptions: { roles: ['ops'] } });
    await ops.connect();
    assert.equal((await rejection(ops.join('hall-s2'))).code, ProtocolErrors.FORBIDDEN);
    assert.equal((await rejection(ops.turn('story-s2', 'hi'))).code, ProtocolErrors.FORBIDDEN);
    assert.ok((await ops.ping()) >= 0, 'the connection survives refusals');
    assert.equal(cid.state, 'open');
  });

  test('requests that fail the protocol’s schema are refused locally and never sent', async () => {
    const dee = client('dee-s3');
    await dee.connect();
    const refusedBefore = { ...server.gateway.stats().refused };
    for (const attempt of [dee.join('no spaces allowed'), dee.join('__proto__'), dee.say('hall-s3', 'x'.repeat(2_001)), dee.turn('story-s3', '')]) {
      assert.equal((await rejection(attempt)).code, ClientErrors.INVALID_REQUEST);
    }
    await dee.ping(); // everything sent before it has been handled
    assert.deepEqual(server.gateway.stats().refused, refusedBefore, 'the gateway refused nothing: nothing was sent');
  });

  test('connection errors: a forged token fails connect() with the HTTP status; requests before connect() or after close() fail with client codes', async () => {
    const forged = new GlassClient({ url: server.url, token: await tokenFor('eve-s4', { key: generateTokenKeyPair().privateKey }), WebSocket });
    const states = new EventLog('forged', forged);
    const failed = await rejection(forged.connect());
    assert.equal(failed.code, ClientErrors.CONNECT_FAILED);
    assert.equal(failed.upgradeStatus, 401);
    assert.equal(forged.state, 'idle', 'a failed first connection does not reconnect');
    assert.deepEqual(states.of('state').map((s) => s.state), ['connecting', 'idle']);

    const idle = client('fay-s4');
    assert.equal((await rejection(idle.join('hall-s4'))).code, ClientErrors.NOT_CONNECTED);
    await idle.connect();
    await idle.join('hall-s4');
    await idle.close();
    assert.equal(idle.state, 'closed');
    assert.equal((await rejection(idle.say('hall-s4', 'still there?'))).code, ClientErrors.CLOSED);
    assert.equal((await rejection(idle.connect())).code, ClientErrors.CLOSED);
  });

  test('a burst larger than the gateway’s bucket is paced from `welcome.limits`: every line said, (almost) none refused', async () => {
    const gus = client('gus-s5');
    await gus.connect();
    await gus.join('hall-s5');
    const refusedBefore = server.gateway.stats().refused[ProtocolErrors.RATE_LIMITED] ?? 0;
    const texts = Array.from({ length: BURST * 3 }, (_, i) => `line ${i + 1}`);
    const lines = await Promise.all(texts.map((text) => gus.say('hall-s5', text)));
    assert.deepEqual(lines.map((l) => l.text), texts);
    assert.deepEqual(lines.map((l) => l.seq).sort((a, b) => a - b), texts.map((_, i) => i + 1), 'one line each');
    // Unpaced, the 2 × BURST frames past the bucket would all be refused at least once. Paced, a
    // refusal only comes from frames that left evenly spaced and arrived bunched (a loaded machine).
    const refused = (server.gateway.stats().refused[ProtocolErrors.RATE_LIMITED] ?? 0) - refusedBefore;
    assert.ok(refused < BURST / 2, `paced: ${refused} refusals`);
  });

  test('two players sharing a character share its bucket: refusals with retryAfterMs are retried, and every say lands', async () => {
    const tokenOptions = { character: 'twin-s6' };
    const hal = client('hal-s6', { tokenOptions, rateLimitRetries: 50 });
    const ivy = client('ivy-s6', { tokenOptions, rateLimitRetries: 50 });
    await Promise.all([hal.connect(), ivy.connect()]);
    await hal.join('hall-s6');
    await ivy.join('hall-s6');
    const refusedBefore = server.gateway.stats().refused[ProtocolErrors.RATE_LIMITED] ?? 0;
    const says = [];
    for (let i = 0; i < BURST * 2; i++) says.push(hal.say('hall-s6', `hal ${i}`), ivy.say('hall-s6', `ivy ${i}`));
    const lines = await Promise.all(says);
    assert.equal(new Set(lines.map((l) => l.seq)).size, BURST * 4, 'every say got its own line');
    assert.ok((server.gateway.stats().refused[ProtocolErrors.RATE_LIMITED] ?? 0) > refusedBefore, 'the shared bucket ran dry: the retry path ran');

    const strict = client('jon-s6', { tokenOptions, rateLimitRetries: 0 });
    await strict.connect();
    await strict.join('hall-s6');
    const flood = await Promise.allSettled(Array.from({ length: BURST * 2 }, (_, i) => Promise.all([hal.say('hall-s6', `flood ${i}`), strict.say('hall-s6', `strict ${i}`)])));
    const limited = flood.flatMap((r) => (r.status === 'rejected' ? [r.reason as GlassClientError] : []));
    assert.ok(limited.length > 0, 'without retries a refusal reaches the caller');
    assert.ok(limited.every((e) => e.code === ProtocolErrors.RATE_LIMITED && typeof e.retryAfterMs === 'number'));
  });
});
