// The session actor on a real node (2 workers) with the fixture turn runner: members, access,
// the turn queue and the events members' gateways get, through a gateway endpoint this test binds.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { RoomErrors, session, SessionErrors, type SessionDelivery, type SessionEvent } from '../../actors/index.js';
import { GATEWAY_KIND, ServiceErrors } from '../../runtime/index.js';
import { startNode, type GlassNode } from '../../runtime/node/index.js';
import { defaultNodeOptions } from '../../cluster/index.js';
import { fixtureChunks, fixtureTurnService } from '../fixtures/turn-runner-fixtures.js';

describe('session actor: members, access, one turn at a time', () => {
  let node: GlassNode;
  let bare: GlassNode;
  const events: SessionEvent[] = [];
  const waiters: (() => void)[] = [];

  before(async () => {
    node = await startNode(defaultNodeOptions({ workers: 2, logLevel: 'silent', services: { turns: fixtureTurnService() } }));
    node.bind({ kind: GATEWAY_KIND, id: node.id }, (msg: SessionDelivery) => {
      if (msg?.type !== 'session-event') return;
      events.push(msg.event);
      for (const w of waiters.splice(0)) w();
    });
    bare = await startNode(defaultNodeOptions({ workers: 1, logLevel: 'silent', services: {} }));
  });

  after(async () => {
    await node?.close();
    await bare?.close();
  });

  /** Waits until an event of the session matches. */
  async function until(id: string, match: (e: SessionEvent) => boolean): Promise<SessionEvent> {
    for (;;) {
      const found = events.find((e) => e.session === id && match(e));
      if (found !== undefined) return found;
      await new Promise<void>((resolve) => waiters.push(resolve));
    }
  }

  const join = (id: string, player: string, extra: Record<string, unknown> = {}) => session.ref(node, id).ask({ type: 'join-session', player, node: node.id, ...extra });

  test('only members take turns; a non-member is refused with GLASS_ERR_NOT_MEMBER', async () => {
    await assert.rejects(session.ref(node, 'st-1').ask({ type: 'turn', player: 'ann', text: 'hello' }), { code: RoomErrors.NOT_MEMBER });
    const joined = await join('st-1', 'ann');
    assert.equal(joined.created, true);
    assert.deepEqual(joined.members, ['ann']);
    const accepted = await session.ref(node, 'st-1').ask({ type: 'turn', player: 'ann', text: 'I open the gate' });
    assert.deepEqual({ turn: accepted.turn, position: accepted.position }, { turn: 1, position: 0 });
    const committed = await until('st-1', (e) => e.type === 'turn-committed' && e.turn === 1);
    assert.equal(committed.type === 'turn-committed' && committed.narration, fixtureChunks(1, 'I open the gate').join(''));
  });

  test('invite-only: a stranger is refused and registers nothing; an invitation from the creator lets it in', async () => {
    await join('st-2', 'cat', { access: 'invite' });
    await assert.rejects(join('st-2', 'dan'), { code: SessionErrors.NOT_INVITED });
    assert.deepEqual((await session.ref(node, 'st-2').ask({ type: 'members' })).members, ['cat']);
    await session.ref(node, 'st-2').ask({ type: 'invite', player: 'cat', invitee: 'eve' });
    await join('st-2', 'eve');
    await assert.rejects(join('st-2', 'dan'), { code: SessionErrors.NOT_INVITED });
    await assert.rejects(session.ref(node, 'st-2').ask({ type: 'invite', player: 'eve', invitee: 'dan' }), { code: SessionErrors.INVITE_FORBIDDEN });
    assert.deepEqual(await session.ref(node, 'st-2').ask({ type: 'invite', player: 'cat', invitee: 'dan' }), { invited: true });
    assert.deepEqual((await join('st-2', 'dan')).members, ['cat', 'eve', 'dan']);
  });

  test('N turns at once are committed in order, each once; past the queue bound GLASS_ERR_TURN_QUEUE_FULL', async () => {
    await join('st-3', 'fay');
    const ref = session.ref(node, 'st-3');
    const asks = [];
    for (let i = 0; i < 10; i++) asks.push(ref.ask({ type: 'turn', player: 'fay', text: `[slow] step ${i}` }).then((r) => r, (err: { code: string }) => err.code));
    const replies = await Promise.all(asks);
    assert.deepEqual(replies.slice(0, 9).map((r) => (r as { position: number }).position), [0, 1, 2, 3, 4, 5, 6, 7, 8]);
    assert.equal(replies[9], SessionErrors.TURN_QUEUE_FULL);
    await until('st-3', (e) => e.type === 'turn-committed' && e.turn === 9);
    const mine = events.filter((e) => e.session === 'st-3');
    const commits = mine.filter((e) => e.type === 'turn-committed').map((e) => (e as { turn: number }).turn);
    assert.deepEqual(commits, [1, 2, 3, 4, 5, 6, 7, 8, 9]);
    const seqs = mine.map((e) => e.seq);
    assert.deepEqual(seqs, [...seqs].sort((a, b) => a - b), 'seq increases');
    assert.equal(new Set(seqs).size, seqs.length, 'each seq once');
    // Chunks of turn 4, in order, once each, between its start and its commit.
    const four = mine.filter((e) => e.type === 'narration' && e.turn === 4).map((e) => (e as { index: number; text: string }).text);
    assert.deepEqual(four, fixtureChunks(4, '[slow] step 3'));
  });

  test('a failed run is turn-failed, typed; an untyped failure is GLASS_ERR_TURN_FAILED', async () => {
    await join('st-4', 'gus');
    await session.ref(node, 'st-4').ask({ type: 'turn', player: 'gus', text: '[fail] nope' });
    await session.ref(node, 'st-4').ask({ type: 'turn', player: 'gus', text: '[throw] nope' });
    const one = await until('st-4', (e) => e.type === 'turn-failed' && e.turn === 1);
    const two = await until('st-4', (e) => e.type === 'turn-failed' && e.turn === 2);
    assert.equal(one.type === 'turn-failed' && one.code, 'GLASS_ERR_NARRATION_UNAVAILABLE');
    assert.equal(two.type === 'turn-failed' && two.code, SessionErrors.TURN_FAILED);
  });

  test('a degraded restart starts the chunks over at index 0 in a new part', async () => {
    await join('st-5', 'hal');
    await session.ref(node, 'st-5').ask({ type: 'turn', player: 'hal', text: '[degrade] a b' });
    await until('st-5', (e) => e.type === 'turn-committed');
    const mine = events.filter((e) => e.session === 'st-5' && (e.type === 'narration' || e.type === 'narration-degraded'));
    assert.deepEqual(
      mine.map((e) => (e.type === 'narration' ? `${e.part}.${e.index}` : e.type === 'narration-degraded' ? `restart->${e.part}` : '')),
      ['0.0', '0.1', 'restart->1', '1.0', '1.1', '1.2', '1.3'],
    );
  });

  test('a node without a turns service refuses a turn with GLASS_ERR_UNKNOWN_SERVICE and keeps nothing', async () => {
    await session.ref(bare, 'st-6').ask({ type: 'join-session', player: 'ivy', node: bare.id });
    await assert.rejects(session.ref(bare, 'st-6').ask({ type: 'turn', player: 'ivy', text: 'hello' }), { code: ServiceErrors.UNKNOWN });
    assert.equal((await session.ref(bare, 'st-6').ask({ type: 'transcript' })).turn, 0);
  });
});
