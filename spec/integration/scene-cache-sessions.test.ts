// The scene cache in use: a real node (1 worker) on the game's turn services with the Redis scene
// cache (the real Redis, a prefix of its own, a cluster key given in the options), the sessions'
// events through a gateway endpoint this test binds, and a second RedisSceneCache with the same key
// standing for another node of the cluster. A committed turn stores its scene; any override on the
// session invalidates it for every node; a turn takes its scene from the cache only when the cache
// holds the scene of the turn the session last committed (the offline narrator's opening shows the
// momentum it was given).
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { OFFLINE_PHRASES, override, overrideId, session, tellSystem, type SessionDelivery, type SessionEvent } from '../../actors/index.js';
import { ClusterKey, RedisSceneCache, Secret, defaultNodeOptions, narratorConfig, turnServices } from '../../cluster/index.js';
import { GATEWAY_KIND } from '../../runtime/index.js';
import { startNode, type GlassNode } from '../../runtime/node/index.js';
import { SHARED_REDIS_URL, deleteKeys, uniquePrefix } from '../contract/transport-redis-server.js';

const KEY_TEXT = 'scene-cache-sessions-key-0123456789abcdef';

describe('scene cache on Redis: stored on commit, invalidated by overrides across nodes, used only for the right turn', () => {
  const prefix = uniquePrefix('scene-sessions');
  let node: GlassNode;
  let otherNode: RedisSceneCache;
  const events: SessionEvent[] = [];
  const waiters: (() => void)[] = [];

  before(async () => {
    const sceneCache = { redisUrl: Secret.from(SHARED_REDIS_URL)!, prefix, clusterKey: Secret.from(KEY_TEXT)! };
    node = await startNode(defaultNodeOptions({ workers: 1, logLevel: 'silent', services: turnServices({ narrator: narratorConfig({ pace: { firstChunkMs: 0, chunksPerSec: 0 } }), rules: { threads: 1 }, sceneCache }) }));
    node.bind({ kind: GATEWAY_KIND, id: node.id }, (msg: SessionDelivery) => {
      if (msg?.type !== 'session-event') return;
      events.push(msg.event);
      for (const w of waiters.splice(0)) w();
    });
    otherNode = new RedisSceneCache({ redis: SHARED_REDIS_URL, prefix, clusterKey: new ClusterKey(Buffer.from(KEY_TEXT)) });
  });

  after(async () => {
    await node?.close();
    await otherNode?.close();
    await deleteKeys(SHARED_REDIS_URL, prefix);
  });

  async function until(id: string, match: (e: SessionEvent) => boolean): Promise<SessionEvent> {
    for (;;) {
      const found = events.find((e) => e.session === id && match(e));
      if (found !== undefined) return found;
      await new Promise<void>((resolve) => waiters.push(resolve));
    }
  }

  async function committed(id: string, turn: number): Promise<string> {
    const e = await until(id, (x) => x.type === 'turn-committed' && x.turn === turn);
    return (e as { narration: string }).narration;
  }

  const opening = (narration: string, player: string): 'low' | 'even' | 'high' | null => {
    for (const band of ['low', 'even', 'high'] as const) if (OFFLINE_PHRASES.opening[band].some((p) => narration.startsWith(p.replace('{player}', player)))) return band;
    return null;
  };

  test('a committed turn leaves its scene in the cache, readable by another node with the cluster key', async () => {
    const id = 'sc-commit';
    await session.ref(node, id).ask({ type: 'join-session', player: 'ada', node: node.id });
    await session.ref(node, id).ask({ type: 'turn', player: 'ada', text: 'Hello there, friends' });
    const narration = await committed(id, 1);
    // The write is not awaited by the session: wait for it on the event that matters, the cache's content.
    let hit = await otherNode.get(id);
    for (let i = 0; hit === null && i < 100; i++) hit = await otherNode.get(id);
    assert.ok(hit !== null);
    assert.equal(hit.turn, 1);
    assert.equal(hit.momentum, 0);
    assert.ok(narration.startsWith(hit.summary), 'the summary is the narration\'s first sentence');
  });

  test('a turn takes the scene of the last committed turn from the cache; an entry for another turn is ignored', async () => {
    const id = 'sc-use';
    await session.ref(node, id).ask({ type: 'join-session', player: 'ben', node: node.id });
    await session.ref(node, id).ask({ type: 'turn', player: 'ben', text: 'Hello there, friends' });
    await committed(id, 1);
    // The session's own scene has momentum 0 (no check): a cached +3 for turn 1 shows in turn 2's opening.
    await otherNode.set(id, { turn: 1, summary: 'The party is winning.', momentum: 3 });
    await session.ref(node, id).ask({ type: 'turn', player: 'ben', text: 'We go on' });
    assert.equal(opening(await committed(id, 2), 'ben'), 'high');
    // An entry that is not the scene of turn 2 (the last committed now) is not used.
    await otherNode.set(id, { turn: 1, summary: 'The party is losing.', momentum: -3 });
    await session.ref(node, id).ask({ type: 'turn', player: 'ben', text: 'We go on again' });
    assert.notEqual(opening(await committed(id, 3), 'ben'), 'low');
  });

  test('any override on the session invalidates its entry, for every node', async () => {
    const id = 'sc-override';
    await session.ref(node, id).ask({ type: 'join-session', player: 'cat', node: node.id });
    await session.ref(node, id).ask({ type: 'turn', player: 'cat', text: 'Hello there' });
    await committed(id, 1);
    await otherNode.set(id, { turn: 1, summary: 'Planted.', momentum: 2 });
    const target = { kind: 'session', id } as const;
    tellSystem(override.ref(node, overrideId(target)), { type: 'apply', target, command: { command: 'note', text: 'watching' }, audit: { id: 81_001, hash: 'd'.repeat(64) }, by: 'mod', replyTo: node.id });
    await until(id, (e) => e.type === 'session-moderated' && e.command === 'note');
    let hit = await otherNode.get(id);
    for (let i = 0; hit !== null && i < 100; i++) hit = await otherNode.get(id);
    assert.equal(hit, null);
  });
});
