// A member record in Redis that the cluster key did not sign is not a member: placement (which
// follows the member list) cannot be stolen by writing a record and a heartbeat key into Redis.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { Redis } from 'ioredis';
import { ClusterKey, type RedisMembership } from '../../cluster/index.js';
import { REDIS_URL, converged, dropPrefix, ids, membership, uniquePrefix } from './membership-harness.js';

const prefix = uniquePrefix();
const admin = new Redis(REDIS_URL);
after(async () => {
  await dropPrefix(prefix);
  admin.disconnect();
});

test('forged member records (unsigned, signed with another key, a genuine one moved to another id) never become members', async () => {
  const nodes: RedisMembership[] = ['a', 'b'].map((id) => membership(prefix, id, { heartbeatMs: 100, downAfterMs: 400 }));
  try {
    await Promise.all(nodes.map((m) => m.start()));
    await Promise.all(nodes.map((m) => converged(m, ['a', 'b'])));
    const changes: string[][] = [];
    nodes[0].onChange((members) => changes.push(ids(members)));
    const members = `${prefix}members`;
    const now = Number((await admin.time())[0]) * 1000;
    const other = new ClusterKey(Buffer.from('another-cluster-key-of-32-characters-or-more'));
    const record = (id: string): string => JSON.stringify({ id, workers: 64, startedAt: now });
    const genuine = (await admin.hget(members, 'a'))!;
    const forged = {
      // What a node wrote before records were signed: a bare record.
      aaa: record('aaa'),
      // Signed, with the wrong key.
      aab: JSON.stringify({ r: record('aab'), m: other.mac('glass-member/1', members, 'aab', record('aab')).toString('base64') }),
      // A genuine signed record (a's), stored under another id.
      aac: genuine,
    };
    for (const [id, value] of Object.entries(forged)) {
      await admin.hset(members, id, value);
      await admin.set(`${prefix}hb:${id}`, String(now), 'PX', 60_000);
    }
    await admin.publish(`${prefix}members:changes`, JSON.stringify({ type: 'join', id: 'aaa' }));
    // Every read counts the three it refused: wait for two full reads after the writes.
    const before = nodes[0].forgedRecords();
    const deadline = Date.now() + 5_000;
    while (nodes[0].forgedRecords() < before + 6 || nodes[1].forgedRecords() < 6) {
      if (Date.now() > deadline) throw new Error(`forged records not read: ${nodes[0].forgedRecords()}, ${nodes[1].forgedRecords()}`);
      await new Promise((r) => setTimeout(r, 10));
    }
    assert.deepEqual(ids(nodes[0].members()), ['a', 'b']);
    assert.deepEqual(ids(nodes[1].members()), ['a', 'b']);
    assert.deepEqual(changes, [], 'no membership change, so no placement change');
  } finally {
    await Promise.all(nodes.map((m) => m.close()));
  }
});
