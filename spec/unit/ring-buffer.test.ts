import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RingBuffer } from '../../runtime/index.js';

test('ring buffer keeps FIFO order across growth and wrap-around, and refuses past its maximum', () => {
  const ring = new RingBuffer<number>(8, 2);
  for (let i = 0; i < 5; i++) assert.equal(ring.push(i), true);
  assert.equal(ring.shift(), 0);
  assert.equal(ring.shift(), 1);
  for (let i = 5; i < 10; i++) assert.equal(ring.push(i), true);
  assert.equal(ring.size, 8);
  assert.equal(ring.push(99), false);
  const out: number[] = [];
  for (let v = ring.shift(); v !== undefined; v = ring.shift()) out.push(v);
  assert.deepEqual(out, [2, 3, 4, 5, 6, 7, 8, 9]);
});
