// The rooms benchmark with its peer through the real CLI: a tiny run of `bench rooms --json` puts
// the same players, rooms and rates on our node + gateway, the bare uWS relay and a Colyseus server
// (bench/peers, installed by CI), and its last line holds every side's figures; `--peer none`
// keeps the two-sided run. The CLI returns once every slice has drained: nothing to wait for here.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { before, test } from 'node:test';
import { promisify } from 'node:util';
import { colyseusAvailability } from '../../bench/rooms/peer-packages.js';

const run = promisify(execFile);
const BENCH = new URL('../../bench/run.js', import.meta.url).pathname;
/** A few hundred lines per side; the drain is long enough that a busy machine still delivers every line before the loss check. */
const TINY = ['--players', '20', '--rooms', '4', '--rate', '100', '--slices', '1', '--warmup-ms', '300', '--measure-ms', '1000', '--drain-ms', '1000'];

async function rooms(...extra: string[]): Promise<any> {
  const { stdout } = await run(process.execPath, [BENCH, 'rooms', '--json', ...TINY, ...extra], { timeout: 60_000, maxBuffer: 16 * 1024 * 1024 });
  const last = stdout.trim().split('\n').pop() ?? '';
  return JSON.parse(last);
}

let threeSided: any;
let twoSided: any;

before(async () => {
  const availability = colyseusAvailability();
  if (!availability.installed) assert.fail(`the rooms scenario cannot run its peer: ${availability.reason} (.ci/run installs it)`);
  threeSided = await rooms();
  twoSided = await rooms('--peer', 'none');
});

test('the peer runs as a third side: Colyseus on its uWS transport, every peer figure a positive number', () => {
  assert.equal(threeSided.scenario, 'rooms');
  assert.equal(threeSided.peer, 'colyseus', `peerReason: ${threeSided.peerReason}`);
  assert.equal(threeSided.peerTransport, 'uws');
  assert.equal(threeSided.peerReason, null);
  for (const key of ['peerDeliveredPerSec', 'peerP99Ms', 'peerDeliveredPerCpuSec', 'ratioVsPeer']) {
    assert.ok(typeof threeSided[key] === 'number' && threeSided[key] > 0, `${key}: ${threeSided[key]}`);
  }
  const ratio = threeSided.deliveredPerCpuSec / threeSided.peerDeliveredPerCpuSec;
  assert.ok(Math.abs(threeSided.ratioVsPeer - ratio) < 0.001, `ratioVsPeer ${threeSided.ratioVsPeer} = ours ${threeSided.deliveredPerCpuSec} / peer ${threeSided.peerDeliveredPerCpuSec}`);
  assert.equal(threeSided.peerFigures.p99Ms, threeSided.peerP99Ms);
});

test('every side delivers every line to every member of its room, with no error frame', () => {
  assert.deepEqual(
    threeSided.slices.map((s: any) => s.side),
    ['ours', 'baseline', 'peer'],
    'one slice per side, in the order of the first round',
  );
  for (const s of threeSided.slices) {
    assert.ok(s.sent > 0, `${s.tag} ${s.side} sent lines`);
    assert.equal(s.undelivered, 0, `${s.tag} ${s.side}: undelivered`);
    assert.equal(s.strays, 0, `${s.tag} ${s.side}: strays`);
    assert.deepEqual(s.errors, {}, `${s.tag} ${s.side}: errors`);
  }
  for (const side of [threeSided.ours, threeSided.baseline, threeSided.peerFigures]) {
    assert.equal(side.undelivered, 0);
    assert.ok(side.latencySamples > 0);
  }
});

test('--peer none runs ours and the baseline only, and says why there is no peer', () => {
  assert.equal(twoSided.peer, null);
  assert.match(twoSided.peerReason, /--peer none/);
  assert.equal(twoSided.ratioVsPeer, null);
  assert.equal(twoSided.peerDeliveredPerCpuSec, null);
  assert.deepEqual(
    twoSided.slices.map((s: any) => s.side),
    ['ours', 'baseline'],
  );
  for (const s of twoSided.slices) assert.equal(s.undelivered, 0, `${s.tag} ${s.side}: undelivered`);
  assert.ok(twoSided.ratio > 0);
});
