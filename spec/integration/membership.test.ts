import { after, afterEach, test } from 'node:test';
import assert from 'node:assert/strict';
import type { RedisMembership } from '../../cluster/index.js';
import { converged, dropPrefix, ids, membership, nextChange, uniquePrefix } from './membership-harness.js';

// Small settings so detection is quick; every wait below resolves on an event, not on a sleep.
const HEARTBEAT_MS = 100;
const DOWN_AFTER_MS = 400;
const FAST = { heartbeatMs: HEARTBEAT_MS, downAfterMs: DOWN_AFTER_MS };
// A noisy shared machine may be late to fire a timer or answer a read: tolerated beyond the bound.
const SCHEDULING_SLACK_MS = 150;

const prefixes: string[] = [];
const open: RedisMembership[] = [];

function cluster(nodeIds: string[], extra: object = FAST): { prefix: string; nodes: RedisMembership[] } {
  const prefix = uniquePrefix();
  prefixes.push(prefix);
  const nodes = nodeIds.map((id) => membership(prefix, id, extra));
  open.push(...nodes);
  return { prefix, nodes };
}

afterEach(async () => {
  await Promise.all(open.splice(0).map((m) => m.close()));
});

after(async () => {
  for (const prefix of prefixes) await dropPrefix(prefix);
});

test('three nodes converge on the same sorted member list, records included', async () => {
  const { nodes } = cluster(['n3', 'n1', 'n2']);
  const seen = nextChange(nodes[0], (members) => members.length === 3);
  for (const m of nodes) await m.start();
  await seen;
  await Promise.all(nodes.map((m) => converged(m, ['n1', 'n2', 'n3'])));
  const views = nodes.map((m) => m.members());
  assert.deepEqual(views[1], views[0]);
  assert.deepEqual(views[2], views[0]);
  assert.deepEqual(views[0].map((r) => r.workers), [2, 2, 2]);
  assert.ok(views[0].every((r) => typeof r.startedAt === 'number' && r.leftAt === undefined));
  for (const m of nodes) assert.equal(m.status(), 'connected');
});

test('a graceful leave reaches the others at once over pub/sub, long before downAfterMs', async () => {
  // Slow heartbeat and detection: only the published message can explain a quick update.
  const { nodes } = cluster(['a', 'b', 'c'], { heartbeatMs: 1_000, downAfterMs: 2_500 });
  for (const m of nodes) await m.start();
  await Promise.all(nodes.map((m) => converged(m, ['a', 'b', 'c'])));
  const [a, b, c] = nodes;
  const seenByA = nextChange(a, (_, change) => change.left.includes('b'));
  const seenByC = nextChange(c, (_, change) => change.left.includes('b'));
  const ownView = nextChange(b, (_, change) => change.left.includes('b'));
  const leftAt = Date.now();
  assert.equal(await b.leave(), true);
  for (const seen of [await seenByA, await seenByC]) {
    assert.deepEqual(seen.change, { joined: [], left: ['b'], down: [] });
    assert.deepEqual(ids(seen.members), ['a', 'c']);
    assert.ok(seen.at - leftAt < 500, `leave seen after ${seen.at - leftAt} ms (heartbeat 1,000 ms, down after 2,500 ms)`);
  }
  assert.deepEqual(ids((await ownView).members), ['a', 'c']);
  assert.deepEqual(b.members().map((r) => r.id), ['a', 'c']);
});

test('a node that stops beating (no leave) is declared down after downAfterMs, within one more heartbeat', async () => {
  const { nodes } = cluster(['a', 'b', 'victim']);
  for (const m of nodes) await m.start();
  await Promise.all(nodes.map((m) => converged(m, ['a', 'b', 'victim'])));
  const [a, b, victim] = nodes;
  const downA = nextChange(a, (_, change) => change.down.includes('victim'));
  const downB = nextChange(b, (_, change) => change.down.includes('victim'));
  await victim.close(); // a crash as the others see it: timers stop, nothing is announced
  const lastBeat = victim.lastHeartbeatAt();
  assert.ok(lastBeat !== undefined);
  for (const seen of [await downA, await downB]) {
    const elapsed = seen.at - lastBeat;
    assert.deepEqual(seen.change, { joined: [], left: [], down: ['victim'] });
    assert.deepEqual(ids(seen.members), ['a', 'b']);
    // Measured from when the last beat was sent, which is no later than Redis stamped it.
    assert.ok(elapsed >= DOWN_AFTER_MS, `declared down ${elapsed} ms after the last beat (< ${DOWN_AFTER_MS})`);
    assert.ok(elapsed <= DOWN_AFTER_MS + HEARTBEAT_MS + SCHEDULING_SLACK_MS, `declared down only ${elapsed} ms after the last beat`);
  }
});

test('a node declared down rejoins under the same id, and everybody sees it join at once', async () => {
  const { prefix, nodes } = cluster(['a', 'b', 'c'], { heartbeatMs: HEARTBEAT_MS, downAfterMs: DOWN_AFTER_MS });
  for (const m of nodes) await m.start();
  await Promise.all(nodes.map((m) => converged(m, ['a', 'b', 'c'])));
  const [a, b, c] = nodes;
  const down = nextChange(a, (_, change) => change.down.includes('c'));
  await c.close();
  await down;
  await converged(b, ['a', 'b']);
  // Slow settings for the returning node alone do not matter: its start announces itself.
  const again = membership(prefix, 'c', FAST);
  open.push(again);
  const joinedA = nextChange(a, (_, change) => change.joined.includes('c'));
  const joinedB = nextChange(b, (_, change) => change.joined.includes('c'));
  const startedAt = Date.now();
  await again.start();
  for (const seen of [await joinedA, await joinedB]) {
    assert.deepEqual(seen.change, { joined: ['c'], left: [], down: [] });
    assert.deepEqual(ids(seen.members), ['a', 'b', 'c']);
    assert.ok(seen.at - startedAt < DOWN_AFTER_MS, `rejoin seen after ${seen.at - startedAt} ms`);
  }
  assert.deepEqual(ids(again.members()), ['a', 'b', 'c']);
});

test('a restarted node (same id, new process) is a new incarnation: reported as joined, never as down', async () => {
  const { prefix, nodes } = cluster(['a', 'b']);
  for (const m of nodes) await m.start();
  await converged(nodes[0], ['a', 'b']);
  const [a, b] = nodes;
  const changes: string[] = [];
  a.onChange((_, change) => changes.push(JSON.stringify(change)));
  const rejoined = nextChange(a, (_, change) => change.joined.includes('b'));
  await b.close();
  const restarted = membership(prefix, 'b', { ...FAST, now: () => Date.now() + 1 });
  open.push(restarted);
  await restarted.start();
  await rejoined;
  assert.deepEqual(changes, [JSON.stringify({ joined: ['b'], left: [], down: [] })]);
});
