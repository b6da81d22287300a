// Moderators pre-empt a running turn: a real node (1 worker) on the game's turn services (the
// LangGraph turn graph, the rules pool, the offline narrator paced slowly enough that a turn is
// still narrating when the override arrives), overrides sent to the session's override actor on
// the system lane, and the members' events through a gateway endpoint this test binds.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { override, overrideId, session, tellSystem, type OverrideCommand, type SessionDelivery, type SessionEvent } from '../../actors/index.js';
import { defaultNodeOptions, narratorConfig, turnServices } from '../../cluster/index.js';
import { GATEWAY_KIND } from '../../runtime/index.js';
import { startNode, type GlassNode } from '../../runtime/node/index.js';

describe('moderators pre-empt a running turn (turn graph, offline narrator)', () => {
  let node: GlassNode;
  const events: SessionEvent[] = [];
  const waiters: (() => void)[] = [];
  let auditId = 70_000;

  before(async () => {
    // 20 chunks a second: an offline narration (≈ 30 words) takes over a second, so the override lands mid-stream.
    const narrator = narratorConfig({ pace: { firstChunkMs: 0, chunksPerSec: 20 } });
    node = await startNode(defaultNodeOptions({ workers: 1, logLevel: 'silent', services: turnServices({ narrator, rules: { threads: 1 } }) }));
    node.bind({ kind: GATEWAY_KIND, id: node.id }, (msg: SessionDelivery) => {
      if (msg?.type !== 'session-event') return;
      events.push(msg.event);
      for (const w of waiters.splice(0)) w();
    });
  });

  after(async () => {
    await node?.close();
  });

  async function until(id: string, match: (e: SessionEvent) => boolean): Promise<SessionEvent> {
    for (;;) {
      const found = events.find((e) => e.session === id && match(e));
      if (found !== undefined) return found;
      await new Promise<void>((resolve) => waiters.push(resolve));
    }
  }

  function moderate(id: string, command: OverrideCommand): { id: number; hash: string } {
    const target = { kind: 'session', id } as const;
    const audit = { id: ++auditId, hash: 'c'.repeat(64) };
    tellSystem(override.ref(node, overrideId(target)), { type: 'apply', target, command, audit, by: 'mod', replyTo: node.id });
    return audit;
  }

  const mine = (id: string) => events.filter((e) => e.session === id);
  const ref = (id: string) => session.ref(node, id);

  async function started(id: string, player: string): Promise<void> {
    await ref(id).ask({ type: 'join-session', player, node: node.id });
  }

  test('a pause stops the running turn: turn-cancelled, nothing committed, the queue held until resume, then the next turn commits', async () => {
    const id = 'pre-pause';
    await started(id, 'ada');
    await ref(id).ask({ type: 'turn', player: 'ada', text: 'I climb the wall' });
    await ref(id).ask({ type: 'turn', player: 'ada', text: 'I look around' });
    await until(id, (e) => e.type === 'narration' && e.turn === 1);
    const audit = moderate(id, { command: 'pause', reason: 'a break' });
    const cancelled = await until(id, (e) => e.type === 'turn-cancelled');
    assert.deepEqual(cancelled, { type: 'turn-cancelled', session: id, seq: cancelled.seq, turn: 1, player: 'ada', reason: 'pause', audit });
    const paused = await until(id, (e) => e.type === 'session-moderated' && e.command === 'pause');
    assert.ok(paused.seq > cancelled.seq, 'turn-cancelled comes before the override it answers');
    // Paused: turn 2 stays queued, and nothing of turn 1 is running or kept.
    assert.equal((await ref(id).ask({ type: 'wake' })).running, null);
    assert.deepEqual((await ref(id).ask({ type: 'transcript' })).turns, []);
    assert.equal(mine(id).some((e) => e.type === 'turn-started' && e.turn === 2), false, 'the queue waits while paused');
    moderate(id, { command: 'resume' });
    const two = await until(id, (e) => e.type === 'turn-committed' && e.turn === 2);
    // Nothing of turn 1 arrived after its cancellation, and it was never committed.
    assert.equal(mine(id).some((e) => e.seq > cancelled.seq && (e.type === 'narration' || e.type === 'turn-committed' || e.type === 'turn-failed') && e.turn === 1), false);
    const { turns } = await ref(id).ask({ type: 'transcript' });
    assert.deepEqual(turns.map((t: { turn: number }) => t.turn), [2]);
    assert.equal(two.type === 'turn-committed' && two.narration.length > 0, true);
  });

  test("a narrate takes the cancelled turn's place; the queue goes on after it", async () => {
    const id = 'pre-narrate';
    await started(id, 'ben');
    await ref(id).ask({ type: 'turn', player: 'ben', text: 'I open the chest' });
    await ref(id).ask({ type: 'turn', player: 'ben', text: 'I read the letter' });
    await until(id, (e) => e.type === 'narration' && e.turn === 1);
    moderate(id, { command: 'narrate', text: 'The chest is empty; a draught blows out the candle.' });
    const cancelled = await until(id, (e) => e.type === 'turn-cancelled');
    assert.equal(cancelled.type === 'turn-cancelled' && cancelled.reason, 'narrate');
    const narrated = await until(id, (e) => e.type === 'session-moderated' && e.command === 'narrate');
    assert.ok(narrated.seq > cancelled.seq);
    await until(id, (e) => e.type === 'turn-committed' && e.turn === 2);
    const { turns } = await ref(id).ask({ type: 'transcript' });
    assert.deepEqual(
      turns.map((t: { turn: number; player: string; narration?: true }) => [t.turn, t.player, t.narration === true]),
      [[3, 'gm', true], [2, 'ben', false]],
    );
  });

  test('a redact of an earlier turn stops the running one (its prompt may hold the redacted text); the queue goes on', async () => {
    const id = 'pre-redact';
    await started(id, 'cat');
    await ref(id).ask({ type: 'turn', player: 'cat', text: 'I shout a secret' });
    await until(id, (e) => e.type === 'turn-committed' && e.turn === 1);
    await ref(id).ask({ type: 'turn', player: 'cat', text: 'I run away' });
    await ref(id).ask({ type: 'turn', player: 'cat', text: 'I hide' });
    await until(id, (e) => e.type === 'narration' && e.turn === 2);
    moderate(id, { command: 'redact', seq: 1 });
    const cancelled = await until(id, (e) => e.type === 'turn-cancelled');
    assert.deepEqual([cancelled.type === 'turn-cancelled' && cancelled.reason, cancelled.type === 'turn-cancelled' && cancelled.turn], ['redact', 2]);
    await until(id, (e) => e.type === 'turn-committed' && e.turn === 3);
    const { turns } = await ref(id).ask({ type: 'transcript' });
    assert.deepEqual(turns.map((t: { turn: number; redacted?: true }) => [t.turn, t.redacted === true]), [[1, true], [3, false]]);
  });

  test('a resuming member who missed the cancellation is given turn-cancelled; a mute lets the turn run', async () => {
    const id = 'pre-resume';
    await started(id, 'dan');
    await ref(id).ask({ type: 'join-session', player: 'eve', node: node.id });
    const before = (await ref(id).ask({ type: 'resume', player: 'eve', node: node.id, after: 0 })).seq as number;
    await ref(id).ask({ type: 'turn', player: 'dan', text: 'I light a torch' });
    await until(id, (e) => e.type === 'narration' && e.turn === 1);
    moderate(id, { command: 'mute', player: 'eve' });
    await until(id, (e) => e.type === 'session-moderated' && e.command === 'mute');
    assert.equal(mine(id).some((e) => e.type === 'turn-cancelled'), false, 'a mute does not pre-empt');
    moderate(id, { command: 'pause' });
    const cancelled = await until(id, (e) => e.type === 'turn-cancelled');
    const reply = await ref(id).ask({ type: 'resume', player: 'eve', node: node.id, after: before });
    assert.equal(reply.resync, null);
    const replayed = (reply.events as SessionEvent[]).filter((e) => e.type === 'turn-cancelled');
    assert.deepEqual(replayed, [cancelled]);
  });
});
