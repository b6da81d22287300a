// `glass bench run --local --nodes 2` through the real CLI: the harness starts a private Redis, a
// state store and two `glass start` processes, spreads the players over both gateways, restarts
// Redis and SIGKILLs a node during the run, samples every node's CPU and memory, and reports each
// fault's dip and recovery — then tears it all down.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { promisify } from 'node:util';
import { GLASS_BIN } from './ops-harness.js';

const run = promisify(execFile);

const SCENARIO = {
  name: 'faults',
  players: 40,
  rooms: 8,
  linesPerSecondPerPlayer: 2,
  rampUpMs: 2_000,
  durationMs: 13_000,
  loadProcesses: 2,
  faults: [
    // Both nodes up: cross-node lines go through the Redis that restarts (empty).
    { atMs: 5_500, action: 'restart-redis' },
    { atMs: 9_000, action: 'kill-node', node: 1 },
  ],
};

let dir = '';
let stdout = '';
let json: any;
let html = '';

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'glass-load-faults-'));
  await writeFile(join(dir, 'faults.json'), JSON.stringify(SCENARIO));
  // The command returns once the run, its reports and the teardown are done: no waiting on our side.
  ({ stdout } = await run(process.execPath, [GLASS_BIN, 'bench', 'run', join(dir, 'faults.json'), '--local', '--nodes', '2', '--workers', '1', '--out', join(dir, 'out')], { timeout: 55_000 }));
  const files = await readdir(join(dir, 'out'));
  const name = files.find((f) => /^faults-.*\.json$/.test(f));
  assert.ok(name, `no JSON result in ${files.join(', ')}`);
  json = JSON.parse(await readFile(join(dir, 'out', name), 'utf8'));
  html = await readFile(join(dir, 'out', name.replace(/\.json$/, '.html')), 'utf8');
});

after(() => rm(dir, { recursive: true, force: true }));

/** Whether something accepts connections on the port (the teardown must have closed it). */
function listening(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => (socket.destroy(), resolve(true)));
    socket.once('error', () => resolve(false));
  });
}

test('both nodes served players, and CPU and RSS of each node were sampled every second', () => {
  assert.deepEqual(json.cluster.nodes.map((n: any) => n.id), ['node-0', 'node-1']);
  assert.equal(json.target.local, true);
  const series = new Map<string, any>(json.resources.series.map((s: any) => [s.name, s]));
  for (const id of ['node-0', 'node-1']) {
    const s = series.get(id);
    assert.ok(s, `a series for ${id}`);
    assert.equal(s.role, 'node');
    assert.equal(s.source, 'proc');
    assert.ok(s.samples.length >= 10, `${id}: ${s.samples.length} samples`);
    const before = s.samples.filter((p: any) => p.t <= 8);
    assert.ok(before.every((p: any) => typeof p.cpuPct === 'number' && p.rssMb > 20), `${id} sampled while up: ${JSON.stringify(before)}`);
    assert.ok(s.summary.maxCpuPct > 0 && s.summary.maxRssMb > 20, JSON.stringify(s.summary));
  }
  const killed = series.get('node-1').samples.filter((p: any) => p.t >= 10);
  assert.ok(killed.length > 0 && killed.every((p: any) => p.cpuPct === null && p.rssMb === null), 'node-1 is gone after its SIGKILL');
  assert.ok([...series.values()].some((s) => s.role === 'load'), 'the load processes are sampled too');
  assert.ok(series.has('redis-server'));
  assert.match(stdout, /node-0\s+node\s+proc/);
});

test('both faults are reported with their dip and a recovery time', () => {
  assert.equal(json.faults.length, 2);
  const [redis, kill] = json.faults;
  assert.equal(redis.action, 'restart-redis');
  assert.equal(kill.action, 'kill-node');
  assert.match(kill.detail, /SIGKILL node-1/);
  for (const f of json.faults) {
    assert.equal(f.ok, true, `${f.action} carried out: ${f.error}`);
    assert.ok(f.firedAtMs >= f.atMs, `${f.action} fired at ${f.firedAtMs}`);
    assert.ok(f.baselinePerSec > 0, `${f.action} has a baseline`);
    assert.equal(typeof f.dipShare, 'number');
    assert.equal(f.recovered, true, `${f.action} recovered: ${f.reason}`);
    assert.equal(typeof f.recoveryMs, 'number');
    assert.ok(f.recoveryMs >= 0);
  }
  // The killed node's players dropped and resumed on the other node.
  assert.ok(kill.errors.CLOSE_1006 > 0, JSON.stringify(kill.errors));
  assert.ok(json.totals.reconnects >= 1);
  assert.match(stdout, /restart-redis/);
  assert.match(stdout, /kill-node node 1/);
});

test('lines are still heard after each fault, to the end of the run', () => {
  const whole = json.timeline.filter((b: any) => b.t <= SCENARIO.durationMs / 1000);
  for (const f of json.faults) {
    const after = whole.filter((b: any) => b.t * 1000 > f.firedAtMs + 2_000);
    assert.ok(after.length > 0 && after.every((b: any) => b.deliveredPerSec > 0), `${f.action}: ${JSON.stringify(after)}`);
  }
  assert.ok(whole[whole.length - 1].deliveredPerSec > 0);
});

test('the HTML report plots CPU per node and marks the faults; the cluster is gone afterwards', async () => {
  assert.match(html, /CPU per node over time/);
  assert.equal(html.match(/<svg /g)?.length, 5, 'latency, throughput, distribution, CPU, memory');
  const throughput = html.slice(html.indexOf('Throughput over time'));
  assert.equal(throughput.slice(0, throughput.indexOf('</svg>')).match(/stroke-dasharray/g)?.length, 2, 'one line per fault');
  assert.match(html, /<h2>Faults<\/h2>/);
  assert.doesNotMatch(html, /<script|src=|href=/, 'self-contained');
  for (const node of json.cluster.nodes) assert.equal(await listening(Number(new URL(node.url).port)), false, `${node.id} stopped`);
  assert.equal(await listening(Number(new URL(json.cluster.redisUrl).port)), false, 'redis stopped');
  assert.equal(await listening(Number(new URL(json.cluster.storeUrl).port)), false, 'store stopped');
});

test('faults the target cannot carry out are refused before anything starts (exit 2)', async () => {
  await writeFile(join(dir, 'kill.json'), JSON.stringify({ ...SCENARIO, faults: [{ atMs: 1_000, action: 'kill-node', node: 0 }] }));
  await assert.rejects(run(process.execPath, [GLASS_BIN, 'bench', 'run', join(dir, 'kill.json'), '--local']), (err: any) => {
    assert.equal(err.code, 2);
    assert.match(err.stderr, /faults\[0\] \(kill-node\) needs a local cluster the harness started: --local --nodes N/);
    return true;
  });
  await writeFile(join(dir, 'late.json'), JSON.stringify({ ...SCENARIO, faults: [{ atMs: 20_000, action: 'restart-redis' }] }));
  await assert.rejects(run(process.execPath, [GLASS_BIN, 'bench', 'run', join(dir, 'late.json'), '--local', '--nodes', '2']), (err: any) => {
    assert.equal(err.code, 2);
    assert.match(err.stderr, /faults: every fault must come before durationMs/);
    return true;
  });
});
