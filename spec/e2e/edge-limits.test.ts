// What a player or a client address can grow at the edge (issue 19, Low findings and finding 4's
// player half): members per room, presence fan-out, connections per address, text bytes per
// player. Real nodes (memory store), real uWS gateways, `ws` clients over loopback.
import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import WebSocket from 'ws';
import { ProtocolErrors, startGateway, type Gateway, type GatewayOptions } from '../../clients/index.js';
import { defaultNodeOptions, MEMORY_STORE } from '../../cluster/index.js';
import { startNode, type GlassNode } from '../../runtime/node/index.js';
import { TEST_KEYS, tokenFor } from './tokens.js';
import { FRAME_TIMEOUT_MS, TestClient } from './ws-client.js';

interface Edge {
  node: GlassNode;
  gateway: Gateway;
  url: string;
  clients: TestClient[];
}

const edges: Edge[] = [];

async function edge(options: Partial<GatewayOptions>): Promise<Edge> {
  const node = await startNode(defaultNodeOptions({ workers: 1, store: MEMORY_STORE, logLevel: 'silent' }));
  const gateway = await startGateway({ ...options, node, port: 0, host: '127.0.0.1', ...TEST_KEYS });
  const e = { node, gateway, url: `ws://127.0.0.1:${gateway.port}/ws`, clients: [] };
  edges.push(e);
  return e;
}

async function connect(e: Edge, player: string, roles: ('player' | 'moderator')[] = ['player']): Promise<TestClient> {
  const client = await TestClient.connect(e.url, player, { roles });
  e.clients.push(client);
  return client;
}

/** Tries an upgrade with the given X-Forwarded-For: 'open' (the socket, to close later) or the refusal's status and code. */
async function upgrade(url: string, player: string, forwardedFor?: string): Promise<{ socket: WebSocket } | { status: number; code: string }> {
  const headers: Record<string, string> = { authorization: `Bearer ${await tokenFor(player)}` };
  if (forwardedFor !== undefined) headers['x-forwarded-for'] = forwardedFor;
  const socket = new WebSocket(url, { headers });
  return new Promise((resolve, reject) => {
    socket.once('open', () => resolve({ socket }));
    socket.once('unexpected-response', (_req, res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (text += chunk));
      res.on('end', () => {
        resolve({ status: res.statusCode ?? 0, code: (JSON.parse(text) as { code: string }).code });
        socket.terminate();
      });
    });
    socket.once('error', reject);
  });
}

function closeSocket(socket: WebSocket): Promise<void> {
  return new Promise((resolve) => {
    socket.once('close', () => resolve());
    socket.close();
  });
}

after(async () => {
  for (const e of edges) {
    await Promise.all(e.clients.map((c) => c.close()));
    await e.gateway.close();
    await e.node.close();
  }
});

describe('members per room and presence fan-out', () => {
  test('a join past maxRoomMembers is refused (GLASS_ERR_ROOM_FULL) and registers nothing; members come back, moderators enter', async () => {
    const e = await edge({ maxRoomMembers: 3 });
    const [a, b, c, d] = await Promise.all(['a-f', 'b-f', 'c-f', 'd-f'].map((p) => connect(e, p)));
    for (const client of [a, b, c]) await client.join('inn-f');
    assert.equal((await d.expectError({ type: 'join', room: 'inn-f', ref: 'full' }, 'full')).code, ProtocolErrors.ROOM_FULL);
    assert.equal((await d.expectError({ type: 'leave', room: 'inn-f', ref: 'l' }, 'l')).code, ProtocolErrors.NOT_IN_ROOM);
    // A member joining again is not a newcomer; a moderator is let in past the cap.
    assert.equal((await a.join('inn-f')).members.length, 3);
    const mod = await connect(e, 'mod-f', ['moderator']);
    assert.equal((await mod.join('inn-f')).members.length, 4);
    // Room made: after two leave, the next player gets in.
    for (const client of [a, mod]) {
      client.send({ type: 'leave', room: 'inn-f', ref: 'bye' });
      await client.next('left', (f) => f.ref === 'bye');
    }
    assert.deepEqual((await d.join('inn-f')).members, ['b-f', 'c-f', 'd-f']);
  });

  test('past 50 members, presence carries the count and the first 50; joined still carries the whole list', async () => {
    const e = await edge({ maxRoomMembers: 100 });
    const first = await connect(e, 'm-00');
    await first.join('hall-p');
    const others: TestClient[] = [];
    for (let i = 1; i < 52; i++) others.push(await connect(e, `m-${String(i).padStart(2, '0')}`));
    for (const client of others) await client.join('hall-p');
    const small = await first.next('presence', (f) => f.joined === 'm-49');
    assert.equal(small.members.length, 50);
    assert.equal(small.count, undefined);
    const big = await first.next('presence', (f) => f.joined === 'm-51');
    assert.equal(big.count, 52);
    assert.equal(big.members.length, 50);
    assert.deepEqual(big.members, Array.from({ length: 50 }, (_, i) => `m-${String(i).padStart(2, '0')}`));
    const last = others[others.length - 1];
    const joined = last.seen.find((f) => f.type === 'joined');
    assert.equal(joined?.type === 'joined' ? joined.members.length : 0, 52);
  });
});

