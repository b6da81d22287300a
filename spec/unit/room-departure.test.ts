// A room lets go of members whose gateway node has been down longer than the resume window. The
// context is a small stand-in for the host's (it answers nodeDownSince, now, tell and timers as
// runtime/host/actor-context.ts does); the real host's fact is set by ActorHost.setMembers.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { room, type RoomState } from '../../actors/index.js';
import { HostHarness } from './host-harness.js';

function context(state: RoomState, down: Record<string, number>, now: { t: number }) {
  const told: { to: string; msg: any }[] = [];
  const timers: { name: string; ms: number }[] = [];
  const ctx = {
    self: { kind: 'room', id: 'hall' },
    state,
    now: () => now.t,
    nodeDownSince: (node: string) => down[node],
    tell: (to: { id: string }, msg: unknown) => void told.push({ to: to.id, msg }),
    timers: { once: (name: string, ms: number) => void timers.push({ name, ms }), cancel: () => {} },
  };
  return { ctx, told, timers };
}

const handlers = room.handlers as unknown as Record<string, (ctx: unknown, msg: unknown) => unknown>;

test('members on a node down past the resume window leave with presence; members who resumed on a live node stay', () => {
  const now = { t: 10_000 };
  const state = room.initialState('hall') as RoomState;
  const down: Record<string, number> = {};
  const { ctx, told, timers } = context(state, down, now);
  handlers.join(ctx, { player: 'ann', node: 'n1', resumeWindowMs: 5_000 });
  handlers.join(ctx, { player: 'ben', node: 'n2', resumeWindowMs: 5_000 });
  handlers.join(ctx, { player: 'cat', node: 'n2', resumeWindowMs: 5_000 });
  down.n2 = 10_000;
  // cat resumes on n1 (a live node) within the window.
  now.t = 12_000;
  handlers.resume(ctx, { player: 'cat', node: 'n1', after: 0, resumeWindowMs: 5_000 });
  assert.ok(Object.hasOwn(state.members, 'ben'), 'inside the window ben is still a member');
  assert.ok(timers.some((t) => t.ms === 3_000), `a timer comes back when ben is due (${JSON.stringify(timers)})`);
  told.length = 0;
  now.t = 15_001;
  handlers.depart(ctx, {});
  assert.deepEqual(Object.keys(state.members).sort(), ['ann', 'cat']);
  const left = told.filter((t) => t.msg.event?.type === 'presence' && t.msg.event.left === 'ben');
  assert.ok(left.length > 0, 'presence left for ben was broadcast');
});

test('the host tells rooms when a node goes down: its members leave after the window with no other message to the room', async () => {
  const harness = new HostHarness({ actors: [room] });
  try {
    const hall = harness.ref('room', 'hall');
    await hall.ask({ type: 'join', player: 'ann', node: 'n1', resumeWindowMs: 5_000 });
    await hall.ask({ type: 'join', player: 'ben', node: 'n2', resumeWindowMs: 5_000 });
    await harness.host.setMembers([{ id: 'n1', workers: 1 }], ['n2']);
    await harness.settle();
    // Only the clock moves, nothing is sent to the room: its own timer, armed by the host's
    // nodes-down message, lets ben go (a read-only `members` ask would only arm it).
    await harness.advance(5_001);
    assert.deepEqual(((await hall.ask({ type: 'members' })) as { members: string[] }).members, ['ann']);
  } finally {
    await harness.close();
  }
});
