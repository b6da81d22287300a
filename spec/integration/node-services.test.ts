import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ServiceErrors } from '../../runtime/index.js';
import { SERVICE_FIXTURES } from '../fixtures/service-fixtures.js';
import { idsOnThread, startTestNode } from './node-harness.js';

const services = {
  doubler: {
    worker: { module: SERVICE_FIXTURES, export: 'createDoubler', options: { label: 'from-options' } },
    main: { module: SERVICE_FIXTURES, export: 'createDoublerMain', options: { factor: 3 } },
  },
};

test('a service built in every worker reaches its main-thread part over its own port', async () => {
  const node = await startTestNode({ actorModules: [SERVICE_FIXTURES], services });
  try {
    for (const thread of [1, 2]) {
      const [id] = idsOnThread(node, thread, 'user', 1);
      const reply = (await node.ask({ kind: 'service-user', id }, { type: 'double', n: 7 })) as Record<string, unknown>;
      assert.deepEqual({ doubled: reply.doubled, thread: reply.thread, workerThread: reply.workerThread, label: reply.label }, { doubled: 21, thread, workerThread: thread, label: 'from-options' });
    }
  } finally {
    await node.close();
  }
});

test('an unknown service is a typed refusal, and a replacement worker gets a new port', async () => {
  const node = await startTestNode({ actorModules: [SERVICE_FIXTURES], services });
  try {
    const [id] = idsOnThread(node, 1, 'user', 1);
    await assert.rejects(node.ask({ kind: 'service-user', id }, { type: 'missing' }), { code: ServiceErrors.UNKNOWN });
    const before = (await node.ask({ kind: 'service-user', id }, { type: 'double', n: 1 })) as { connects: number };
    const restarted = new Promise<void>((resolve) => node.supervisor.onRestart(() => resolve()));
    node.tell({ kind: 'service-user', id }, { type: 'crash' });
    await restarted;
    const after = (await node.ask({ kind: 'service-user', id }, { type: 'double', n: 2 }, { timeoutMs: 20_000 })) as { doubled: number; connects: number };
    assert.equal(after.doubled, 6);
    assert.ok(after.connects > before.connects, `the replacement worker connected again (${before.connects} → ${after.connects})`);
  } finally {
    await node.close();
  }
});

test('services are checked at start: a bad name or reference refuses the node', async () => {
  await assert.rejects(startTestNode({ actorModules: [SERVICE_FIXTURES], services: { 'bad name': services.doubler } }), { code: 'GLASS_ERR_INVALID_OPTION' });
  await assert.rejects(startTestNode({ actorModules: [SERVICE_FIXTURES], services: { doubler: { worker: { module: SERVICE_FIXTURES } } as never } }), { code: 'GLASS_ERR_INVALID_OPTION' });
});
