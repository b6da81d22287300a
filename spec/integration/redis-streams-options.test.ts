import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RedisStreamsTransport, TransportStatus, redisStreamKey, type RedisStreamsTransportOptions } from '../../cluster/index.js';
import { ErrorCodes } from '../../runtime/index.js';

const invalid: [string, Partial<RedisStreamsTransportOptions>, RegExp][] = [
  ['nodeId missing', { nodeId: undefined }, /options\.nodeId must be a non-empty string/],
  ['nodeId with a colon', { nodeId: 'a:b' }, /options\.nodeId must be/],
  ['nodeId with a space', { nodeId: 'a b' }, /options\.nodeId must be/],
  ['empty prefix', { prefix: '' }, /options\.prefix must be/],
  ['group not a string', { group: 7 as never }, /options\.group must be/],
  ['redis a number', { redis: 6379 as never }, /options\.redis must be a redis:\/\/ URL or an ioredis options object/],
  ['readCount 0', { readCount: 0 }, /options\.readCount must be a positive integer/],
  ['maxEntryEnvelopes 1.5', { maxEntryEnvelopes: 1.5 }, /options\.maxEntryEnvelopes must be a positive integer/],
  ['maxEntryBytes negative', { maxEntryBytes: -1 }, /options\.maxEntryBytes must be a positive integer/],
  ['maxPipelineEntries NaN', { maxPipelineEntries: Number.NaN }, /options\.maxPipelineEntries must be a positive integer/],
  ['maxInFlightEntries 0', { maxInFlightEntries: 0 }, /options\.maxInFlightEntries must be a positive integer/],
  ['maxQueuedEnvelopes string', { maxQueuedEnvelopes: '10' as never }, /options\.maxQueuedEnvelopes must be a positive integer/],
  ['blockMs 0', { blockMs: 0 }, /options\.blockMs must be a positive number of milliseconds/],
  ['giveUpAfterMs Infinity', { giveUpAfterMs: Number.POSITIVE_INFINITY }, /options\.giveUpAfterMs must be a positive number/],
  ['startTimeoutMs negative', { startTimeoutMs: -5 }, /options\.startTimeoutMs must be a positive number/],
  ['closeTimeoutMs 0', { closeTimeoutMs: 0 }, /options\.closeTimeoutMs must be a positive number/],
  ['retryMinDelayMs 0', { retryMinDelayMs: 0 }, /options\.retryMinDelayMs must be a positive number/],
  ['retryMaxDelayMs below the minimum', { retryMinDelayMs: 50, retryMaxDelayMs: 10 }, /options\.retryMaxDelayMs must be at least retryMinDelayMs \(50\)/],
  ['trimIntervalMs negative', { trimIntervalMs: -1 }, /options\.trimIntervalMs must be 0 \(off\) or a positive number/],
];

test('each invalid option is refused at the constructor with GLASS_ERR_INVALID_OPTION naming it', () => {
  for (const [what, patch, message] of invalid) {
    assert.throws(
      () => new RedisStreamsTransport({ nodeId: 'n1', ...patch } as RedisStreamsTransportOptions),
      (err: any) => {
        assert.equal(err.code, ErrorCodes.INVALID_OPTION, what);
        assert.match(err.message, message, what);
        return true;
      },
      what,
    );
  }
});

test('valid options build an idle transport reading <prefix>:node:<id>, without connecting', async () => {
  const t = new RedisStreamsTransport({ nodeId: 'n-1.a', prefix: 'p', redis: { host: '127.0.0.1', port: 1 } });
  assert.equal(t.stream, 'p:node:n-1.a');
  assert.equal(t.stream, redisStreamKey('p', 'n-1.a'));
  assert.equal(t.status, TransportStatus.IDLE);
  const defaults = new RedisStreamsTransport({ nodeId: 'x' });
  assert.equal(defaults.stream, 'glass:node:x');
  await defaults.close();
  await t.close();
  assert.equal(t.status, TransportStatus.CLOSED);
});
