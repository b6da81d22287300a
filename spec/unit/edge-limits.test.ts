import assert from 'node:assert/strict';
import { test } from 'node:test';
import { canonicalAddress, EdgeLimits, type EdgeLimitSettings } from '../../clients/gateway/edge-limits.js';
import { RateLimiter } from '../../clients/gateway/rate-limiter.js';

const SETTINGS: EdgeLimitSettings = {
  maxRoomMembers: 200,
  maxConnectionsPerIp: 2,
  trustedProxies: ['10.0.0.1', '::1'],
  textBytesPerSecond: 100,
  textBytesBurst: 16_384,
  creation: 'open',
  listed: [],
  createsPerHour: 2,
};

test('addresses have one spelling: IPv4-mapped and zero-padded IPv6 (as uWS writes them) compare equal', () => {
  assert.equal(canonicalAddress('0000:0000:0000:0000:0000:ffff:7f00:0001'), '127.0.0.1');
  assert.equal(canonicalAddress('::ffff:127.0.0.1'), '127.0.0.1');
  assert.equal(canonicalAddress('0000:0000:0000:0000:0000:0000:0000:0001'), '::1');
  assert.equal(canonicalAddress('[2001:DB8::1]'), '2001:db8::1');
  assert.equal(canonicalAddress('192.0.2.7'), '192.0.2.7');
});

test('X-Forwarded-For counts only from a trusted proxy, its last entry, and a malformed one counts as the proxy', () => {
  const edge = new EdgeLimits(SETTINGS);
  assert.equal(edge.clientAddress('192.0.2.9', '203.0.113.5'), '192.0.2.9');
  assert.equal(edge.clientAddress('10.0.0.1', '198.51.100.1, 203.0.113.5'), '203.0.113.5');
  assert.equal(edge.clientAddress('0000:0000:0000:0000:0000:0000:0000:0001', ' 203.0.113.6 '), '203.0.113.6');
  assert.equal(edge.clientAddress('10.0.0.1', 'unknown'), '10.0.0.1');
  assert.equal(edge.clientAddress('10.0.0.1', ''), '10.0.0.1');
});

test('connections per address: admitted up to the cap, freed on release, and the table forgets idle addresses', () => {
  const edge = new EdgeLimits(SETTINGS);
  assert.ok(edge.admit('a') && edge.admit('a'));
  assert.equal(edge.admit('a'), false);
  assert.ok(edge.admit('b'));
  edge.release('a');
  assert.ok(edge.admit('a'));
  for (const address of ['a', 'a', 'b', 'b', 'never-admitted']) edge.release(address);
  assert.equal(edge.addresses, 0);
});

test('creation: moderators always, `moderators` and `listed` by policy, `open` within the hourly quota', () => {
  let now = 0;
  const open = new EdgeLimits(SETTINGS);
  assert.equal(open.cannotCreate('p', false, 'r1'), undefined);
  open.created('p');
  open.created('p');
  assert.match(open.cannotCreate('p', false, 'r3') ?? '', /2 rooms and sessions an hour/);
  assert.equal(open.cannotCreate('p', true, 'r3'), undefined);
  assert.equal(open.cannotCreate('q', false, 'r3'), undefined);
  assert.match(new EdgeLimits({ ...SETTINGS, creation: 'moderators' }).cannotCreate('p', false, 'r') ?? '', /only moderators/);
  const listed = new EdgeLimits({ ...SETTINGS, creation: 'listed', listed: ['lobby'] });
  assert.equal(listed.cannotCreate('p', false, 'lobby'), undefined);
  assert.match(listed.cannotCreate('p', false, 'other') ?? '', /only listed/);
  // The quota refills over the hour (a bucket): checked with an injected clock.
  const bucket = new RateLimiter({ burst: 2, perSecond: 2 / 3_600 }, () => now);
  assert.equal(bucket.take('p'), 0);
  assert.equal(bucket.take('p'), 0);
  assert.equal(bucket.has('p'), false);
  now += 1_800_000;
  assert.equal(bucket.has('p'), true);
});

test('a self-sweeping bucket table forgets full buckets as it is used: it holds only recent players', () => {
  let now = 0;
  const buckets = new RateLimiter({ burst: 10, perSecond: 10 }, () => now, 10_000);
  for (let i = 0; i < 1_000; i++) buckets.take(`p${i}`, 5);
  assert.equal(buckets.size, 1_000);
  now += 10_000;
  buckets.take('late', 1);
  assert.equal(buckets.size, 1);
});

test('the text budget takes a cost in bytes and says when it can be paid', () => {
  let now = 0;
  const budget = new RateLimiter({ burst: 1_000, perSecond: 100 }, () => now);
  assert.equal(budget.take('p', 900), 0);
  assert.equal(budget.take('p', 200), 1_000);
  now += 1_000;
  assert.equal(budget.take('p', 200), 0);
});
