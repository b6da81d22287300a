// `glass bench run` and `glass bench compare` through the real CLI: a tiny scenario (with churn)
// against a local node + gateway that the command starts itself, then the JSON, the HTML report
// and the comparison of the run with itself.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { promisify } from 'node:util';
import { GLASS_BIN } from './ops-harness.js';

const run = promisify(execFile);

const SCENARIO = {
  name: 'tiny',
  players: 6,
  rooms: 2,
  linesPerSecondPerPlayer: 5,
  rampUpMs: 300,
  durationMs: 2_000,
  loadProcesses: 2,
  reconnectEvery: 900,
};

let dir = '';
let stdout = '';
let json: any;
let jsonPath = '';
let html = '';

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'glass-load-'));
  await writeFile(join(dir, 'tiny.json'), JSON.stringify(SCENARIO));
  // The command returns once the run, its drain and the reports are done: no waiting on our side.
  ({ stdout } = await run(process.execPath, [GLASS_BIN, 'bench', 'run', join(dir, 'tiny.json'), '--local', '--workers', '1', '--out', join(dir, 'out')], { timeout: 20_000 }));
  const files = await readdir(join(dir, 'out'));
  const name = files.find((f) => /^tiny-.*\.json$/.test(f));
  assert.ok(name, `no JSON result in ${files.join(', ')}`);
  jsonPath = join(dir, 'out', name);
  json = JSON.parse(await readFile(jsonPath, 'utf8'));
  html = await readFile(jsonPath.replace(/\.json$/, '.html'), 'utf8');
});

after(() => rm(dir, { recursive: true, force: true }));

test('every line is heard by the other members of its room, with sane hop latency and no error', () => {
  assert.equal(json.kind, 'glass-bench-load');
  assert.deepEqual(json.totals.errors, {});
  assert.ok(json.totals.sent > 0, 'lines were sent');
  // Rooms of 3: each line is heard by the 2 others, live or replayed after a resume — except the
  // few said during the ramp-up before a room-mate had joined, or in flight as a socket dropped.
  assert.ok(json.totals.delivered > 0, 'lines were heard');
  assert.ok(json.totals.delivered + json.totals.replayed >= 2 * json.totals.sent * 0.8, `heard ${json.totals.delivered} + replayed ${json.totals.replayed} for ${json.totals.sent} sent`);
  assert.ok(json.totals.reconnects > 0, 'churn reconnected players');
  assert.equal(json.totals.resyncs, 0, 'resumes within the window replay, not resync');
  assert.equal(json.totals.lost, 0, 'no seq skipped on a membership, none missing after the drain');
  const l = json.latencyMs;
  assert.equal(l.count, json.totals.delivered);
  assert.ok(l.p50 > 0 && l.p50 <= l.p90 && l.p90 <= l.p99 && l.p99 <= l.p999 && l.p999 <= l.max, JSON.stringify(l));
  assert.ok(l.max < 5_000, `max hop latency ${l.max} ms over loopback`);
  assert.ok(json.timeline.length >= 2, 'one point per second');
  assert.ok(json.timeline.some((b: any) => b.deliveredPerSec > 0 && b.p99 !== null));
});

test('the terminal table and the HTML report carry the figures and the plots', () => {
  assert.match(stdout, /hop latency p99 \(ms\)/);
  assert.match(stdout, new RegExp(`json: .*${jsonPath.split('/').pop()!.replace(/\./g, '\\.')}`));
  assert.match(html, /^<!doctype html>/);
  assert.equal(html.match(/<svg /g)?.length, 5, 'latency over time, throughput over time, distribution, CPU and memory of the node');
  assert.match(html, /<polyline /);
  assert.doesNotMatch(html, /<script|src=|href=/, 'self-contained');
});

test('compare of a run with itself shows ratios of 1.00', async () => {
  const { stdout: table } = await run(process.execPath, [GLASS_BIN, 'bench', 'compare', jsonPath, jsonPath]);
  for (const figure of ['lines heard / s', 'hop latency p50 (ms)', 'hop latency p99 (ms)', 'reconnects']) {
    const row = table.split('\n').find((line) => line.startsWith(figure));
    assert.ok(row, `${figure} in\n${table}`);
    assert.match(row, /1\.00$/, row);
  }
});

test('a scenario that breaks the format is refused with the field named, exit 2', async () => {
  await writeFile(join(dir, 'bad.json'), JSON.stringify({ ...SCENARIO, rooms: 7 }));
  await assert.rejects(run(process.execPath, [GLASS_BIN, 'bench', 'run', join(dir, 'bad.json'), '--local']), (err: any) => {
    assert.equal(err.code, 2);
    assert.match(err.stderr, /rooms: rooms must not exceed players/);
    return true;
  });
});
