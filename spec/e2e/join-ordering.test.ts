import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { startGateway, type Gateway } from '../../clients/index.js';
import { startDefaultNode } from '../../cluster/index.js';
import type { GlassNode } from '../../runtime/node/index.js';
import { SLOW_STORE_MODULE } from './fixtures/slow-store.js';
import { TEST_KEYS } from './tokens.js';
import { TestClient } from './ws-client.js';

// A room's events and its replies share one FIFO port to the main thread. When several requests
// reach a room in one turn (here: while it activates from a slow store), the `joined` reply and
// the lines said right after it can arrive in one batch; the gateway must subscribe the joiner
// before it publishes those lines, or the joiner silently misses them. (Written when rooms handled
// a queued burst in one turn; since rooms save after every message, each reply is posted before
// the next message runs, so this now guards the contract rather than reproducing the batch.)
describe('join ordering when a room handles a burst in one turn (slow store)', () => {
  let node: GlassNode;
  let gateway: Gateway;
  let url: string;
  const clients: TestClient[] = [];

  before(async () => {
    node = await startDefaultNode({
      workers: 1,
      logLevel: 'silent',
      store: { module: SLOW_STORE_MODULE, export: 'createSlowStore', options: { loadDelayMs: 50 } },
    });
    gateway = await startGateway({ node, port: 0, host: '127.0.0.1', ...TEST_KEYS });
    url = `ws://127.0.0.1:${gateway.port}/ws`;
  });

  after(async () => {
    await Promise.all(clients.map((c) => c.close()));
    await gateway?.close();
    await node?.close();
  });

  test('a join pipelined with says gets joined, then every line after its seq, once', async () => {
    const carl = await TestClient.connect(url, 'carl');
    clients.push(carl);
    carl.send({ type: 'join', room: 'burst', ref: 'j' });
    for (let i = 1; i <= 3; i++) carl.send({ type: 'say', room: 'burst', text: `line ${i}` });

    const joined = await carl.next('joined', (f) => f.ref === 'j');
    assert.equal(joined.seq, 0);
    for (let seq = 1; seq <= 3; seq++) assert.equal((await carl.next('said')).line.seq, seq);
    carl.send({ type: 'ping', ref: 'barrier' });
    await carl.next('pong', (f) => f.ref === 'barrier');
    const order = carl.seen.filter((f) => f.type === 'joined' || f.type === 'said').map((f) => (f.type === 'said' ? f.line.seq : 'joined'));
    assert.deepEqual(order, ['joined', 1, 2, 3]);
  });

  test('a second player joining a passivated room mid-conversation sees each line exactly once', async () => {
    const ann = await TestClient.connect(url, 'ann');
    const bea = await TestClient.connect(url, 'bea');
    clients.push(ann, bea);
    await ann.join('chat');
    ann.send({ type: 'say', room: 'chat', text: 'first' });
    await ann.next('said');
    assert.equal(await node.passivate('room', 'chat'), true);

    // All of these reach the room while it reactivates: one turn, one batch back.
    bea.send({ type: 'join', room: 'chat', ref: 'j' });
    bea.send({ type: 'say', room: 'chat', text: 'hi ann' });
    ann.send({ type: 'say', room: 'chat', text: 'hi bea' });

    const joined = await bea.next('joined', (f) => f.ref === 'j');
    for (let seq = 2; seq <= 3; seq++) await ann.next('said', (f) => f.line.seq === seq);
    for (let seq = joined.seq + 1; seq <= 3; seq++) await bea.next('said', (f) => f.line.seq === seq);
    bea.send({ type: 'ping', ref: 'barrier' });
    await bea.next('pong', (f) => f.ref === 'barrier');
    const fromHistory = joined.history.map((l) => l.seq);
    const fromSaid = bea.seen.flatMap((f) => (f.type === 'said' ? [f.line.seq] : []));
    // History up to `joined.seq`, live lines after it: together every line, each once, in order.
    assert.deepEqual([...fromHistory, ...fromSaid], [1, 2, 3]);
    assert.equal(fromHistory.at(-1), joined.seq);
  });
});
