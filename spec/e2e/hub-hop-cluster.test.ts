// glass_hub_hop_seconds across nodes: two cluster nodes (real Redis, memory store), a gateway on
// each, a room that lives on node B. Each gateway counts the says it took — A's go to the room on B
// and come back over the streams (their hop covers both trips), B's stay on B — and never the lines
// the other gateway took, which it only relays to its sockets.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { startGateway, type Gateway } from '../../clients/index.js';
import { MEMORY_STORE, startClusterNode } from '../../cluster/index.js';
import type { GlassNode } from '../../runtime/node/index.js';
import { TEST_KEYS, tokenFor } from './tokens.js';
import { TestClient } from './ws-client.js';
import { REDIS_URL, allSee, deleteKeys } from './cluster-fixture.js';

describe('hub hop histogram on two nodes of one cluster (real Redis, uWS)', () => {
  const prefix = `glass-e2e-hh-${process.pid}-${Date.now()}`;
  const nodes: GlassNode[] = [];
  const gateways: Gateway[] = [];
  const clients: TestClient[] = [];

  before(async () => {
    for (const nodeId of ['hh-a', 'hh-b']) {
      const node = await startClusterNode({ nodeId, prefix, redisUrl: REDIS_URL, workers: 1, logLevel: 'silent', store: MEMORY_STORE, heartbeatMs: 100, downAfterMs: 1_000 });
      nodes.push(node);
      gateways.push(await startGateway({ node, port: 0, host: '127.0.0.1', ...TEST_KEYS, audit: null }));
    }
    await allSee(nodes, 2);
  });

  after(async () => {
    await Promise.all(clients.map((c) => c.close()));
    for (const g of gateways) await g.close();
    for (const n of nodes) await n.close();
    await deleteKeys(REDIS_URL, prefix);
  });

  /** glass_hub_hop_seconds_count in a gateway's /metrics. */
  async function hops(at: number): Promise<number> {
    const token = await tokenFor('ops-hhc', { roles: ['ops'] } as never);
    const res = await fetch(`http://127.0.0.1:${gateways[at].port}/metrics`, { headers: { authorization: `Bearer ${token}` } });
    assert.equal(res.status, 200);
    const line = (await res.text()).split('\n').find((l) => l.startsWith('glass_hub_hop_seconds_count'));
    assert.ok(line, 'glass_hub_hop_seconds_count is exposed');
    assert.ok(line.includes(`node="${nodes[at].id}"`), line);
    return Number(line.slice(line.lastIndexOf(' ') + 1));
  }

  async function until(at: number, n: number): Promise<number> {
    const deadline = Date.now() + 5_000;
    for (;;) {
      const count = await hops(at);
      if (count >= n || Date.now() > deadline) return count;
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
  }

  test('each gateway counts the says it took, the one whose room is on the other node included', async () => {
    let room = '';
    for (let i = 0; i < 10_000 && room === ''; i++) if (nodes[0].locate('room', `hall-hh-${i}`).node === 'hh-b') room = `hall-hh-${i}`;
    assert.deepEqual(nodes.map((n) => n.locate('room', room).node), ['hh-b', 'hh-b']);
    const ann = await TestClient.connect(`ws://127.0.0.1:${gateways[0].port}/ws`, 'ann-hhc');
    const ben = await TestClient.connect(`ws://127.0.0.1:${gateways[1].port}/ws`, 'ben-hhc');
    clients.push(ann, ben);
    await ann.join(room);
    await ben.join(room);

    const say = async (speaker: TestClient, listener: TestClient, text: string): Promise<void> => {
      speaker.send({ type: 'say', room, text });
      await listener.next('said', (f) => f.room === room && f.line.text === text);
      await speaker.next('said', (f) => f.room === room && f.line.text === text);
    };
    for (let i = 0; i < 3; i++) await say(ann, ben, `from a ${i}`); // A → the room on B → both gateways
    for (let i = 0; i < 2; i++) await say(ben, ann, `from b ${i}`); // on B, relayed to A
    assert.equal(await until(0, 3), 3, "node A: ann's three says (cross-node hops)");
    assert.equal(await until(1, 2), 2, "node B: ben's two says");
    // A relayed line is not a hop of the relaying gateway: every line reached both sockets before the
    // counts were read, so one counted by the gateway that relayed it would already be in them.
    assert.deepEqual([await hops(0), await hops(1)], [3, 2]);
  });
});
