// The ops action `crash-worker` (the load harness's kill-worker fault): an operator with the ops
// role ends a worker thread as a crash would, the action is audited first, the node supervisor
// restarts the worker, and the actors it hosted answer again from their saved state.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { after, before, test } from 'node:test';
import { promisify } from 'node:util';
import { room } from '../../actors/index.js';
import type { OpsAuditEntry } from '../../clients/index.js';
import { GLASS_BIN, call, startOpsNode, type OpsNode } from './ops-harness.js';

const run = promisify(execFile);

let ops: OpsNode;
let opsToken = '';
const audited: OpsAuditEntry[] = [];

before(async () => {
  ops = await startOpsNode('ops-crash');
  ops.gateway.ops.service.setAudit(async (entry) => {
    audited.push(entry);
    return `audit-${audited.length}`;
  });
  opsToken = await ops.token(['ops']);
});

after(() => ops.close());

test('crash-worker ends the thread (audited first), the supervisor restarts it, and its room answers with its state', async () => {
  const id = 'crash-hall';
  const thread = ops.node.threadOf(id);
  await room.ref(ops.node, id).ask({ type: 'join', player: 'p1', node: ops.node.id });
  const back = new Promise<void>((resolve) => {
    const off = ops.node.supervisor.onRestart((h) => {
      if (h.thread !== thread) return;
      off();
      resolve();
    });
  });
  const r = await call(ops.base, '/ops/api/actions', opsToken, { action: 'crash-worker', node: 'ops-crash', thread });
  assert.equal(r.status, 200, r.text);
  assert.equal(r.body.done, true);
  assert.equal(r.body.detail.exitCode, 1, 'terminated, as a crash');
  assert.equal(r.body.auditRef, `audit-${audited.length}`);
  const entry = audited[audited.length - 1];
  assert.equal(entry.action, 'crash-worker');
  assert.deepEqual(entry.target, { node: 'ops-crash', thread });
  await back;
  const handle = ops.node.workers[thread - 1];
  assert.equal(handle.restarts, 1);
  assert.equal(handle.lastExit?.code, 1);
  // The room comes back from the store with its member.
  const rejoined = (await room.ref(ops.node, id).ask({ type: 'join', player: 'p2', node: ops.node.id })) as { members: string[] };
  assert.deepEqual([...rejoined.members].sort(), ['p1', 'p2']);
});

test('crash-worker is refused without the ops role, for a worker the node does not have, and by the CLI without --yes', async () => {
  const before = audited.length;
  const player = await call(ops.base, '/ops/api/actions', await ops.token(['player']), { action: 'crash-worker', node: 'ops-crash', thread: 1 });
  assert.equal(player.status, 403);
  assert.equal(player.body.code, 'GLASS_ERR_FORBIDDEN');
  assert.equal(audited.length, before, 'a refused caller is not audited');
  const missing = await call(ops.base, '/ops/api/actions', opsToken, { action: 'crash-worker', node: 'ops-crash', thread: 3 });
  assert.equal(missing.status, 404);
  assert.equal(missing.body.code, 'GLASS_ERR_OPS_NOT_FOUND');
  await assert.rejects(run(process.execPath, [GLASS_BIN, 'ops', 'crash-worker', 'ops-crash', '1', '--url', ops.base], { env: { ...process.env, ...ops.env } }), (err: any) => {
    assert.equal(err.code, 2);
    assert.match(err.stderr, /add --yes/);
    return true;
  });
});
