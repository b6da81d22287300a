import assert from 'node:assert/strict';
import { test } from 'node:test';
import { MessageChannel, type MessagePort } from 'node:worker_threads';
import { Envelope, Lane, ManualClock, type DeliveryReceipt, type Location, type Placement } from '../../runtime/index.js';
import { MainRouter } from '../../runtime/node/index.js';
import { listenToPort } from '../../runtime/wire/port-inbox.js';

// A worker dies (or is ended as blocked) with envelopes from other nodes open: some it had taken
// into its mailboxes, some still on their way (posted, never taken). The main thread's link holds
// the second kind for the replacement, and its receipts hand back all of them: each must reach the
// replacement once, in the order it was sent. Twice, an envelope without a seqEpoch is handled twice
// (nothing recognises it), which the cluster-pause test saw after a frozen node woke up: its
// watchdog found every worker's beat stale and ended them, and the forwarded tells came again.

const placement: Placement = { version: 1, locate: (): Location => ({ node: 'n1', thread: 1 }), setMembers: () => {} };

function fromStream(n: number, seqEpoch: number): Envelope {
  const e = new Envelope('tally:t', 'pump:p', n, n, { type: 'add', n }, undefined, Lane.USER, -1, 0, 0);
  e.seqEpoch = seqEpoch;
  return e;
}

function entry(): DeliveryReceipt & { acked: number } {
  return { from: 'n2', acked: 0, ack() {}, ackOne() { this.acked++; } };
}

function turns(n: number): Promise<void> {
  let p = Promise.resolve();
  for (let i = 0; i < n; i++) p = p.then(() => new Promise((resolve) => setImmediate(resolve)));
  return p;
}

function worker(port: MessagePort): Envelope[] {
  const got: Envelope[] = [];
  listenToPort(port, 0, (e) => got.push(e), () => {});
  return got;
}

for (const seqEpoch of [0, 1_795_000_000_000]) {
  test(`a dead worker's open envelopes reach its replacement once each, in send order (seqEpoch ${seqEpoch})`, async (t) => {
    const router = new MainRouter({ nodeId: 'n1', placement, clock: new ManualClock(0), pinnedKinds: [], defaultAskTimeoutMs: 5_000, maxBatch: 1024, onDeadLetter: () => {} });
    const first = new MessageChannel();
    const second = new MessageChannel();
    t.after(() => {
      router.close(new Error('test over'));
      for (const port of [first.port1, first.port2, second.port1, second.port2]) port.close();
    });
    router.attach(1, first.port1);
    const dead = worker(first.port2);

    // 1 and 2 are taken by the worker (in its mailbox, not handled yet)…
    const receipt = entry();
    router.deliverRemote(fromStream(1, seqEpoch), receipt);
    router.deliverRemote(fromStream(2, seqEpoch), receipt);
    for (let i = 0; i < 50 && dead.length < 2; i++) await turns(1);
    assert.deepEqual(dead.map((e) => e.msg.n), [1, 2]);
    // …then it dies: 3 and 4 are posted and never taken.
    first.port2.close();
    router.deliverRemote(fromStream(3, seqEpoch), receipt);
    router.deliverRemote(fromStream(4, seqEpoch), receipt);
    await turns(3);

    // As the node does on a worker's exit: the link holds, the receipts are handed back, then the
    // replacement is attached.
    router.hold(1);
    router.redeliver(1);
    router.attach(1, second.port1);
    const replacement = worker(second.port2);
    await turns(10);
    assert.deepEqual(replacement.map((e) => e.msg.n), [1, 2, 3, 4]);
    // Each with a receipt the main thread still has open: reporting them acknowledges the entry.
    assert.equal(router.receipts.size, 4);
    assert.equal(new Set(replacement.map((e) => e.receipt)).size, 4);
    assert.ok(replacement.every((e) => e.seqEpoch === seqEpoch));
  });
}
