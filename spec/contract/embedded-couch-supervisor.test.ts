import assert from 'node:assert/strict';
import { once } from 'node:events';
import { after, describe, test } from 'node:test';
import { createCouchStateStore, SupervisedCouch, type SupervisedCouchOptions } from '../../cluster/index.js';
import { StoreUnavailableError } from '../../runtime/index.js';
import { dbNamer, tempDataDir } from './couch-harness.js';

const nextDb = dbNamer('glass_supervised');

describe('SupervisedCouch: the embedded server watched and restarted', () => {
  const dirs: { remove(): void }[] = [];
  const started: SupervisedCouch[] = [];
  async function start(options: Omit<SupervisedCouchOptions, 'dataDir'> = {}): Promise<SupervisedCouch> {
    const dir = tempDataDir('supervised-couch');
    dirs.push(dir);
    const couch = await SupervisedCouch.start({ dataDir: dir.path, restartBackoff: { minMs: 20, maxMs: 500, randomFactor: 0.2 }, ...options });
    started.push(couch);
    return couch;
  }
  after(async () => {
    await Promise.allSettled(started.map((c) => c.close()));
    dirs.forEach((d) => d.remove());
  });

  test('a child killed (SIGKILL) is restarted on the same port and secret: the URL the stores hold works again, and a save made during the outage waits for it', async () => {
    const couch = await start();
    const store = createCouchStateStore({ url: couch.url, db: nextDb(), retry: { initialDelayMs: 20, maxTotalMs: 10_000 } });
    try {
      const v1 = await store.save('room', 'a', { n: 1 }, null, 1);
      const statuses: string[] = [];
      couch.on('status', (s) => statuses.push(s));
      const restarted = once(couch, 'restarted');
      const firstPid = couch.pid;
      process.kill(firstPid, 'SIGKILL');
      await once(couch, 'status');
      assert.equal(couch.status, 'restarting');
      // Saved while the child is down: couch-http retries until the restarted child answers.
      const v2 = await store.save('room', 'a', { n: 2 }, v1, 1);
      const [restarts, pid] = await restarted;
      assert.equal(restarts, 1);
      assert.notEqual(pid, firstPid);
      assert.equal(couch.status, 'up');
      assert.deepEqual(statuses, ['restarting', 'up']);
      assert.equal(couch.lastExit?.signal, 'SIGKILL');
      assert.deepEqual(await store.load('room', 'a'), { state: { n: 2 }, version: v2, epoch: 1 });
      assert.equal(new URL(couch.url).port, String(couch.port));
    } finally {
      await store.close();
    }
  });

  test('a child that stops answering (SIGSTOP) fails its probe, is killed and restarted', async () => {
    const couch = await start({ probeIntervalMs: 50, probeTimeoutMs: 100, probeFailures: 2 });
    const unresponsive = once(couch, 'unresponsive');
    const restarted = once(couch, 'restarted');
    const stuck = couch.pid;
    process.kill(stuck, 'SIGSTOP');
    const [pid, failures] = await unresponsive;
    assert.equal(pid, stuck);
    assert.equal(failures, 2);
    await restarted;
    assert.equal(couch.lastExit?.signal, 'SIGKILL');
    const res = await fetch(couch.safeUrl, { headers: { authorization: `Basic ${Buffer.from(`${new URL(couch.url).username}:${new URL(couch.url).password}`).toString('base64')}` } });
    assert.equal(res.status, 200);
  });

  test('past the store\'s retry bound a save fails typed (GLASS_ERR_STORE_FAILED), and close() ends supervision', async () => {
    // A probe that never runs within the test: the stopped child is not replaced.
    const couch = await start({ probeIntervalMs: 600_000 });
    const store = createCouchStateStore({ url: couch.url, db: nextDb(), retry: { initialDelayMs: 10, maxTotalMs: 300 }, requestTimeoutMs: 100 });
    try {
      await store.save('room', 'b', { n: 1 }, null, 1);
      process.kill(couch.pid, 'SIGSTOP');
      await assert.rejects(store.save('room', 'b', { n: 2 }, null, 1), (err: unknown) => err instanceof StoreUnavailableError && err.code === 'GLASS_ERR_STORE_FAILED');
      process.kill(couch.pid, 'SIGCONT');
    } finally {
      await store.close();
    }
    const pid = couch.pid;
    await couch.close();
    assert.equal(couch.status, 'closed');
    assert.throws(() => process.kill(pid, 0), { code: 'ESRCH' });
  });

  test('options are guarded', async () => {
    for (const [option, value] of [['probeIntervalMs', 0], ['probeTimeoutMs', -1], ['probeFailures', 0]] as const) {
      await assert.rejects(SupervisedCouch.start({ dataDir: '/nonexistent', [option]: value }), { code: 'GLASS_ERR_INVALID_OPTION' }, option);
    }
  });
});
