import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DeadLetterLog, type DeadLetter } from '../../runtime/index.js';

function letter(n: number): DeadLetter {
  return { to: `room:${n}`, from: null, messageType: 'say', reason: 'mailbox-full', at: n };
}

test('the dead letter log counts every letter, keeps the most recent ones, and tells subscribers until they leave', () => {
  const log = new DeadLetterLog(3);
  const heard: number[] = [];
  const unsubscribe = log.subscribe((l) => heard.push(l.at));
  for (let n = 1; n <= 5; n++) log.record(letter(n));
  assert.equal(log.count, 5);
  assert.deepEqual(log.recent().map((l) => l.at), [3, 4, 5]);
  assert.deepEqual(heard, [1, 2, 3, 4, 5]);
  unsubscribe();
  log.record(letter(6));
  assert.deepEqual(heard, [1, 2, 3, 4, 5]);
  assert.equal(log.count, 6);
  // recent() is a copy: callers cannot edit the log.
  (log.recent() as DeadLetter[]).length = 0;
  assert.equal(log.recent().length, 3);
});
