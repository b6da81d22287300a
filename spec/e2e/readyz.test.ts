import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, describe, test } from 'node:test';
import { startGateway, type Gateway } from '../../clients/index.js';
import { startClusterNode, startDefaultNode, startEmbeddedCouch } from '../../cluster/index.js';
import { tempDataDir } from '../contract/couch-harness.js';
import { MEMORY_STORE } from '../../runtime/index.js';
import type { GlassNode } from '../../runtime/node/index.js';
import { OwnRedisServer } from '../fixtures/redis-server.js';
import { getJson, until } from './store-node-process.js';
import { TEST_KEYS } from './tokens.js';

/** /readyz's status and the parts it names as not ready. */
async function readyz(port: number): Promise<{ status: number; notReady: string[]; checks: Record<string, Record<string, unknown>> }> {
  const { status, body } = await getJson(port, '/readyz');
  return { status, notReady: body!.notReady as string[], checks: body!.checks as Record<string, Record<string, unknown>> };
}

describe('/readyz is readiness, /healthz liveness', () => {
  const closers: (() => Promise<unknown>)[] = [];
  after(async () => {
    for (const close of closers.reverse()) await close().catch(() => {});
  });

  async function serve(node: GlassNode): Promise<Gateway> {
    closers.push(() => node.close());
    const gateway = await startGateway({ node, port: 0, host: '127.0.0.1', ...TEST_KEYS });
    closers.push(() => gateway.close());
    return gateway;
  }

  test('503 naming the workers while one is down, 200 again once its replacement runs', async () => {
    const gateway = await serve(await startDefaultNode({ workers: 2, logLevel: 'silent', store: MEMORY_STORE }));
    const ready = await readyz(gateway.port);
    assert.equal(ready.status, 200);
    assert.deepEqual(ready.notReady, []);
    assert.deepEqual({ ready: ready.checks.workers.ready, running: ready.checks.workers.running, of: ready.checks.workers.of }, { ready: true, running: 2, of: 2 });
    assert.equal(ready.checks.cluster, undefined, 'a single node has no cluster part');
    await gateway.node.supervisor.handles[0].worker.terminate();
    const down = await until('503 while worker 1 is down', async () => {
      const r = await readyz(gateway.port);
      return r.status === 503 ? r : undefined;
    });
    assert.deepEqual(down.notReady, ['workers']);
    assert.equal(down.checks.workers.running, 1);
    assert.equal((await getJson(gateway.port, '/healthz')).status, 200);
    await until('200 once the worker is back', async () => ((await readyz(gateway.port)).status === 200 ? true : undefined));
  });

  test('an outside CouchDB (COUCHDB_URL) is probed: 503 naming the store once it stops answering', async () => {
    const dir = tempDataDir('readyz-outside');
    closers.push(async () => dir.remove());
    const couch = await startEmbeddedCouch({ dataDir: dir.path });
    closers.push(() => couch.close());
    const gateway = await serve(await startDefaultNode({ workers: 1, logLevel: 'silent' }, { ...process.env, COUCHDB_URL: couch.url }));
    const ready = await readyz(gateway.port);
    assert.equal(ready.status, 200);
    assert.deepEqual({ ready: ready.checks.store.ready, outside: ready.checks.store.outside }, { ready: true, outside: true });
    // Not ours to restart: it stays down, and the node says so.
    couch.kill();
    const down = await until('503 naming the store', async () => {
      const r = await readyz(gateway.port);
      return r.status === 503 ? r : undefined;
    }, 20_000);
    assert.deepEqual(down.notReady, ['store']);
    assert.equal((await getJson(gateway.port, '/healthz')).status, 200);
  });

  test('in a cluster: 503 naming the cluster while Redis is unreachable, 200 once it is back', async () => {
    const redis = await OwnRedisServer.start();
    closers.push(() => redis.dispose());
    const node = await startClusterNode(
      { nodeId: `readyz-${process.pid}`, prefix: `readyz-${process.pid}`, redisUrl: redis.url, workers: 1, logLevel: 'silent', store: MEMORY_STORE, heartbeatMs: 100, downAfterMs: 1_000, clusterKey: randomBytes(32).toString('base64') },
      { ...process.env, GLASS_CLUSTER_KEY: '' },
    );
    const gateway = await serve(node);
    await until('ready in the cluster', async () => ((await readyz(gateway.port)).status === 200 ? true : undefined));
    assert.equal((await readyz(gateway.port)).checks.cluster.membership, 'connected');
    await redis.stop();
    const down = await until('503 while Redis is down', async () => {
      const r = await readyz(gateway.port);
      return r.status === 503 ? r : undefined;
    });
    assert.deepEqual(down.notReady, ['cluster']);
    assert.equal((await getJson(gateway.port, '/healthz')).status, 200);
    await redis.start();
    await until('200 once Redis is back', async () => ((await readyz(gateway.port)).status === 200 ? true : undefined), 20_000);
  });
});
