// The hub hop's two pieces without a gateway: the per-connection timer (one say measured at a
// time, a stale sample dropped after the ask timeout) and the typed-array histogram as prom-client's
// registry exposes it (cumulative buckets, +Inf, sum, count, the registry's default labels).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Registry } from 'prom-client';
import { HubHopTimer } from '../../clients/gateway/hub-hop.js';
import { HUB_HOP_BUCKETS, HubHopHistogram } from '../../clients/ops/hub-hop-histogram.js';

test('a connection measures one say at a time; the callback is the same function every time', async () => {
  const seen: number[] = [];
  const timer = new HubHopTimer((s) => seen.push(s), 5_000);
  const first = timer.begin();
  assert.equal(typeof first, 'function');
  assert.equal(timer.begin(), undefined, 'a say while the measured one is unanswered is not measured');
  await new Promise((resolve) => setTimeout(resolve, 5));
  first!();
  assert.equal(seen.length, 1);
  assert.ok(seen[0] >= 0.004 && seen[0] < 1, `${seen[0]} s`);
  first!(); // a second call (no sample open) observes nothing
  assert.equal(seen.length, 1);
  const second = timer.begin();
  assert.equal(second, first);
  second!();
  assert.equal(seen.length, 2);
});

test('a measured say never answered (it failed) stops blocking once older than the ask timeout', async () => {
  const seen: number[] = [];
  const timer = new HubHopTimer((s) => seen.push(s), 10);
  assert.notEqual(timer.begin(), undefined);
  assert.equal(timer.begin(), undefined);
  await new Promise((resolve) => setTimeout(resolve, 15));
  const next = timer.begin();
  assert.notEqual(next, undefined);
  next!();
  assert.equal(seen.length, 1);
  assert.ok(seen[0] < 0.01, 'measured from the new say, not the stale one');
});

test('without a sink nothing is measured', () => {
  assert.equal(new HubHopTimer(null, 5_000).begin(), undefined);
});

test('the histogram in a prom-client registry: cumulative buckets with the default labels, sum and count', async () => {
  const registry = new Registry();
  registry.setDefaultLabels({ node: 'n1' });
  const h = new HubHopHistogram();
  registry.registerMetric(h.asMetric());
  for (const s of [0.0005, 0.004, 0.15, 0.2, 3]) h.observe(s);
  const text = await registry.metrics();
  assert.match(text, /# TYPE glass_hub_hop_seconds histogram/);
  const value = (series: string): number => {
    const line = text.split('\n').find((l) => l.startsWith(series + ' '));
    assert.ok(line, `${series} in\n${text}`);
    return Number(line.slice(line.lastIndexOf(' ') + 1));
  };
  const bucket = (le: string): number => value(`glass_hub_hop_seconds_bucket{le="${le}",node="n1"}`);
  assert.equal(bucket('0.001'), 1);
  assert.equal(bucket('0.005'), 2);
  assert.equal(bucket('0.15'), 3, 'a bound is inclusive (le)');
  assert.equal(bucket('0.25'), 4);
  assert.equal(bucket('2.5'), 4);
  assert.equal(bucket('+Inf'), 5);
  assert.equal(value('glass_hub_hop_seconds_count{node="n1"}'), 5);
  assert.ok(Math.abs(value('glass_hub_hop_seconds_sum{node="n1"}') - 3.3545) < 1e-9);
  assert.equal(text.match(/glass_hub_hop_seconds_bucket/g)?.length, HUB_HOP_BUCKETS.length + 1);
  const json = (await registry.getMetricsAsJSON()).find((m) => m.name === 'glass_hub_hop_seconds');
  assert.equal(json?.type, 'histogram');
  registry.resetMetrics();
  assert.equal(h.count, 0);
});
