import assert from 'node:assert/strict';
import { test } from 'node:test';
import { LineOrder, type NumberedLine } from '../../clients/gateway/line-order.js';

/** A LineOrder over a room history given by the test; what it publishes, in order. */
function harness(history: NumberedLine[] = []) {
  const published: string[] = [];
  const fetches: number[] = [];
  let answer: (() => void) | null = null;
  let failNext = false;
  const order = new LineOrder(
    (_room, after) => {
      fetches.push(after);
      return new Promise((resolve, reject) => {
        answer = () => (failNext ? reject(new Error('room unavailable')) : resolve(history.filter((l) => l.seq > after)));
      });
    },
    (_room, text) => published.push(text),
  );
  return {
    order,
    published,
    fetches,
    failNext: () => (failNext = true),
    /** Lets the fetch in flight answer, and waits for what follows it. */
    answer: async () => {
      answer!();
      await new Promise((resolve) => setImmediate(resolve));
    },
  };
}

const line = (seq: number): NumberedLine => ({ seq, text: `line ${seq}` });

test('lines in order are published at once; the first one heard starts the count', () => {
  const h = harness();
  for (const seq of [7, 8, 9]) h.order.line('r', seq, `line ${seq}`);
  assert.deepEqual(h.published, ['line 7', 'line 8', 'line 9']);
  assert.deepEqual(h.fetches, []);
});

test('a gap holds the room’s lines until the missing ones come from its history, then all go out in order', async () => {
  const h = harness([line(1), line(2), line(3), line(4), line(5)]);
  h.order.line('r', 1, 'line 1');
  h.order.line('r', 4, 'line 4');
  h.order.line('r', 5, 'line 5');
  assert.deepEqual(h.published, ['line 1']);
  assert.deepEqual(h.fetches, [1]);
  await h.answer();
  assert.deepEqual(h.published, ['line 1', 'line 2', 'line 3', 'line 4', 'line 5']);
  h.order.line('r', 6, 'line 6');
  assert.equal(h.published.at(-1), 'line 6');
});

test('a late line or a room that started over is published as it comes, without holding the next', () => {
  const h = harness();
  h.order.line('r', 10, 'line 10');
  h.order.line('r', 9, 'late 9');
  h.order.line('r', 1, 'new 1');
  h.order.line('r', 11, 'line 11');
  assert.deepEqual(h.published, ['line 10', 'late 9', 'new 1', 'line 11']);
  assert.deepEqual(h.fetches, []);
});

test('what the room cannot give back is skipped: the held lines still go out, in order', async () => {
  const h = harness();
  h.order.line('r', 1, 'line 1');
  h.order.line('r', 5, 'line 5');
  h.order.line('r', 4, 'line 4');
  h.failNext();
  await h.answer();
  assert.deepEqual(h.published, ['line 1', 'line 4', 'line 5']);
});

test('rooms are independent, and pruning forgets rooms with nobody here but not one being repaired', async () => {
  const h = harness([line(1), line(2), line(3)]);
  h.order.line('a', 1, 'a1');
  h.order.line('b', 1, 'b1');
  h.order.line('b', 3, 'b3');
  h.order.line('a', 2, 'a2');
  assert.deepEqual(h.published, ['a1', 'b1', 'a2']);
  h.order.prune(() => false);
  assert.equal(h.order.rooms, 1);
  await h.answer();
  assert.deepEqual(h.published, ['a1', 'b1', 'a2', 'line 2', 'b3']);
  h.order.prune(() => false);
  assert.equal(h.order.rooms, 0);
});

test('lines a join or resume answer already gave are not taken for a gap', () => {
  const h = harness([line(1), line(2), line(3), line(4)]);
  h.order.line('r', 1, 'line 1');
  // Everybody here left; lines 2 and 3 went to other nodes; then someone joins here at seq 3.
  h.order.seen('r', 3);
  h.order.line('r', 4, 'line 4');
  assert.deepEqual(h.published, ['line 1', 'line 4']);
  assert.deepEqual(h.fetches, []);
  // A join answer older than what was published changes nothing.
  h.order.seen('r', 2);
  h.order.line('r', 5, 'line 5');
  assert.deepEqual(h.published, ['line 1', 'line 4', 'line 5']);
});
