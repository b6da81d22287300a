// Two workers die one right after the other: the second dies while the first one's replacement is
// still starting. Both replacements must end up wired to each other (a port each way), so actors on
// the two threads message each other again. Memory store: what is checked is the mesh, not state.
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { pump, tally } from '../fixtures/cluster-actors.js';
import type { GlassNode } from '../../runtime/node/index.js';
import { idsOnThread, startTestNode } from './node-harness.js';
import { nextRestart } from './worker-events.js';

const CLUSTER_ACTORS = new URL('../fixtures/cluster-actors.js', import.meta.url).href;
let node: GlassNode | undefined;
after(() => node?.close());

/** Asks `id`'s tally until the adds from `sender` number `count` (or the deadline). */
async function adds(n: GlassNode, id: string, sender: string, count: number, deadlineMs = 10_000): Promise<number[]> {
  const end = Date.now() + deadlineMs;
  for (;;) {
    const from = (await tally.ref(n, id).ask({ type: 'report' }, { timeoutMs: 5_000 })) as Record<string, number[]>;
    const got = from[sender] ?? [];
    if (got.length >= count || Date.now() > end) return got;
    await new Promise((resolve) => setImmediate(resolve));
  }
}

test('a worker that dies while another one\'s replacement starts: both replacements talk to each other', async () => {
  node = await startTestNode({ nodeId: 'overlap', workers: 3, actorModules: [CLUSTER_ACTORS], spareWorker: false });
  const n = node;
  const [pumpOn1] = idsOnThread(n, 1, 'pump-a', 1);
  const [pumpOn2] = idsOnThread(n, 2, 'pump-b', 1);
  const [tallyOn1] = idsOnThread(n, 1, 'tally-a', 1);
  const [tallyOn2] = idsOnThread(n, 2, 'tally-b', 1);
  // Before: both directions work.
  assert.equal(await pump.ref(n, pumpOn1).ask({ type: 'pump', targets: [tallyOn2], rounds: 1 }), 1);
  assert.deepEqual(await adds(n, tallyOn2, `pump:${pumpOn1}`, 1), [1]);

  // Worker 1 dies; the moment its exit is seen (its replacement is spawned right after, with no
  // delay the first time), worker 2 is terminated too, so it dies while replacement 1 starts.
  const restarted = Promise.all([nextRestart(n, 1), nextRestart(n, 2)]);
  const off = n.supervisor.onExit((h) => {
    if (h.thread !== 1) return;
    off();
    void n.workers[1].worker.terminate();
  });
  void n.workers[0].worker.terminate();
  await restarted;

  // After: each way, from the new thread 1 to the new thread 2 and back.
  assert.equal(await pump.ref(n, pumpOn1).ask({ type: 'pump', targets: [tallyOn2], rounds: 3 }, { timeoutMs: 5_000 }), 3);
  assert.equal(await pump.ref(n, pumpOn2).ask({ type: 'pump', targets: [tallyOn1], rounds: 3 }, { timeoutMs: 5_000 }), 3);
  assert.equal((await adds(n, tallyOn2, `pump:${pumpOn1}`, 3)).length, 3, 'thread 1 → thread 2 after both restarts');
  assert.equal((await adds(n, tallyOn1, `pump:${pumpOn2}`, 3)).length, 3, 'thread 2 → thread 1 after both restarts');
});
