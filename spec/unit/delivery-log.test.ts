import assert from 'node:assert/strict';
import { test } from 'node:test';
import { alreadyHandled, recordHandled } from '../../runtime/host/delivery-log.js';
import { Envelope, Lane } from '../../runtime/index.js';
import { Receipts } from '../../runtime/node/receipts.js';
import type { SeqTable } from '../../runtime/index.js';

function handle(table: SeqTable | null, from: string, epoch: number, seq: number): { table: SeqTable; fresh: boolean } {
  if (alreadyHandled(table, from, epoch, seq)) return { table: table!, fresh: false };
  return { table: recordHandled(table, from, epoch, seq), fresh: true };
}

test('in order: each seq is handled once, and the table stays [epoch, floor]', () => {
  let table: SeqTable | null = null;
  for (let seq = 1; seq <= 100; seq++) {
    const r = handle(table, 'room:a', 7, seq);
    assert.equal(r.fresh, true);
    table = r.table;
  }
  assert.deepEqual(table, { 'room:a': [7, 100] });
  for (const seq of [1, 50, 100]) assert.equal(alreadyHandled(table, 'room:a', 7, seq), true, `seq ${seq} again`);
  assert.equal(alreadyHandled(table, 'room:a', 7, 101), false);
});

test('out of order (a dead node\'s entries arriving late): none lost, none twice, the gaps close', () => {
  let table: SeqTable | null = null;
  const order = [1, 2, 6, 7, 8, 3, 4, 5, 9];
  for (const seq of order) table = handle(table, 's:1', 1, seq).table;
  assert.deepEqual(table, { 's:1': [1, 9] });
  // Redelivered, in any order: every one recognised.
  for (const seq of order) assert.equal(handle(table, 's:1', 1, seq).fresh, false);
});

test('a long reordering costs a run, not a seq each: 480 late messages of one pair, none lost, none twice', () => {
  let table: SeqTable | null = null;
  for (let seq = 1; seq <= 32; seq++) table = handle(table, 's:1', 1, seq).table;
  for (let seq = 513; seq <= 1500; seq++) table = handle(table, 's:1', 1, seq).table;
  assert.deepEqual(table!['s:1'], [1, 32, 513, 1500]);
  for (let seq = 33; seq <= 512; seq++) assert.equal(handle(table, 's:1', 1, seq).fresh, true, `late seq ${seq} is new`);
  for (let seq = 33; seq <= 512; seq++) table = recordHandled(table, 's:1', 1, seq);
  assert.deepEqual(table!['s:1'], [1, 1500]);
});

test('runs merge from both sides; gaps that never close are given up past the bound', () => {
  let table: SeqTable | null = recordHandled(null, 's:1', 1, 5);
  table = recordHandled(table, 's:1', 1, 7);
  assert.deepEqual(table['s:1'], [1, 0, 5, 5, 7, 7]);
  table = recordHandled(table, 's:1', 1, 6);
  assert.deepEqual(table['s:1'], [1, 0, 5, 7], 'the seq between two runs joins them');
  table = recordHandled(table, 's:1', 1, 4);
  assert.deepEqual(table['s:1'], [1, 0, 4, 7]);
  for (let seq = 1; seq <= 3; seq++) table = recordHandled(table, 's:1', 1, seq);
  assert.deepEqual(table['s:1'], [1, 7]);
  // Every other seq missing: at most 256 runs are kept, the oldest gaps are given up.
  for (let seq = 10; seq <= 2_000; seq += 2) table = recordHandled(table, 's:1', 1, seq);
  const entry = table['s:1'];
  assert.ok((entry.length - 2) / 2 <= 256, `${(entry.length - 2) / 2} runs`);
  assert.equal(alreadyHandled(table, 's:1', 1, 1_999), false, 'a recent gap is still open');
  assert.equal(alreadyHandled(table, 's:1', 1, 11), true, 'an old gap was given up');
});

test('a new activation of the sender (larger epoch) starts its count again; an older one is never taken for a duplicate', () => {
  let table: SeqTable | null = null;
  for (let seq = 1; seq <= 5; seq++) table = handle(table, 's:1', 10, seq).table;
  const next = handle(table, 's:1', 11, 1);
  assert.equal(next.fresh, true);
  table = recordHandled(next.table, 's:1', 11, 1);
  assert.deepEqual(table['s:1'], [11, 1], 'recording a seq twice changes nothing');
  assert.equal(alreadyHandled(table, 's:1', 10, 3), false);
  assert.deepEqual(recordHandled(table, 's:1', 10, 3)['s:1'], [11, 1], 'an older epoch leaves the entry alone');
});

test('senders are kept apart, and the oldest is forgotten past 1024', () => {
  let table: SeqTable | null = null;
  for (let i = 0; i < 1030; i++) table = recordHandled(table, `s:${i}`, 1, 1);
  assert.equal(Object.keys(table!).length, 1024);
  assert.equal(alreadyHandled(table, 's:0', 1, 1), false);
  assert.equal(alreadyHandled(table, 's:1029', 1, 1), true);
});

test('Receipts: a batch is acknowledged once every envelope of it was handled; a dead worker\'s are taken back in order', () => {
  let acked = 0;
  let ones = 0;
  const receipt = { from: 'n2', ack: () => acked++, ackOne: () => ones++ };
  const receipts = new Receipts();
  const e = (n: number): Envelope => new Envelope('counter:c', 'pump:p', n, n, { type: 'add', n }, undefined, Lane.USER, -1, 0, 0);
  const a = receipts.track(receipt, e(1), 1);
  const b = receipts.track(receipt, e(2), 2);
  const c = receipts.track(receipt, e(3), 1);
  assert.notEqual(a, 0);
  receipts.handled(b);
  receipts.handled(b);
  assert.equal(ones, 1, 'an id reported twice counts once');
  const back = receipts.takeThread(1);
  assert.deepEqual(back.map((r) => r.e.msg.n), [1, 3]);
  assert.deepEqual(back.map((r) => r.attempts), [1, 1]);
  receipts.handled(a);
  receipts.handled(c);
  assert.equal(ones, 1, 'taken back: no longer acknowledged by the old ids');
  assert.equal(receipts.size, 0);
  assert.equal(acked, 0);
});
