// `glass bench run` with every kind of traffic, through the real CLI against a local node it starts
// itself: players chatting, taking session turns, hopping rooms and churning, while moderators send
// overrides audited in the test PostgreSQL (the run's own schema, dropped afterwards). Then the
// per-hop report in the JSON, the table and the HTML, and `compare` against a version 1 file.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { promisify } from 'node:util';
import { sql, testPgUrl } from '../integration/audit-harness.js';
import { GLASS_BIN } from './ops-harness.js';

const run = promisify(execFile);

const SCENARIO = {
  name: 'traffic',
  players: 30,
  rooms: 6,
  linesPerSecondPerPlayer: 1,
  rampUpMs: 1_000,
  durationMs: 8_000,
  loadProcesses: 2,
  reconnectEvery: 3_000,
  sessions: 3,
  // The scenarios' rate. A session narrates about one turn a second (the offline narrator's pace);
  // turns past its bounded queue are refused with GLASS_ERR_TURN_QUEUE_FULL, counted as backpressure.
  turnsPerMinutePerPlayer: 6,
  hopEvery: 2_500,
  moderators: 2,
  overridesPerMinute: 60,
  overrideHoldMs: 500,
  drainMs: 2_000,
};

const HOP_KINDS = ['say', 'turn', 'join', 'leave', 'resume', 'override'];
const MODERATION_CODES = new Set(['GLASS_ERR_MUTED', 'GLASS_ERR_PAUSED']);
const BACKPRESSURE_CODES = new Set(['GLASS_ERR_TURN_QUEUE_FULL', 'GLASS_ERR_RULES_BUSY']);

let dir = '';
let stdout = '';
let stderr = '';
let json: any;
let jsonPath = '';
let html = '';

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'glass-traffic-'));
  await writeFile(join(dir, 'traffic.json'), JSON.stringify(SCENARIO));
  // The CI's PostgreSQL, named explicitly: the run makes its own schema there and drops it.
  const env = { ...process.env, GLASS_PG_URL: await testPgUrl() };
  ({ stdout, stderr } = await run(process.execPath, [GLASS_BIN, 'bench', 'run', join(dir, 'traffic.json'), '--local', '--workers', '1', '--out', join(dir, 'out')], { env, timeout: 50_000 }));
  const files = await readdir(join(dir, 'out'));
  const name = files.find((f) => /^traffic-.*\.json$/.test(f));
  assert.ok(name, `no JSON result in ${files.join(', ')}`);
  jsonPath = join(dir, 'out', name);
  json = JSON.parse(await readFile(jsonPath, 'utf8'));
  html = await readFile(jsonPath.replace(/\.json$/, '.html'), 'utf8');
});

after(() => rm(dir, { recursive: true, force: true }));

test('every hop kind has samples, with ordered percentiles', () => {
  assert.equal(json.version, 2);
  for (const kind of HOP_KINDS) {
    const h = json.hops[kind];
    assert.ok(h !== undefined && h.sent > 0 && h.count > 0, `${kind}: ${JSON.stringify(h)}`);
    assert.ok(h.p50 > 0 && h.p50 <= h.p90 && h.p90 <= h.p99 && h.p99 <= h.p999 && h.p999 <= h.max, `${kind}: ${JSON.stringify(h)}`);
    if (kind !== 'say') assert.ok(h.count + h.refused <= h.sent, `${kind}: no more answers than frames`);
  }
  assert.equal(json.hops.say.count, json.totals.delivered);
  assert.deepEqual(json.hops.say.p99, json.latencyMs.p99);
});

test('overrides are audited and applied, none refused; the run schema is dropped afterwards', async () => {
  const m = json.moderation;
  assert.match(m.auditLog, /schema glass_bench_\w+ \(dropped after the run\)/);
  assert.deepEqual(m.refused, {});
  assert.ok(m.applied > 0, JSON.stringify(m));
  assert.equal(m.applied, json.hops.override.count);
  const sent = Object.values(m.overrides as Record<string, number>).reduce((a, n) => a + n, 0);
  assert.equal(sent, json.hops.override.sent);
  // Lifts answer the mutes and pauses: never more unmutes than mutes, or resumes than pauses.
  assert.ok((m.overrides.unmute ?? 0) <= (m.overrides.mute ?? 0) && (m.overrides.resume ?? 0) <= (m.overrides.pause ?? 0), JSON.stringify(m.overrides));
  const schema = /schema (glass_bench_\w+)/.exec(m.auditLog)![1];
  assert.deepEqual(await sql('SELECT nspname FROM pg_namespace WHERE nspname = $1', [schema]), []);
  assert.doesNotMatch(stderr, /will be refused/);
});

test('no errors but the refusals moderators cause, and no line lost', () => {
  assert.deepEqual(json.totals.errors, {}, 'errors');
  for (const code of Object.keys(json.moderation.moderated)) assert.ok(MODERATION_CODES.has(code), code);
  // Backpressure is its own figure: an object of counts by code, only the codes of bounded queues.
  assert.equal(typeof json.totals.backpressure, 'object');
  for (const [code, n] of Object.entries(json.totals.backpressure as Record<string, number>)) assert.ok(BACKPRESSURE_CODES.has(code) && n > 0, code);
  assert.match(stdout, /^refused as backpressure \(not errors\)\s+\d/m);
  assert.equal(json.totals.lost, 0, 'every member got every line of its memberships');
  assert.ok(json.totals.reconnects > 0, 'churn reconnected players');
  assert.equal(json.totals.resyncs, 0);
});

test('the table and the HTML report have a row per hop kind and the moderation figures', () => {
  for (const row of ['say → said', 'turn → turn-accepted', 'join → joined', 'leave → left', 'resume → resume-token', 'override → override-applied']) {
    assert.match(stdout, new RegExp(`^${row}.*\\d`, 'm'), row);
    assert.match(html, new RegExp(`<tr><td>${row}`), row);
  }
  assert.match(stdout, /^overrides: \d+ sent .* \d+ applied, refused: none$/m);
  assert.match(html, /<h2>Hops<\/h2>/);
  assert.equal(html.match(/<svg /g)?.length, 5, 'latency over time, throughput over time, distribution, CPU and memory of the node');
  assert.doesNotMatch(html, /<script|src=|href=/, 'self-contained');
});

test('compare reads a version 1 file beside a version 2 one: per-kind p99s, "—" where missing', async () => {
  const { hops: _hops, moderation: _moderation, ...rest } = json;
  const v1Path = join(dir, 'v1.json');
  await writeFile(v1Path, JSON.stringify({ ...rest, version: 1 }));
  const { stdout: table } = await run(process.execPath, [GLASS_BIN, 'bench', 'compare', v1Path, jsonPath]);
  assert.match(table.split('\n').find((l) => l.startsWith('hop latency p99 (ms)'))!, /1\.00$/);
  for (const kind of ['turn → turn-accepted', 'join → joined', 'override → override-applied']) {
    const row = table.split('\n').find((l) => l.startsWith(`${kind} p99 (ms)`));
    assert.ok(row, `${kind} in\n${table}`);
    assert.match(row, /^\S.*\s—\s+\d[\d.]*\s+—$/, row);
  }
  const { stdout: same } = await run(process.execPath, [GLASS_BIN, 'bench', 'compare', jsonPath, jsonPath]);
  assert.match(same.split('\n').find((l) => l.startsWith('turn → turn-accepted p99 (ms)'))!, /1\.00$/);
});
