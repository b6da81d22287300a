import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Backoff, Jitter, attemptAfterQuiet, backoffDelayMs } from '../../supervisors/index.js';

test('backoffDelayMs: minMs × 2^attempt capped at maxMs; jitter only upward and still capped', () => {
  const policy = { minMs: 100, maxMs: 5_000, randomFactor: 0 };
  assert.deepEqual(
    Array.from({ length: 9 }, (_, attempt) => backoffDelayMs(policy, attempt, () => 0.7)),
    [100, 200, 400, 800, 1_600, 3_200, 5_000, 5_000, 5_000],
  );
  const jittered = { minMs: 100, maxMs: 1_000, randomFactor: 0.5 };
  assert.equal(backoffDelayMs(jittered, 0, () => 0), 100);
  assert.equal(backoffDelayMs(jittered, 0, () => 0.5), 125);
  assert.equal(backoffDelayMs(jittered, 3, () => 0.999), 1_000, 'jitter never lifts a delay above maxMs');
  assert.equal(backoffDelayMs(policy, 10_000, () => 0), 5_000, 'a huge attempt stays finite');
});

test('backoffDelayMs: a zero minMs retries at once, then doubles from 1 ms; a zero maxMs never waits', () => {
  const zero = { minMs: 0, maxMs: 100, randomFactor: 0 };
  assert.deepEqual(
    Array.from({ length: 8 }, (_, attempt) => backoffDelayMs(zero, attempt)),
    [0, 2, 4, 8, 16, 32, 64, 100],
  );
  assert.equal(backoffDelayMs({ minMs: 0, maxMs: 0, randomFactor: 1 }, 5, () => 0.9), 0);
});

test('attemptAfterQuiet and Backoff: a quiet spell of resetAfterMs starts again from minMs; one ms less does not; no resetAfterMs never resets', () => {
  const policy = { minMs: 10, maxMs: 10_000, randomFactor: 0, resetAfterMs: 5_000 };
  assert.equal(attemptAfterQuiet(policy, 4, 4_999), 4);
  assert.equal(attemptAfterQuiet(policy, 4, 5_000), 0);
  assert.equal(attemptAfterQuiet({ minMs: 10, maxMs: 10_000, randomFactor: 0 }, 4, Infinity), 4);
  const backoff = new Backoff(policy, () => 0);
  assert.deepEqual([backoff.next(), backoff.next(), backoff.next(4_999)], [10, 20, 40]);
  assert.equal(backoff.attempts, 3);
  assert.equal(backoff.next(5_000), 10);
  assert.equal(backoff.next(), 20);
  backoff.reset();
  assert.equal(backoff.attempts, 0);
  assert.equal(backoff.next(), 10);
});

test('jitter shapes: UP (the default) in [d, d(1+f)], AROUND in [d(1-f), d(1+f)], DOWN in [d(1-f), d]; all capped at maxMs', () => {
  const at = (jitter: Jitter | undefined, r: number, attempt = 0) => backoffDelayMs({ minMs: 50, maxMs: 2_000, randomFactor: 0.2, jitter }, attempt, () => r);
  assert.deepEqual([0, 0.5, 0.999_999].map((r) => at(undefined, r)), [50, 55, 60]);
  assert.deepEqual([0, 0.5, 0.999_999].map((r) => at(Jitter.UP, r)), [50, 55, 60]);
  assert.deepEqual([0, 0.5, 0.999_999].map((r) => at(Jitter.AROUND, r)), [40, 50, 60]);
  assert.deepEqual([0, 0.5, 0.999_999].map((r) => at(Jitter.DOWN, r)), [50, 45, 40]);
  assert.deepEqual([Jitter.UP, Jitter.AROUND, Jitter.DOWN].map((j) => at(j, 0.999_999, 6)), [2_000, 2_000, 1_600]);
  assert.equal(at(Jitter.AROUND, 0, 10_000), 1_600);
});
