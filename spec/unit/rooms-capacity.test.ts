// The rooms scenario's capacity search against synthetic sides: a side whose p99 rises with the
// offered rate and that stops keeping up past a saturation point. The search must bracket every
// budget, bisect inside the bracket, and report the best rate that met each budget.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CapacitySearch, DEFAULT_CAPACITY, meets, type Probe } from '../../bench/rooms/capacity.js';

/** p99 grows linearly from 2 ms to `p99At` ms at `knee` lines/s; past `saturate` it delivers half. */
function side(rate: number, knee: number, p99At: number, saturate: number): Probe {
  const offered = rate * 20;
  return { rate, offeredDeliveriesPerSec: offered, deliveredPerSec: rate > saturate ? offered / 2 : offered, p99Ms: 2 + ((p99At - 2) * rate) / knee };
}

function search(probe: (rate: number) => Probe, startRate = 1_000) {
  const s = new CapacitySearch({ ...DEFAULT_CAPACITY, startRate, bisectProbes: 4 });
  for (let rate = s.next(); rate !== null; rate = s.next()) s.record(probe(rate));
  return s;
}

test('each budget is bracketed and narrowed: the 150 ms and 20 ms capacities of a side whose p99 grows with load', () => {
  // p99 = 2 + 148·rate/10,000: under 150 ms below 10,000 lines/s, under 20 ms below ≈ 1,216.
  const s = search((rate) => side(rate, 10_000, 150, Infinity));
  const [wide, tight] = s.result();
  assert.equal(wide.budgetMs, 150);
  assert.ok(wide.rate !== null && wide.rate < 10_000 && wide.failedAt !== null && wide.failedAt >= 10_000, JSON.stringify(wide));
  // Four geometric bisections of the ×1.5 bracket: within ≈ 3 % of the true capacity.
  assert.ok(wide.rate! > 9_500, JSON.stringify(wide));
  assert.equal(tight.budgetMs, 20);
  assert.ok(tight.rate !== null && tight.rate < 1_217 && tight.rate > 1_100, JSON.stringify(tight));
  for (const p of s.probes.filter((p) => p.rate === wide.rate)) assert.ok(meets(p, 150, 0.9));
});

test('a side that stops keeping up fails every budget past its saturation, whatever its latency', () => {
  const s = search((rate) => side(rate, 1e9, 150, 4_000));
  const [wide] = s.result();
  assert.ok(wide.rate !== null && wide.rate <= 4_000 && wide.rate > 3_700, JSON.stringify(wide));
  assert.ok(wide.failedAt !== null && wide.failedAt > 4_000);
});

test('a start rate that misses the widest budget ramps down until a probe meets it, then bisects that bracket', () => {
  // p99 = 2 + 148·rate/500: under 150 ms below 500 lines/s, under 20 ms below ≈ 61.
  const s = search((rate) => side(rate, 500, 150, Infinity));
  assert.deepEqual(s.probes.slice(0, 3).map((p) => p.rate), [1_000, 667, 445], 'down by the factor from the start');
  const [wide, tight] = s.result();
  assert.ok(wide.rate !== null && wide.rate >= 445 && wide.rate < 500 && wide.failedAt !== null && wide.failedAt <= 667, JSON.stringify(wide));
  assert.equal(tight.rate, null, 'the ramp stops at the first rate meeting the widest budget: the tight one is not bracketed');
});

test('a side that misses every budget down the whole ramp reports null, and one that never fails reports a lower bound', () => {
  const slow = search((rate) => side(rate, 10, 150, Infinity));
  assert.deepEqual(slow.result().map((c) => c.rate), [null, null]);
  assert.equal(slow.probes.length, DEFAULT_CAPACITY.maxRampProbes);
  assert.ok(slow.probes.every((p, i) => i === 0 || p.rate < slow.probes[i - 1]!.rate), 'each probe lower than the one before');
  const fast = search((rate) => side(rate, 1e12, 150, Infinity));
  const [wide] = fast.result();
  assert.equal(wide.failedAt, null);
  assert.equal(fast.probes.length, DEFAULT_CAPACITY.maxRampProbes);
  assert.equal(wide.rate, Math.max(...fast.probes.map((p) => p.rate)));
});

test('a start rate below 1 or a factor of 1 is refused', () => {
  assert.throws(() => new CapacitySearch({ ...DEFAULT_CAPACITY, startRate: 0 }), RangeError);
  assert.throws(() => new CapacitySearch({ ...DEFAULT_CAPACITY, startRate: 10, factor: 1 }), RangeError);
});
