// The dip and recovery of a fault, computed from a run's timeline alone (bench/load/faults/fault-impact.ts),
// and the errors and reconnects of its window (bench/load/faults/counts-log.ts).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CountsLog } from '../../bench/load/faults/counts-log.js';
import { faultImpacts, type ImpactInput } from '../../bench/load/faults/fault-impact.js';
import { checkFaultTarget, FaultSpec } from '../../bench/load/faults/fault-plan.js';

/** Buckets of 1 s: delivered/s per bucket, t = the bucket's end. */
function timeline(rates: number[]): ImpactInput['timeline'] {
  return rates.map((deliveredPerSec, i) => ({ t: i + 1, deliveredPerSec }));
}

const base = { bucketMs: 1_000, rampUpMs: 2_000, durationMs: 12_000 };

test('a dip and a recovery: baseline from the steady buckets, the lowest bucket after the fault, back to ≥ 90 % for good', () => {
  //                     0   1    2    3    4    5   6    7    8    9   10   11 | drain
  const rates = timeline([50, 90, 100, 100, 100, 40, 60, 95, 100, 100, 100, 100, 10]);
  const [f] = faultImpacts({ ...base, timeline: rates, faultsAtMs: [5_200] });
  assert.equal(f.baselinePerSec, 100, 'buckets 3–4: one bucket after the ramp-up, ended before the fault');
  assert.equal(f.dipPerSec, 40);
  assert.equal(f.dipAtS, 6);
  assert.equal(f.dipShare, 0.4);
  assert.equal(f.recovered, true);
  assert.equal(f.recoveryMs, 7_000 - 5_200, 'to the start of bucket 7, from which every bucket is ≥ 90');
  assert.deepEqual(f.window, { fromMs: 5_200, toMs: 7_000 });
  assert.equal(f.reason, undefined);
});

test('a bucket that dips again later moves the recovery past it ("stays" ≥ 90 %)', () => {
  const rates = timeline([50, 90, 100, 100, 100, 40, 95, 80, 95, 100, 100, 100]);
  const [f] = faultImpacts({ ...base, timeline: rates, faultsAtMs: [5_000] });
  assert.equal(f.recoveryMs, 3_000, 'bucket 7 is under 90: recovered from bucket 8');
});

test('no visible dip: recovery 0, and the window is the fault’s own bucket', () => {
  const rates = timeline([50, 90, 100, 100, 100, 98, 100, 99, 100, 100, 100, 100]);
  const [f] = faultImpacts({ ...base, timeline: rates, faultsAtMs: [5_500] });
  assert.equal(f.recovered, true);
  assert.equal(f.recoveryMs, 0);
  assert.equal(f.dipPerSec, 98);
  assert.deepEqual(f.window, { fromMs: 5_500, toMs: 6_000 });
});

test('never back: not recovered, with the reason, and the window runs to the end of sending', () => {
  const rates = timeline([50, 90, 100, 100, 100, 40, 60, 70, 80, 85, 80, 85, 200]);
  const [f] = faultImpacts({ ...base, timeline: rates, faultsAtMs: [5_000] });
  assert.equal(f.recovered, false);
  assert.equal(f.recoveryMs, null);
  assert.match(f.reason!, /stayed under 90 % of the pre-fault mean \(100\/s\) until sending stopped at 12 s/);
  assert.deepEqual(f.window, { fromMs: 5_000, toMs: 12_000 });
  assert.equal(f.dipPerSec, 40, 'the drain bucket (index 12) is not part of the window');
});

test('two faults: the second’s window ends the first’s; its baseline leaves out the first’s impact', () => {
  //                     0   1    2    3    4   5   6    7    8    9   10   11
  const rates = timeline([50, 90, 140, 100, 100, 20, 70, 150, 100, 30, 110, 110]);
  const [a, b] = faultImpacts({ ...base, timeline: rates, faultsAtMs: [5_000, 9_000] });
  assert.equal(a.baselinePerSec, 100, 'bucket 2, the first after the ramp-up, settles');
  assert.equal(a.recoveryMs, 2_000);
  assert.deepEqual(a.window, { fromMs: 5_000, toMs: 7_000 });
  assert.equal(b.baselinePerSec, 100, 'buckets 3–4 and 8: not 5–6 (the fault), nor 7 (the held-up lines it brings back)');
  assert.equal(b.dipPerSec, 30);
  assert.equal(b.recoveryMs, 1_000);
});

