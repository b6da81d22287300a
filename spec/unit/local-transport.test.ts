import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  DeadLetterLog,
  Envelope,
  ErrorCodes,
  Lane,
  LocalTransport,
  ManualClock,
  NoRouteError,
  Ref,
  type Location,
  type Placement,
} from '../../runtime/index.js';
import { MainRouter } from '../../runtime/node/index.js';

function envelope(to: string, n: number): Envelope {
  return new Envelope(to, null, n, 0, { type: 'note', n }, undefined, Lane.USER, -1, 0, 0);
}

test('LocalTransport loops envelopes for its own node back, asynchronously and in order', async () => {
  const transport = new LocalTransport('n1');
  const received: Envelope[][] = [];
  let onBatch: () => void = () => {};
  const twoBatches = new Promise<void>((resolve) => (onBatch = () => received.length === 2 && resolve()));
  await transport.start((batch) => {
    received.push([...batch]);
    onBatch();
  });
  const first = [envelope('room:a', 1), envelope('room:b', 2)];
  const second = [envelope('room:a', 3)];
  transport.send('n1', first);
  transport.send('n1', second);
  assert.equal(received.length, 0, 'delivered synchronously from inside send');
  await twoBatches;
  assert.deepEqual(received, [first, second]);
  assert.equal(received[0][0], first[0]); // same process: no copy
  await transport.close();
});

test('LocalTransport has no route to any other node, nor before start or after close', async () => {
  const transport = new LocalTransport('n1');
  const noRoute = (node: string) => (err: unknown) => {
    assert.ok(err instanceof NoRouteError);
    assert.equal(err.code, ErrorCodes.NO_ROUTE);
    assert.deepEqual(err.details, { node });
    return true;
  };
  assert.throws(() => transport.send('n1', [envelope('room:a', 1)]), noRoute('n1'));
  let delivered = 0;
  await transport.start(() => delivered++);
  assert.throws(() => transport.send('n2', [envelope('room:a', 1)]), noRoute('n2'));
  await transport.close();
  assert.throws(() => transport.send('n1', [envelope('room:a', 1)]), noRoute('n1'));
  assert.equal(delivered, 0);
});

test('a router sending to another node over LocalTransport: ask → GLASS_ERR_NO_ROUTE, tell → dead letter "no-route"', async () => {
  const elsewhere: Placement = { version: 1, locate: (): Location => ({ node: 'n2', thread: 1 }), setMembers: () => {} };
  const letters = new DeadLetterLog();
  const router = new MainRouter({
    nodeId: 'n1',
    placement: elsewhere,
    clock: new ManualClock(),
    pinnedKinds: [],
    defaultAskTimeoutMs: 1_000,
    maxBatch: 16,
    onDeadLetter: (l) => letters.record(l),
  });
  const transport = new LocalTransport('n1');
  await transport.start((batch) => batch.forEach((e) => router.deliverInbound(e)));
  router.setTransport(transport);
  const ref = new Ref('room', 'far', router, null);
  await assert.rejects(ref.ask({ type: 'members' }), (err: any) => {
    assert.equal(err.code, ErrorCodes.NO_ROUTE);
    assert.match(err.message, /n2/);
    return true;
  });
  ref.tell({ type: 'say' });
  assert.deepEqual(
    letters.recent().map((l) => [l.to, l.messageType, l.reason]),
    [['room:far', 'say', 'no-route']],
  );
  assert.equal(router.pendingAsks, 0);
  await transport.close();
});
