import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as delay } from 'node:timers/promises';
import type { ChildProcess } from 'node:child_process';
import { ErrorCodes } from '../../runtime/index.js';
import { MEMBERSHIP_UNAVAILABLE, MembershipUnavailableError, type MemberChange, type MembershipStatus, type RedisMembership } from '../../cluster/index.js';
import { converged, freePort, ids, killRedisServer, membership, nextChange, nextStatus, startRedisServer, uniquePrefix } from './membership-harness.js';

const HEARTBEAT_MS = 100;
const DOWN_AFTER_MS = 400;
// Reconnect quickly so the test is short; the bound on the backoff is what is exercised.
const OPTIONS = { heartbeatMs: HEARTBEAT_MS, downAfterMs: DOWN_AFTER_MS, reconnect: { minMs: 20, maxMs: 200 }, commandTimeoutMs: 300 };

const cleanup: (() => Promise<void>)[] = [];
after(async () => {
  for (const fn of cleanup.reverse()) await fn();
});

test('start() against an unreachable Redis rejects with MembershipUnavailableError and leaves nothing running', async () => {
  const port = await freePort();
  const m = membership(uniquePrefix(), 'lonely', { ...OPTIONS, redisUrl: `redis://127.0.0.1:${port}` });
  await assert.rejects(m.start(), (err: unknown) => {
    assert.ok(err instanceof MembershipUnavailableError);
    assert.equal(err.code, MEMBERSHIP_UNAVAILABLE);
    assert.notEqual(err.code, ErrorCodes.INVALID_OPTION);
    assert.ok(err.cause instanceof Error);
    return true;
  });
  assert.equal(m.status(), 'reconnecting');
  assert.deepEqual(m.members(), []);
});

test('Redis down: both nodes report reconnecting, keep their last view past downAfterMs without throwing, and recover when it is back', async () => {
  const port = await freePort();
  let server: ChildProcess = await startRedisServer(port);
  cleanup.push(() => killRedisServer(server));
  const redisUrl = `redis://127.0.0.1:${port}`;
  const prefix = uniquePrefix();
  const nodes: RedisMembership[] = ['a', 'b'].map((id) => membership(prefix, id, { ...OPTIONS, redisUrl }));
  cleanup.push(async () => {
    await Promise.all(nodes.map((m) => m.close()));
  });
  const changes: MemberChange[] = [];
  const statuses: MembershipStatus[] = [];
  for (const m of nodes) await m.start();
  await Promise.all(nodes.map((m) => converged(m, ['a', 'b'])));
  const before = nodes.map((m) => m.members());
  const reasons: boolean[] = [];
  nodes[0].onStatus((s, err) => {
    statuses.push(s);
    if (s === 'reconnecting') reasons.push(err instanceof Error);
  });
  for (const m of nodes) m.onChange((_, change) => changes.push(change));

  await killRedisServer(server);
  await Promise.all(nodes.map((m) => nextStatus(m, 'reconnecting')));
  // Here time has to pass: what is checked is that nothing happens while Redis is away, for longer
  // than a node would need to be declared down.
  await delay(DOWN_AFTER_MS + 3 * HEARTBEAT_MS);
  nodes.forEach((m, i) => {
    assert.equal(m.status(), 'reconnecting');
    assert.deepEqual(m.members(), before[i], `${m.nodeId} kept its last view`);
  });
  assert.equal(changes.length, 0, JSON.stringify(changes));
  assert.deepEqual(reasons, [true], 'the status event carries the last Redis error');

  // Back empty (nothing on disk): every node registers again, and nobody flaps down meanwhile.
  server = await startRedisServer(port);
  await Promise.all(nodes.map((m) => nextStatus(m, 'connected')));
  assert.deepEqual(statuses, ['reconnecting', 'connected']);
  const third = membership(prefix, 'c', { ...OPTIONS, redisUrl });
  cleanup.push(() => third.close());
  const joined = Promise.all(nodes.map((m) => nextChange(m, (_, change) => change.joined.includes('c'))));
  await third.start();
  await joined;
  for (const m of [...nodes, third]) await converged(m, ['a', 'b', 'c']);
  assert.deepEqual(
    changes.filter((c) => c.down.length > 0 || c.left.length > 0),
    [],
    'no node was declared down or gone because Redis was',
  );
  assert.deepEqual(ids(third.members()), ['a', 'b', 'c']);
});

test('a node that never comes back after the outage is declared down once the others can see again', async () => {
  const port = await freePort();
  let server: ChildProcess = await startRedisServer(port);
  cleanup.push(() => killRedisServer(server));
  const redisUrl = `redis://127.0.0.1:${port}`;
  const prefix = uniquePrefix();
  const [a, gone] = ['a', 'gone'].map((id) => membership(prefix, id, { ...OPTIONS, redisUrl }));
  cleanup.push(() => a.close());
  await a.start();
  await gone.start();
  await converged(a, ['a', 'gone']);
  await killRedisServer(server);
  await gone.close(); // dies while Redis is away: it never beats again
  await nextStatus(a, 'reconnecting');
  server = await startRedisServer(port);
  const down = nextChange(a, (_, change) => change.down.includes('gone'));
  await nextStatus(a, 'connected');
  const backAt = Date.now();
  const seen = await down;
  // Judged only on the time a could watch: a full downAfterMs after it could see Redis again.
  assert.ok(seen.at - backAt >= DOWN_AFTER_MS - HEARTBEAT_MS, `declared down ${seen.at - backAt} ms after Redis came back`);
  assert.deepEqual(ids(seen.members), ['a']);
});
