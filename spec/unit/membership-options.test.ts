import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RedisMembership, type RedisMembershipOptions } from '../../cluster/index.js';
import { reconnectDelayMs, resolveMembershipOptions } from '../../cluster/membership/membership-options.js';
import { ErrorCodes, InvalidOptionError } from '../../runtime/index.js';

const VALID: RedisMembershipOptions = { nodeId: 'n1', workers: 2 };

const CASES: { name: string; option: string; overrides: Record<string, unknown> }[] = [
  { name: 'nodeId missing', option: 'nodeId', overrides: { nodeId: undefined } },
  { name: 'nodeId with a space', option: 'nodeId', overrides: { nodeId: 'my node' } },
  { name: 'nodeId too long', option: 'nodeId', overrides: { nodeId: 'n'.repeat(65) } },
  { name: 'workers zero', option: 'workers', overrides: { workers: 0 } },
  { name: 'workers fractional', option: 'workers', overrides: { workers: 1.5 } },
  { name: 'address empty', option: 'address', overrides: { address: '' } },
  { name: 'redisUrl not a redis URL', option: 'redisUrl', overrides: { redisUrl: 'http://127.0.0.1:6379' } },
  { name: 'keyPrefix empty', option: 'keyPrefix', overrides: { keyPrefix: '' } },
  { name: 'keyPrefix with a space', option: 'keyPrefix', overrides: { keyPrefix: 'a b:' } },
  { name: 'heartbeatMs zero', option: 'heartbeatMs', overrides: { heartbeatMs: 0 } },
  { name: 'heartbeatMs as a string', option: 'heartbeatMs', overrides: { heartbeatMs: '500' } },
  { name: 'downAfterMs fractional', option: 'downAfterMs', overrides: { downAfterMs: 1_000.5 } },
  { name: 'downAfterMs under two heartbeats', option: 'downAfterMs', overrides: { heartbeatMs: 500, downAfterMs: 999 } },
  { name: 'reconnect not an object', option: 'reconnect', overrides: { reconnect: 5 } },
  { name: 'reconnect.minMs negative', option: 'reconnect.minMs', overrides: { reconnect: { minMs: -1 } } },
  { name: 'reconnect.maxMs below minMs', option: 'reconnect.maxMs', overrides: { reconnect: { minMs: 100, maxMs: 50 } } },
  { name: 'commandTimeoutMs Infinity', option: 'commandTimeoutMs', overrides: { commandTimeoutMs: Infinity } },
  { name: 'now not a function', option: 'now', overrides: { now: 5 } },
];

test('each bad option is refused at the constructor with InvalidOptionError naming it', () => {
  for (const c of CASES) {
    assert.throws(
      () => new RedisMembership({ ...VALID, ...c.overrides } as RedisMembershipOptions),
      (err: unknown) => {
        assert.ok(err instanceof InvalidOptionError, c.name);
        assert.equal(err.code, ErrorCodes.INVALID_OPTION, c.name);
        assert.equal(err.details?.option, c.option, c.name);
        assert.ok(err.message.startsWith(`options.${c.option} `), `${c.name}: ${err.message}`);
        return true;
      },
      c.name,
    );
  }
});

test('defaults: heartbeat 500 ms, down after 2 s (under the 3 s the design allows), prefix glass:', () => {
  const o = resolveMembershipOptions(VALID);
  assert.equal(o.heartbeatMs, 500);
  assert.equal(o.downAfterMs, 2_000);
  assert.ok(o.downAfterMs < 3_000);
  assert.equal(o.keyPrefix, 'glass:');
  assert.equal(o.redisUrl, 'redis://127.0.0.1:6379');
});

test('a redis URL with credentials is not echoed in the error', () => {
  assert.throws(
    () => new RedisMembership({ ...VALID, redisUrl: 'http://user:secret@host:6379' }),
    (err: unknown) => err instanceof InvalidOptionError && !err.message.includes('secret'),
  );
});

test('reconnect backoff doubles from minMs, stays within ±20 % jitter, and never exceeds maxMs', () => {
  const o = { reconnectMinMs: 50, reconnectMaxMs: 2_000 };
  assert.deepEqual([1, 2, 3, 4, 5, 6, 7, 100].map((n) => reconnectDelayMs(n, o, () => 0.5)), [50, 100, 200, 400, 800, 1_600, 2_000, 2_000]);
  assert.equal(reconnectDelayMs(1, o, () => 0), 40);
  assert.equal(reconnectDelayMs(1, o, () => 0.999_999), 60);
  assert.equal(reconnectDelayMs(7, o, () => 0.999_999), 2_000);
  assert.equal(reconnectDelayMs(10_000, o, () => 0), 1_600);
});