test('a fault that did not recover leaves the next one the same baseline, and a fault during the ramp-up has none', () => {
  const rates = timeline([50, 90, 100, 100, 100, 20, 30, 30, 30, 10, 100, 100]);
  const [a, b] = faultImpacts({ ...base, timeline: rates, faultsAtMs: [5_000, 9_000] });
  assert.equal(a.recovered, false);
  assert.match(a.reason!, /until the next fault at 9 s/);
  assert.equal(b.baselinePerSec, 100);
  assert.equal(b.recoveryMs, 1_000);

  const [early] = faultImpacts({ ...base, timeline: rates, faultsAtMs: [2_900] });
  assert.equal(early.baselinePerSec, null);
  assert.equal(early.recovered, false);
  assert.match(early.reason!, /no steady bucket before the fault/);
});

test('the counts log gives the errors and reconnects between the last polls before each end of a window', () => {
  const log = new CountsLog();
  log.add({ atMs: 4_750, reconnects: 2, errors: { CLOSE_1006: 1 } });
  log.add({ atMs: 5_000, reconnects: 2, errors: { CLOSE_1006: 1 } });
  log.add({ atMs: 6_250, reconnects: 12, errors: { CLOSE_1006: 11, GLASS_ERR_ASK_TIMEOUT: 3 } });
  log.add({ atMs: 7_250, reconnects: 20, errors: { CLOSE_1006: 19, GLASS_ERR_ASK_TIMEOUT: 3 } });
  assert.deepEqual(log.between(5_100, 7_000), { reconnects: 10, errors: { CLOSE_1006: 10, GLASS_ERR_ASK_TIMEOUT: 3 } }, 'the polls at 5.0 s and 6.25 s');
  assert.deepEqual(log.between(5_100, 7_300), { reconnects: 18, errors: { CLOSE_1006: 18, GLASS_ERR_ASK_TIMEOUT: 3 } });
  assert.deepEqual(log.between(4_800, 5_900), { reconnects: 0, errors: {} }, 'no poll in between: nothing known');
  assert.deepEqual(log.between(9_000, 9_500), { reconnects: 0, errors: {} }, 'after the last poll: nothing known');
});

test('faults the target cannot carry out are refused, naming the fault', () => {
  const faults = (list: unknown[]): FaultSpec[] => list.map((f) => FaultSpec.parse(f));
  const cluster = { mode: 'cluster' as const, nodes: 2, workers: 2 };
  const single = { mode: 'in-process' as const, nodes: 1, workers: 2 };
  const remote = { mode: 'remote' as const, nodes: 0, workers: 0 };
  const cases: [unknown[], typeof cluster | typeof single | typeof remote, RegExp | null][] = [
    [[{ atMs: 1, action: 'kill-node', node: 1 }], cluster, null],
    [[{ atMs: 1, action: 'restart-redis' }, { atMs: 2, action: 'kill-worker' }], cluster, null],
    [[{ atMs: 1, action: 'kill-worker', node: 3 }], remote, null],
    [[{ atMs: 1, action: 'kill-node', node: 0 }], single, /faults\[0\] \(kill-node\) needs a local cluster/],
    [[{ atMs: 1, action: 'restart-redis' }], remote, /faults\[0\] \(restart-redis\) needs a local cluster/],
    [[{ atMs: 1, action: 'kill-node', node: 2 }], cluster, /there is no node 2/],
    [[{ atMs: 1, action: 'kill-worker', node: 0, worker: 2 }], cluster, /there is no worker 2/],
    [[{ atMs: 1, action: 'kill-node', node: 0 }, { atMs: 2, action: 'kill-node', node: 1 }], cluster, /kill every node/],
    [[{ atMs: 1, action: 'kill-node', node: 1 }, { atMs: 2, action: 'kill-node', node: 1 }], cluster, /killed twice/],
    [[{ atMs: 1, action: 'kill-node', node: 1 }, { atMs: 2, action: 'kill-worker', node: 1 }], cluster, /node 1 was killed at 1 ms/],
  ];
  for (const [list, target, refused] of cases) {
    if (refused === null) assert.doesNotThrow(() => checkFaultTarget(faults(list), target), JSON.stringify(list));
    else assert.throws(() => checkFaultTarget(faults(list), target), refused, JSON.stringify(list));
  }
  assert.throws(() => FaultSpec.parse({ atMs: 1, action: 'kill-node' }), 'kill-node needs its node');
  assert.throws(() => FaultSpec.parse({ atMs: 1, action: 'partition' }));
  assert.throws(() => FaultSpec.parse({ atMs: 1, action: 'restart-redis', node: 0 }), 'unknown fields are refused');
});