describe('connections per client address', () => {
  test('past maxConnectionsPerIp an upgrade is refused (429 GLASS_ERR_TOO_MANY_CONNECTIONS); a close frees its place; an untrusted X-Forwarded-For is ignored', async () => {
    const e = await edge({ maxConnectionsPerIp: 2 });
    const one = await upgrade(e.url, 'ip-1', '198.51.100.1');
    const two = await upgrade(e.url, 'ip-2', '198.51.100.2');
    assert.ok('socket' in one && 'socket' in two);
    // Different forwarded addresses, but the peer (127.0.0.1) is no trusted proxy: it is the one counted.
    assert.deepEqual(await upgrade(e.url, 'ip-3', '198.51.100.3'), { status: 429, code: ProtocolErrors.TOO_MANY_CONNECTIONS });
    assert.equal(e.gateway.stats().upgradesRefused[ProtocolErrors.TOO_MANY_CONNECTIONS], 1);
    await closeSocket(one.socket);
    // The server sees the close a moment later: retried until admitted, within a deadline.
    const deadline = Date.now() + FRAME_TIMEOUT_MS;
    let third = await upgrade(e.url, 'ip-3');
    while (!('socket' in third) && Date.now() < deadline) third = await upgrade(e.url, 'ip-3');
    assert.ok('socket' in third, 'a closed connection frees its place');
    await closeSocket(third.socket);
    await closeSocket(two.socket);
  });

  test('behind a trusted proxy, the last X-Forwarded-For address is the one counted', async () => {
    const e = await edge({ maxConnectionsPerIp: 1, trustedProxies: ['127.0.0.1'] });
    const open: WebSocket[] = [];
    const a = await upgrade(e.url, 'xff-1', '10.0.0.9, 203.0.113.1');
    const b = await upgrade(e.url, 'xff-2', '203.0.113.2');
    assert.ok('socket' in a && 'socket' in b);
    open.push(a.socket, b.socket);
    // A client cannot pick its address by prepending one: the proxy's own entry is the last.
    assert.deepEqual(await upgrade(e.url, 'xff-3', '203.0.113.99, 203.0.113.1'), { status: 429, code: ProtocolErrors.TOO_MANY_CONNECTIONS });
    // No header from the proxy: the proxy's address itself is counted.
    const c = await upgrade(e.url, 'xff-4');
    assert.ok('socket' in c);
    open.push(c.socket);
    assert.deepEqual(await upgrade(e.url, 'xff-5'), { status: 429, code: ProtocolErrors.TOO_MANY_CONNECTIONS });
    await Promise.all(open.map(closeSocket));
  });
});

