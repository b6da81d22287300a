import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { couchStoreRef } from '../../cluster/index.js';
import { ledger } from '../fixtures/crash-actors.js';
import type { GlassNode } from '../../runtime/node/index.js';
import { startTestCouch } from '../contract/couch-harness.js';
import { startTestNode } from './node-harness.js';

const CRASH_ACTORS = new URL('../fixtures/crash-actors.js', import.meta.url).href;

let couch: Awaited<ReturnType<typeof startTestCouch>>;
const nodes: GlassNode[] = [];

before(async () => {
  couch = await startTestCouch('fence');
  // Two nodes that do not know each other, over one database: each believes it owns every actor,
  // so each activates the same ledger. Only the store's fence keeps them honest.
  for (const nodeId of ['fence-a', 'fence-b']) {
    nodes.push(await startTestNode({ nodeId, actorModules: [CRASH_ACTORS], store: couchStoreRef(couch.couch.url, `fence_${process.pid}`) }));
  }
});

after(async () => {
  await Promise.all(nodes.map((n) => n.close()));
  await couch?.stop();
});

test('two racing activations of one actor: a fenced one never overwrites, and no acknowledged update is lost', async () => {
  const per = 40;
  const acked = await Promise.all(
    nodes.map(async (node) => {
      const ref = ledger.ref(node, 'contended');
      let ok = 0;
      for (let i = 0; i < per; i++) {
        await ref.ask({ type: 'add', by: 1 }, { timeoutMs: 20_000 });
        ok++;
      }
      return ok;
    }),
  );
  assert.deepEqual(acked, [per, per]);
  // Whichever node answers, it reads the stored state through a fresh activation if it was fenced.
  for (const node of nodes) {
    await node.passivate('ledger', 'contended');
    const state = (await ledger.ref(node, 'contended').ask({ type: 'get' })) as { total: number; adds: number };
    assert.deepEqual(state, { total: 2 * per, adds: 2 * per });
  }
});
