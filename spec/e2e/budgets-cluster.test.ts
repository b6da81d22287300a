// A world's weekly budget is shared across nodes: two nodes of one cluster (real Redis, embedded
// CouchDB, uWS), each running the real narrator chain against one counting provider server. A
// session on one node spends the world to 90 %; a moderator connected to the other node is told,
// and a session of the same world on the other node is narrated offline with no provider call.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { GM_QUEUE_ID, gmQueue } from '../../actors/index.js';
import { narratorConfig, turnServices } from '../../cluster/index.js';
import { startProviderServer, type ProviderServer } from '../fixtures/provider-servers.js';
import { NodePair } from './cluster-fixture.js';
import type { TestClient } from './ws-client.js';

const TURN_MS = 20_000;

describe('a world\'s budget shared by two nodes (real Redis, embedded CouchDB, uWS)', () => {
  let pair: NodePair;
  let provider: ProviderServer;

  before(async () => {
    provider = await startProviderServer('openai');
    const narrator = narratorConfig({ narrator: 'openai', openai: { baseURL: provider.baseURL, model: 'budget-test' }, prices: { 'openai:budget-test': { inputPerMTok: 50, outputPerMTok: 200 } }, pace: { firstChunkMs: 0, chunksPerSec: 0 } });
    pair = await NodePair.start({
      ids: ['bud-a', 'bud-b'],
      node: { services: turnServices({ narrator, budget: { worlds: { shared: { weeklyUsd: 0.01, policy: 'offline' } } } }) },
      gateway: { rateLimit: { burst: 500, perSecond: 500 } },
    });
  });

  after(async () => {
    await pair?.close();
    await provider?.close();
  });

  const connect = (at: number, player: string, roles: ('player' | 'moderator')[] = ['player']) => pair.connect(at, player, { roles });
  const sessionOn = (owner: string, tag: string) => pair.idOn('session', owner, tag);

  async function takeTurn(client: TestClient, session: string, text: string, ref: string) {
    client.send({ type: 'turn', session, text, ref });
    const accepted = await client.next('turn-accepted', (f) => f.ref === ref);
    return client.next('turn-committed', (f) => f.session === session && f.turn === accepted.turn, TURN_MS);
  }

  test('a spend on one node counts for the world\'s sessions on the other, and its moderators are told', async () => {
    const mod = await connect(1, 'gm-bea', ['moderator']);
    // Asked after the gateway's `watch` by the same sender (node B's main thread): once it answers, B is registered.
    await gmQueue.ref(pair.nodes[1]!, GM_QUEUE_ID).ask({ type: 'list' });
    const [onA, onB] = [sessionOn('bud-a', 'saga-a'), sessionOn('bud-b', 'saga-b')];
    const ann = await connect(0, 'ann-c');
    const ben = await connect(1, 'ben-c');
    for (const [c, s] of [[ann, onA], [ben, onB]] as const) {
      c.send({ type: 'join-session', session: s, world: 'shared', ref: `j-${s}` });
      await c.next('session-joined', (f) => f.ref === `j-${s}`);
    }
    const calls = provider.requests.length;
    assert.equal((await takeTurn(ann, onA, 'I open the gate', 't1')).provider, 'openai:budget-test');
    assert.equal(provider.requests.length, calls + 1);
    // The session on node A escalated; the moderator on node B hears of it (its node registered with the queue on connect).
    const told = await mod.next('gm-queue', (f) => f.item.session === onA, TURN_MS);
    assert.deepEqual([told.change, told.item.world, told.item.reason], ['escalated', 'shared', 'budget']);
    // The session on node B has not spent anything, but its world has: narrated offline, no provider call.
    assert.equal((await takeTurn(ben, onB, 'I follow', 't1')).provider, 'offline');
    assert.equal(provider.requests.length, calls + 1);
  });
});
