import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EMPTY_VIEW, MemberState, nextView, parseRecord, type MemberRecord, type MemberSighting, type MembershipView } from '../../cluster/membership/membership-view.js';

// Fixed Redis times: the down rule is a pure function of (previous view, heartbeats, now).
const DOWN_AFTER = 2_000;
const T0 = 1_700_000_000_000;

function rec(id: string, extra: Partial<MemberRecord> = {}): MemberRecord {
  return { id, workers: 2, startedAt: 1, ...extra };
}

function seen(...entries: [MemberRecord, number][]): Map<string, MemberSighting> {
  return new Map(entries.map(([record, beatAt]) => [record.id, { record, beatAt }]));
}

function ids(view: MembershipView): string[] {
  return view.members.map((m) => m.id);
}

test('members are the live ones sorted by id, whatever order Redis returned them in; all of them join the empty view', () => {
  const v = nextView(EMPTY_VIEW, seen([rec('c'), T0], [rec('a'), T0 - 500], [rec('b'), T0 - 1_999]), T0, DOWN_AFTER);
  assert.deepEqual(ids(v), ['a', 'b', 'c']);
  assert.deepEqual(v.change, { joined: ['a', 'b', 'c'], left: [], down: [] });
});

test('a heartbeat exactly downAfterMs old is down; one millisecond younger is live', () => {
  const prev = nextView(EMPTY_VIEW, seen([rec('a'), T0], [rec('b'), T0]), T0, DOWN_AFTER);
  const atEdge = nextView(prev, seen([rec('a'), T0 + 1], [rec('b'), T0]), T0 + DOWN_AFTER - 1, DOWN_AFTER);
  assert.deepEqual(ids(atEdge), ['a', 'b']);
  assert.deepEqual(atEdge.change, { joined: [], left: [], down: [] });
  const past = nextView(atEdge, seen([rec('a'), T0 + 1], [rec('b'), T0]), T0 + DOWN_AFTER, DOWN_AFTER);
  assert.deepEqual(ids(past), ['a']);
  assert.deepEqual(past.change, { joined: [], left: [], down: ['b'] });
  assert.equal(past.entries.get('b')?.state, MemberState.down);
  // Reported once: the next read with b still stale changes nothing.
  const again = nextView(past, seen([rec('a'), T0 + 1_000], [rec('b'), T0]), T0 + DOWN_AFTER + 500, DOWN_AFTER);
  assert.deepEqual(again.change, { joined: [], left: [], down: [] });
});

test('a tombstone is "left", not "down", even with a fresh heartbeat', () => {
  const prev = nextView(EMPTY_VIEW, seen([rec('a'), T0], [rec('b'), T0]), T0, DOWN_AFTER);
  const v = nextView(prev, seen([rec('a'), T0 + 100], [rec('b', { leftAt: 5 }), T0 + 100]), T0 + 100, DOWN_AFTER);
  assert.deepEqual(ids(v), ['a']);
  assert.deepEqual(v.change, { joined: [], left: ['b'], down: [] });
});

test('a live member that vanished from Redis keeps its last heartbeat and ages out by the same rule', () => {
  const prev = nextView(EMPTY_VIEW, seen([rec('a'), T0], [rec('b'), T0]), T0, DOWN_AFTER);
  // Redis restarted empty and only a has beaten since: b stays until its own deadline.
  const soon = nextView(prev, seen([rec('a'), T0 + 300]), T0 + 300, DOWN_AFTER);
  assert.deepEqual(ids(soon), ['a', 'b']);
  assert.deepEqual(soon.change, { joined: [], left: [], down: [] });
  const late = nextView(soon, seen([rec('a'), T0 + 2_000]), T0 + 2_000, DOWN_AFTER);
  assert.deepEqual(late.change, { joined: [], left: [], down: ['b'] });
  // Once down and gone from Redis, it is forgotten.
  const later = nextView(late, seen([rec('a'), T0 + 2_100]), T0 + 2_100, DOWN_AFTER);
  assert.equal(later.entries.has('b'), false);
  assert.deepEqual(later.change, { joined: [], left: [], down: [] });
});

