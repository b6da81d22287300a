// The Mailbox on its own, against a plain array as the model: random pushes and shifts on both
// lanes, at capacities around the inline first slot and the ring's growth, with both overflow
// policies. Order, size, refusals and evictions must match the model at every step.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Envelope, Lane, NO_REPLY } from '../../runtime/envelope.js';
import { Mailbox, OverflowPolicy } from '../../runtime/mailbox.js';
import { prng } from '../fixtures/prng.js';

const envelope = (n: number, lane: Lane): Envelope => new Envelope('k:a', null, n, 0, { type: 'm', n }, undefined, lane, NO_REPLY, 0, 0);

function run(seed: number, capacity: number, overflow: OverflowPolicy): void {
  const random = prng(seed);
  const box = new Mailbox({ capacity, overflow });
  let max = 1;
  while (max < capacity) max *= 2;
  assert.equal(box.capacity, max);
  const user: Envelope[] = [];
  const system: Envelope[] = [];
  let n = 0;
  for (let step = 0; step < 2_000; step++) {
    const r = random();
    const where = `seed ${seed}, capacity ${capacity}, ${overflow}, step ${step}`;
    if (r < 0.45) {
      const e = envelope(++n, Lane.USER);
      const got = box.pushUser(e);
      if (user.length < max) {
        assert.equal(got, true, where);
        user.push(e);
      } else if (overflow === OverflowPolicy.REJECT) {
        assert.equal(got, false, where);
      } else {
        assert.equal(got, user.shift(), where);
        user.push(e);
      }
    } else if (r < 0.5) {
      const e = envelope(++n, Lane.SYSTEM);
      box.pushSystem(e);
      system.push(e);
    } else if (r < 0.55) {
      assert.equal(box.shiftSystem(), system.shift(), where);
    } else {
      assert.equal(box.shift(), system.length > 0 ? system.shift() : user.shift(), where);
    }
    assert.equal(box.size, user.length + system.length, where);
  }
  const rest: Envelope[] = [];
  box.drainTo((e) => rest.push(e));
  assert.deepEqual(rest, [...system, ...user]);
  assert.equal(box.size, 0);
  assert.equal(box.shift(), undefined);
}

test('both lanes keep FIFO order, sizes and bounds through the inline first slot and the ring', () => {
  for (const capacity of [1, 2, 3, 4, 5, 8, 64]) {
    for (const overflow of [OverflowPolicy.REJECT, OverflowPolicy.DROP_OLDEST]) {
      for (let seed = 1; seed <= 8; seed++) run(seed * 7919 + capacity, capacity, overflow);
    }
  }
});

test('a message behind the first waits in the ring and comes out second, also after the first is gone', () => {
  const box = new Mailbox({ capacity: 4, overflow: OverflowPolicy.REJECT });
  const [a, b, c, d] = [1, 2, 3, 4].map((i) => envelope(i, Lane.USER));
  box.pushUser(a);
  box.pushUser(b);
  assert.equal(box.shift(), a);
  // The ring still holds b: c must queue behind it, not take the free first slot.
  box.pushUser(c);
  assert.equal(box.shift(), b);
  box.pushUser(d);
  assert.equal(box.shift(), c);
  assert.equal(box.shift(), d);
  assert.equal(box.shift(), undefined);
});