describe('text bytes per player', () => {
  test('say and turn spend a byte budget beside the frame bucket: past it, GLASS_ERR_TEXT_RATE_LIMITED with retryAfterMs, nothing said', async () => {
    const e = await edge({ textBudget: { perSecond: 1, burst: 16_384 } });
    const ivy = await connect(e, 'ivy-t');
    await ivy.join('den-t');
    ivy.send({ type: 'join-session', session: 'tale-t', ref: 'js' });
    await ivy.next('session-joined', (f) => f.ref === 'js');
    const big = 'é'.repeat(2_000); // 4000 UTF-8 bytes, 2000 characters: a legal line
    for (let i = 0; i < 4; i++) {
      ivy.send({ type: 'say', room: 'den-t', text: big, ref: `s${i}` });
      await ivy.next('said', (f) => f.line.seq === i + 1);
    }
    const refused = await ivy.expectError({ type: 'say', room: 'den-t', text: big, ref: 'over' }, 'over');
    assert.equal(refused.code, ProtocolErrors.TEXT_RATE_LIMITED);
    assert.ok((refused.retryAfterMs ?? 0) > 1_000);
    const turn = await ivy.expectError({ type: 'turn', session: 'tale-t', text: big, ref: 't' }, 't');
    assert.equal(turn.code, ProtocolErrors.TEXT_RATE_LIMITED);
    // Frames without text are not charged, and nothing more was said.
    ivy.send({ type: 'ping', ref: 'p' });
    await ivy.next('pong', (f) => f.ref === 'p');
    assert.equal(ivy.seen.filter((f) => f.type === 'said').length, 4);
  });
});

describe('who may create rooms and sessions', () => {
  test('policy moderators: a player naming a new room or session is refused (GLASS_ERR_CREATE_REFUSED); once a moderator made it, players get in', async () => {
    const e = await edge({ creation: { policy: 'moderators' } });
    const pat = await connect(e, 'pat-c');
    const mod = await connect(e, 'mod-c', ['moderator']);
    assert.equal((await pat.expectError({ type: 'join', room: 'keep-c', ref: 'j' }, 'j')).code, ProtocolErrors.CREATE_REFUSED);
    assert.equal((await pat.expectError({ type: 'leave', room: 'keep-c', ref: 'l' }, 'l')).code, ProtocolErrors.NOT_IN_ROOM);
    // Refused again: the refusal made nothing.
    assert.equal((await pat.expectError({ type: 'join', room: 'keep-c', ref: 'j2' }, 'j2')).code, ProtocolErrors.CREATE_REFUSED);
    await mod.join('keep-c');
    mod.send({ type: 'leave', room: 'keep-c', ref: 'ml' });
    await mod.next('left', (f) => f.ref === 'ml');
    // The room exists now (created), though empty again.
    assert.deepEqual((await pat.join('keep-c')).members, ['pat-c']);

    assert.equal((await pat.expectError({ type: 'join-session', session: 'saga-c', ref: 't' }, 't')).code, ProtocolErrors.CREATE_REFUSED);
    // Refused: nothing registered, so a turn is not even sent on.
    assert.equal((await pat.expectError({ type: 'turn', session: 'saga-c', text: 'I begin.', ref: 't1' }, 't1')).code, ProtocolErrors.NOT_IN_SESSION);
    mod.send({ type: 'join-session', session: 'saga-c', ref: 'mt' });
    await mod.next('session-joined', (f) => f.ref === 'mt');
    pat.send({ type: 'join-session', session: 'saga-c', ref: 't2' });
    assert.deepEqual((await pat.next('session-joined', (f) => f.ref === 't2')).members, ['mod-c', 'pat-c']);
  });

  test('policy listed: only listed ids may be created by players', async () => {
    const e = await edge({ creation: { policy: 'listed', listed: ['plaza-l'] } });
    const quin = await connect(e, 'quin-l');
    await quin.join('plaza-l');
    assert.equal((await quin.expectError({ type: 'join', room: 'alley-l', ref: 'j' }, 'j')).code, ProtocolErrors.CREATE_REFUSED);
  });

  test('policy open: each player creates at most createsPerHour rooms and sessions; joining existing ones is free', async () => {
    const e = await edge({ creation: { policy: 'open', createsPerHour: 2 } });
    const ray = await connect(e, 'ray-q');
    const sue = await connect(e, 'sue-q');
    await ray.join('r1-q');
    ray.send({ type: 'join-session', session: 's1-q', ref: 't' });
    await ray.next('session-joined', (f) => f.ref === 't');
    const third = await ray.expectError({ type: 'join', room: 'r2-q', ref: 'j' }, 'j');
    assert.equal(third.code, ProtocolErrors.CREATE_REFUSED);
    assert.match(third.message, /2 rooms and sessions an hour/);
    // Another player's quota is its own; rooms that exist cost nothing.
    await sue.join('r2-q');
    await ray.join('r2-q');
    await ray.join('r1-q');
    ray.send({ type: 'join-session', session: 's1-q', ref: 't2' });
    await ray.next('session-joined', (f) => f.ref === 't2');
  });
});