test('a member declared down that beats again rejoins', () => {
  const prev = nextView(EMPTY_VIEW, seen([rec('a'), T0], [rec('b'), T0]), T0, DOWN_AFTER);
  const down = nextView(prev, seen([rec('a'), T0 + 2_500], [rec('b'), T0]), T0 + 2_500, DOWN_AFTER);
  assert.deepEqual(down.change.down, ['b']);
  const back = nextView(down, seen([rec('a'), T0 + 2_600], [rec('b', { startedAt: 2 }), T0 + 2_600]), T0 + 2_600, DOWN_AFTER);
  assert.deepEqual(ids(back), ['a', 'b']);
  assert.deepEqual(back.change, { joined: ['b'], left: [], down: [] });
});

test('a new incarnation of a live member (restarted, or another worker count) is reported as joined', () => {
  const prev = nextView(EMPTY_VIEW, seen([rec('a'), T0], [rec('b'), T0]), T0, DOWN_AFTER);
  const restarted = nextView(prev, seen([rec('a'), T0 + 100], [rec('b', { startedAt: 9 }), T0 + 100]), T0 + 100, DOWN_AFTER);
  assert.deepEqual(restarted.change, { joined: ['b'], left: [], down: [] });
  const resized = nextView(restarted, seen([rec('a', { workers: 4 }), T0 + 200], [rec('b', { startedAt: 9 }), T0 + 200]), T0 + 200, DOWN_AFTER);
  assert.deepEqual(resized.change, { joined: ['a'], left: [], down: [] });
  assert.equal(resized.members[0].workers, 4);
});

test('a member first seen already stale or departed is not a change', () => {
  const v = nextView(EMPTY_VIEW, seen([rec('a'), T0], [rec('old'), T0 - 5_000], [rec('gone', { leftAt: 1 }), T0]), T0, DOWN_AFTER);
  assert.deepEqual(ids(v), ['a']);
  assert.deepEqual(v.change, { joined: ['a'], left: [], down: [] });
});

test('records written by something else are skipped, good ones keep address and leftAt', () => {
  assert.equal(parseRecord('a', 'not json'), undefined);
  assert.equal(parseRecord('a', '7'), undefined);
  assert.equal(parseRecord('a', JSON.stringify({ id: 'b', workers: 1, startedAt: 1 })), undefined);
  assert.equal(parseRecord('a', JSON.stringify({ id: 'a', workers: 0, startedAt: 1 })), undefined);
  assert.equal(parseRecord('a', JSON.stringify({ id: 'a', workers: 1 })), undefined);
  assert.deepEqual(parseRecord('a', JSON.stringify({ id: 'a', workers: 3, startedAt: 1, address: 'ws://h:1', leftAt: 4, junk: true })), {
    id: 'a',
    workers: 3,
    startedAt: 1,
    address: 'ws://h:1',
    leftAt: 4,
  });
});

test('after an outage a vanished member is judged from when this node could watch again, not from its last beat', () => {
  const prev = nextView(EMPTY_VIEW, seen([rec('a'), T0], [rec('b'), T0]), T0, DOWN_AFTER);
  // Redis was away for 10 s and came back empty; a is the first to read again.
  const back = T0 + 10_000;
  const first = nextView(prev, seen([rec('a'), back]), back, DOWN_AFTER, back);
  assert.deepEqual(ids(first), ['a', 'b']);
  assert.deepEqual(first.change, { joined: [], left: [], down: [] });
  const stillWaiting = nextView(first, seen([rec('a'), back + 1_999]), back + 1_999, DOWN_AFTER, back);
  assert.deepEqual(stillWaiting.change.down, []);
  const down = nextView(stillWaiting, seen([rec('a'), back + 2_000]), back + 2_000, DOWN_AFTER, back);
  assert.deepEqual(down.change, { joined: [], left: [], down: ['b'] });
  // A member present in Redis with a stale beat is judged on that beat: Redis saw it stop.
  const stale = nextView(prev, seen([rec('a'), back], [rec('b'), T0]), back, DOWN_AFTER, back);
  assert.deepEqual(stale.change.down, ['b']);
});
