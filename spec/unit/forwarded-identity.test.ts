import assert from 'node:assert/strict';
import { test } from 'node:test';
import { MessageChannel } from 'node:worker_threads';
import { defineActor } from '../../actors/index.js';
import { EnvelopeCodec } from '../../cluster/streams/envelope-codec.js';
import { Envelope, MemoryStateStore, Ref, WorkerRouter, ManualClock, type Location, type Placement } from '../../runtime/index.js';
import { NODE_ID } from './host-harness.js';
import { GatedStore, harness } from './supervision-harness.js';

// A tell between two workers of one node that its receiver hands on to another node (its actor was
// fenced, passivated or moved: what it holds is forwarded to the owner) must still carry its pair's
// identity (sender, seq, seqEpoch) when it gets there. Without its seqEpoch the owner's delivery log
// skips it, neither checking nor recording it, so its stream entry delivered again (a claim after a
// lost acknowledgement, a node declared down and back) is handled twice: the cluster-pause failure
// ("tally … from pump:p-pump-a-1: 6 handled twice"), where the pumps sat on the node that had
// taken the frozen node's tallies over, on the other worker.

const tally = defineActor({
  kind: 'tally',
  initialState: () => ({ seen: [] as number[] }),
  persistence: { save: 'every-message' },
  handlers: {
    add(ctx, msg: { n: number }) {
      ctx.state.seen.push(msg.n);
    },
    get(ctx, _msg: {}) {
      return ctx.state.seen;
    },
  },
  readOnly: ['get'],
});

async function until(what: string, ready: () => boolean): Promise<void> {
  for (let i = 0; i < 200 && !ready(); i++) await new Promise((resolve) => setImmediate(resolve));
  assert.ok(ready(), what);
}

test('a tell from a sibling worker, forwarded off the node by its fenced receiver, keeps its seqEpoch: delivered there twice, it is handled once', async (t) => {
  // Node n1: the tally on thread 1 (the harness), the pump on thread 2; the tally then moves to n2.
  let tallyNode = NODE_ID;
  const placement: Placement = {
    version: 1,
    locate: (id: string): Location => (id === 't' ? { node: tallyNode, thread: 1 } : { node: NODE_ID, thread: 2 }),
    setMembers: () => {},
  };
  const store = new GatedStore(new MemoryStateStore());
  const h1 = harness(t, { actors: [tally], store, placement });
  const pumpThread = new WorkerRouter({ nodeId: NODE_ID, thread: 2, placement, clock: new ManualClock(1_000), pinnedKinds: [], defaultAskTimeoutMs: 5_000, maxBatch: 1024 });
  const { port1, port2 } = new MessageChannel();
  pumpThread.attach(1, port1);
  h1.router.attach(2, port2);
  t.after(() => {
    pumpThread.close(new Error('test over'));
    port1.close();
    port2.close();
  });
  // What thread 1 sends off the node (through the main thread, to the owner's stream).
  const leaving: Envelope[] = [];
  (h1.router as unknown as { toNode(node: string, e: Envelope): void }).toNode = (node, e) => {
    assert.equal(node, 'n2');
    leaving.push(e);
  };

  // The pump tells 1, 2, 3 across the port; the tally handles 1 and its save is held.
  store.hold = true;
  const pump = new Ref('tally', 't', pumpThread, { key: 'pump:p', current: null, outbox: null });
  for (const n of [1, 2, 3]) pump.tell({ type: 'add', n });
  await until('the first save is held', () => store.heldCount === 1);
  // Meanwhile the tally moved to n2, whose activation wrote: the held save conflicts, the cell is
  // fenced and forwards what it holds (1, whose effect it could not save, then 2 and 3) to n2.
  tallyNode = 'n2';
  const stored = await store.inner.load('tally', 't');
  await store.inner.save('tally', 't', { seen: [] }, stored?.version ?? null, 2);
  store.open();
  await until('the fenced cell forwarded what it held', () => leaving.length === 3);
  assert.deepEqual(leaving.map((e) => [e.from, e.seq, e.msg.n]), [['pump:p', 1, 1], ['pump:p', 2, 2], ['pump:p', 3, 3]]);
  assert.ok(leaving.every((e) => e.seqEpoch === pump.seqEpoch && e.seqEpoch !== 0), `the pair's epoch went along (${leaving.map((e) => e.seqEpoch)} vs ${pump.seqEpoch})`);

  // On n2 the stream entry is delivered, handled and saved; then delivered again.
  const h2 = harness(t, { actors: [tally] });
  const codec = new EnvelopeCodec();
  const records = leaving.map((e) => codec.encode(e));
  const payload = codec.join(records, records.reduce((sum, r) => sum + r.length, 0));
  let receipt = 1;
  for (let delivery = 0; delivery < 2; delivery++) {
    for (const e of codec.decode(payload, 'glass:node:n2', '1-0')) {
      e.receipt = receipt++;
      h2.host.deliver(e);
    }
    await h2.settle();
  }
  assert.deepEqual(await h2.ref('tally', 't').ask({ type: 'get' }), [1, 2, 3]);
});
