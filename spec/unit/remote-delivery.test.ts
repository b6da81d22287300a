import assert from 'node:assert/strict';
import { test } from 'node:test';
import { defineActor } from '../../actors/index.js';
import { Envelope, Lane, MemoryStateStore } from '../../runtime/index.js';
import type { HostHarness } from './host-harness.js';
import { GatedStore, harness } from './supervision-harness.js';

// Envelopes as the main thread hands them to a worker after they came from another node's stream:
// with a receipt id, and sequenced by their sender (seqEpoch, seq).

function tallyKind(save: 'every-message' | 'write-behind') {
  return defineActor({
    kind: 'tally',
    initialState: () => ({ total: 0, seen: [] as number[] }),
    persistence: { save, writeBehindMs: 100 },
    supervision: { backoff: { minMs: 1, maxMs: 1, randomFactor: 0, resetAfterMs: 1_000 } },
    handlers: {
      add(ctx, msg: { n: number }) {
        ctx.state.total += msg.n;
        ctx.state.seen.push(msg.n);
      },
      boom(_ctx, _msg: {}) {
        throw new Error('boom');
      },
      get(ctx, _msg: {}) {
        return { ...ctx.state };
      },
    },
  });
}

let nextReceipt = 1;
function remote(msg: { type: string; n?: number }, seq: number, seqEpoch = 1_000): Envelope {
  const e = new Envelope('tally:t', 'pump:p', seq, seq, msg, undefined, Lane.USER, -1, 0, 0);
  e.seqEpoch = seqEpoch;
  e.receipt = nextReceipt++;
  return e;
}

/** Records the receipts the worker reports handled (what the main thread would acknowledge). */
function reported(h: HostHarness): number[] {
  const ids: number[] = [];
  const handled = h.router.handled.bind(h.router);
  h.router.handled = (e) => {
    if (e.receipt !== 0) ids.push(e.receipt);
    handled(e);
  };
  return ids;
}

async function state(h: HostHarness): Promise<{ total: number; seen: number[] }> {
  return (await h.ref('tally', 't').ask({ type: 'get' })) as { total: number; seen: number[] };
}

test('every-message: a remote envelope is reported handled only once its state is saved; delivered again, it is recognised and not handled twice', async (t) => {
  const store = new GatedStore(new MemoryStateStore());
  const h = harness(t, { actors: [tallyKind('every-message')], store });
  const ids = reported(h);
  store.hold = true;
  const first = remote({ type: 'add', n: 5 }, 1);
  const receipt = first.receipt;
  h.router.deliverInbound(first);
  await h.settle();
  assert.deepEqual(ids, [], 'not reported while the save is held');
  store.open();
  await h.settle();
  assert.deepEqual(ids, [receipt]);
  assert.deepEqual((await store.load('tally', 't'))?.seqs, { 'pump:p': [1_000, 1] }, 'the delivery log is saved with the state');

  // The stream entry comes again (its acknowledgement was lost): acknowledged, not handled.
  const again = remote({ type: 'add', n: 5 }, 1);
  const againId = again.receipt;
  h.router.deliverInbound(again);
  await h.settle();
  assert.deepEqual(ids, [receipt, againId], 'the duplicate is acknowledged too');
  assert.deepEqual(await state(h), { total: 5, seen: [5] });

  // After a passivation the log comes back from the store with the state.
  await h.host.passivate('tally:t');
  h.router.deliverInbound(remote({ type: 'add', n: 5 }, 1));
  h.router.deliverInbound(remote({ type: 'add', n: 7 }, 2));
  await h.settle();
  assert.deepEqual(await state(h), { total: 12, seen: [5, 7] });
  // A new activation of the sender (larger epoch) starts at seq 1 again and is not a duplicate.
  h.router.deliverInbound(remote({ type: 'add', n: 1 }, 1, 2_000));
  await h.settle();
  assert.deepEqual(await state(h), { total: 13, seen: [5, 7, 1] });
});

test('write-behind: remote envelopes are reported handled by the save that covers them, not before', async (t) => {
  const store = new GatedStore(new MemoryStateStore());
  const h = harness(t, { actors: [tallyKind('write-behind')], store });
  const ids = reported(h);
  const sent = [remote({ type: 'add', n: 1 }, 1), remote({ type: 'add', n: 2 }, 2)];
  const receipts = sent.map((e) => e.receipt);
  for (const e of sent) h.router.deliverInbound(e);
  await h.settle();
  assert.deepEqual(await state(h), { total: 3, seen: [1, 2] });
  assert.deepEqual(ids, [], 'handled, not yet saved: not acknowledged');
  await h.advance(100);
  assert.deepEqual(ids, receipts);
  assert.equal(store.written.length, 1);
});

test('write-behind: a restart after a failure replays what came from other nodes since the last save, so nothing acknowledged-later is lost', async (t) => {
  const store = new GatedStore(new MemoryStateStore());
  const h = harness(t, { actors: [tallyKind('write-behind')], store });
  const ids = reported(h);
  const sent = [remote({ type: 'add', n: 1 }, 1), remote({ type: 'add', n: 2 }, 2)];
  const receipts = sent.map((e) => e.receipt);
  for (const e of sent) h.router.deliverInbound(e);
  await h.settle();
  h.ref('tally', 't').tell({ type: 'boom' });
  await h.advance(5, 1);
  assert.equal(h.failures.length >= 1, true, 'the failure happened');
  await h.advance(100, 10);
  assert.deepEqual(await state(h), { total: 3, seen: [1, 2] }, 'rehydrated from the store (empty), then the two replayed');
  await h.advance(100, 10);
  assert.deepEqual([...ids].sort(), [...receipts].sort(), 'acknowledged once saved');
});
