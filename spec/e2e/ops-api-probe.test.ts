// The load harness samples a remote cluster's nodes through the ops API (bench/load/resources/ops-api-probe.ts):
// against a real node and gateway, each node's CPU, RSS and worker utilisation per sample.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { OpsApiProbe, opsBaseOf } from '../../bench/load/resources/ops-api-probe.js';
import { startOpsNode, type OpsNode } from './ops-harness.js';

let ops: OpsNode;

before(async () => {
  ops = await startOpsNode('ops-probe');
});

after(() => ops.close());

test('the gateway URL gives the ops API base', () => {
  assert.equal(opsBaseOf('ws://127.0.0.1:9001/ws'), 'http://127.0.0.1:9001');
  assert.equal(opsBaseOf('wss://play.example/ws'), 'https://play.example');
});

test('each sample has every node with CPU, RSS and its workers; a refused token is a missed sample', async () => {
  const probe = new OpsApiProbe({ base: ops.base, token: await ops.token(['ops']), timeoutMs: 5_000 });
  assert.deepEqual(await probe.nodeIds(), ['ops-probe']);
  for (const t of [0, 1, 2]) await probe.sample(t);
  const [series] = probe.series();
  assert.equal(series.name, 'ops-probe');
  assert.equal(series.source, 'ops-api');
  assert.deepEqual(series.samples.map((s) => s.t), [1, 2], 't = 0 is the baseline');
  for (const s of series.samples) {
    assert.equal(typeof s.cpuPct, 'number');
    assert.ok(s.rssMb! > 20);
    assert.deepEqual(s.threads!.map((w) => w.thread), [1, 2]);
  }
  assert.equal(probe.missed, 0);

  const refused = new OpsApiProbe({ base: ops.base, token: await ops.token(['player']), timeoutMs: 5_000 });
  await refused.sample(1);
  assert.equal(refused.missed, 1);
  await assert.rejects(refused.nodeIds(), /HTTP 403/);
});
