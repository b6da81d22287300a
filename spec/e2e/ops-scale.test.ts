import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { room } from '../../actors/index.js';
import { call, eventually, startOpsNode, type OpsNode } from './ops-harness.js';

// The ops view with 10,000 actors: aggregated per kind and worker (the view stays small), each
// actor still reachable by search and by expanding its kind a page at a time.
const ACTORS = 10_000;

let ops: OpsNode;
let token: string;

before(async () => {
  ops = await startOpsNode('ops-scale');
  token = await ops.token(['ops']);
  // `members` is read-only: activations without saves, in batches so the node is not flooded.
  for (let i = 0; i < ACTORS; i += 1_000) {
    await Promise.all(Array.from({ length: 1_000 }, (_, j) => room.ref(ops.node, `hall-${i + j}`).ask({ type: 'members' }, { timeoutMs: 30_000 })));
  }
});

after(() => ops?.close());

test('10,000 actors: the view counts them per kind and worker in a bounded answer; search and paging reach any of them', async () => {
  const view = await eventually(async () => {
    const r = await call(ops.base, '/ops/api/view', token);
    const rooms = r.body.nodes[0].workers.flatMap((w: any) => w.sample.kinds.filter((k: any) => k.kind === 'room'));
    return rooms.reduce((s: number, k: any) => s + k.count, 0) === ACTORS ? r : undefined;
  }, 'the view to count every room');
  assert.ok(view.text.length < 256 * 1024, `the whole view is ${view.text.length} bytes`);

  const found = await call(ops.base, '/ops/api/search?q=hall-7777', token);
  assert.equal(found.status, 200);
  assert.ok(found.body.actors.some((a: any) => a.id === 'hall-7777'), JSON.stringify(found.body).slice(0, 300));

  const thread = ops.node.threadOf('hall-4242');
  const page = await call(ops.base, `/ops/api/actors?node=ops-scale&thread=${thread}&kind=room&offset=0&limit=100`, token);
  assert.equal(page.status, 200, page.text.slice(0, 300));
  assert.equal(page.body.actors.length, 100, 'a page of 100');
});
