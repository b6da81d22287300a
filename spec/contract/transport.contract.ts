import { afterEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { setImmediate as turn } from 'node:timers/promises';
import { Envelope, ErrorCodes, GlassError, Lane } from '../../runtime/index.js';
import { Inbox, note, ns, type ContractTransport, type TransportUnderTest } from './transport-harness.js';

const LOAD_PER_SENDER = 10_000;

/**
 * What every Transport must do. Tests that need several nodes, durability, encoding or a
 * restartable backend are skipped for implementations without them (LocalTransport is one node,
 * in memory). Waits are on deliveries and promises, each bounded, never on the clock.
 */
export function transportContract<T extends ContractTransport>(name: string, subject: TransportUnderTest<T>): void {
  describe(`Transport contract: ${name}`, () => {
    const opened: T[] = [];
    let next = 0;
    const create = (role: string): T => {
      const t = subject.create(`${role}${++next}`);
      opened.push(t);
      return t;
    };
    afterEach(async () => {
      await Promise.all(opened.splice(0).map((t) => t.close()));
    });
    const durable = subject.durable;
    const noDurability = durable === undefined ? 'no durable storage' : false;

    test('delivers every field of an envelope, asynchronously, with the sending node on the receipt', async () => {
      const receiver = create('r');
      const sender = subject.multiNode ? create('s') : receiver;
      const inbox = new Inbox();
      await receiver.start(inbox.deliver);
      if (sender !== receiver) await sender.start(() => {});
      const sent = [
        new Envelope('room:lobby', 'session:alice', 41, 7, { type: 'say', text: 'héllo ✓', nested: { list: [1, 2.5, null, true, 'x'] } },
          '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01', Lane.SYSTEM, 3, 99, 2),
        new Envelope('', null, 1_073_741_823, 0, { ok: { seq: 12 } }, undefined, Lane.REPLY, 0, 5, 1),
      ];
      sent[0].seqEpoch = 1_795_000_000_123;
      sent[1].replyNode = 'node-a';
      sender.send(receiver.nodeId, sent);
      assert.equal(inbox.envelopes.length, 0, 'delivered from inside send');
      await inbox.until(2, 10_000);
      assert.deepEqual(inbox.envelopes.map(fields), sent.map(fields));
      for (const { receipt } of inbox.batches) if (receipt !== undefined) assert.equal(receipt.from, sender.nodeId);
    });

    test(`keeps order per sender→receiver pair under load (3 senders × ${LOAD_PER_SENDER} envelopes)`, async () => {
      const receiver = create('r');
      const inbox = new Inbox();
      await receiver.start(inbox.deliver);
      const senders = subject.multiNode ? [create('a'), create('b'), create('c')] : [receiver, receiver, receiver];
      for (const s of senders) if (s !== receiver) await s.start(() => {});
      const sequences = new Map<string, number>();
      const sendAll = async (sender: T, k: number): Promise<void> => {
        // Bursts of varying size, a turn apart, so that batches form and interleave across senders.
        for (let n = 0, burst = 1; n < LOAD_PER_SENDER; burst = (burst * 7) % 199 + 1) {
          const batch: Envelope[] = [];
          for (const end = Math.min(LOAD_PER_SENDER, n + burst); n < end; n++) {
            const from = `actor:s${k}-${n % 4}`;
            const to = `room:${n % 8}`;
            const pair = `${from}>${to}`;
            const seq = (sequences.get(pair) ?? 0) + 1;
            sequences.set(pair, seq);
            batch.push(note(to, from, n, seq));
          }
          sender.send(receiver.nodeId, batch);
          await turn();
        }
      };
      await Promise.all(senders.map((s, k) => sendAll(s, k)));
      await inbox.until(3 * LOAD_PER_SENDER, 60_000);
      const last = new Map<string, number>();
      for (const e of inbox.envelopes) {
        const pair = `${e.from}>${e.to}`;
        const expected = (last.get(pair) ?? 0) + 1;
        if (e.seq !== expected) assert.fail(`pair ${pair}: got seq ${e.seq}, expected ${expected}`);
        last.set(pair, e.seq);
      }
      assert.deepEqual(last, sequences);
      assert.equal(inbox.envelopes.length, 3 * LOAD_PER_SENDER);
    });

    test('refuses sends before start and after close (GLASS_ERR_NO_ROUTE) and delivers nothing', async () => {
      const t = create('r');
      const inbox = new Inbox();
      const noRoute = (err: unknown): boolean => err instanceof GlassError && err.code === ErrorCodes.NO_ROUTE;
      assert.throws(() => t.send(t.nodeId, [note('room:a', null, 1)]), noRoute);
      await t.start(inbox.deliver);
      await t.close();
      assert.throws(() => t.send(t.nodeId, [note('room:a', null, 2)]), noRoute);
      await turn();
      assert.deepEqual(inbox.ns(), []);
    });

    test('refuses an envelope it cannot encode (GLASS_ERR_INVALID_MESSAGE) alone: its neighbours and later sends arrive', { skip: !subject.encodes && 'passes messages by reference' }, async () => {
      const receiver = create('r');
      const sender = subject.multiNode ? create('s') : receiver;
      const inbox = new Inbox();
      await receiver.start(inbox.deliver);
      if (sender !== receiver) await sender.start(() => {});
      const withFunction = note('room:a', null, 2, 0, { fn: () => 1 });
      assert.throws(() => sender.send(receiver.nodeId, [note('room:a', null, 1), withFunction, note('room:a', null, 3)]), (err: any) => {
        assert.equal(err.code, ErrorCodes.INVALID_MESSAGE);
        assert.deepEqual(err.envelopes, [withFunction]);
        return true;
      });
      const cyclic: Record<string, unknown> = { type: 'note', n: 4 };
      cyclic.self = cyclic;
      const withCycle = new Envelope('room:a', null, 4, 0, cyclic, undefined, Lane.USER, -1, 0, 0);
      assert.throws(() => sender.send(receiver.nodeId, [withCycle]), { code: ErrorCodes.INVALID_MESSAGE });
      sender.send(receiver.nodeId, [note('room:a', null, 5)]);
      await inbox.until(3, 10_000);
      assert.deepEqual(inbox.ns(), [1, 3, 5]);
    });

    test('an acknowledged entry is never delivered again; an unacknowledged one goes to the next reader of the node', { skip: noDurability }, async () => {
      const first = create('r');
      const sender = create('s');
      const oddOnly = new Inbox((batch, receipt) => ns(batch)[0] % 2 === 1 && receipt?.ack());
      await first.start(oddOnly.deliver);
      await sender.start(() => {});
      for (let n = 1; n <= 6; n++) {
        sender.send(first.nodeId, [note('room:a', 'actor:x', n, n)]);
        await durable!.flush(sender);
      }
      await oddOnly.until(6, 10_000);
      await durable!.flushAcks(first);
      await first.close();
      const again = subject.create(first.nodeId);
      opened.push(again);
      const inbox = new Inbox();
      await again.start(inbox.deliver);
      // A marker sent after the restart arrives after every redelivery: the pending list is read first.
      await inbox.until(1, 10_000);
      sender.send(first.nodeId, [note('room:a', 'actor:x', 7, 7)]);
      await inbox.until(4, 10_000);
      assert.deepEqual(inbox.ns(), [2, 4, 6, 7]);
    });

    test("claimFrom takes a dead node's unacknowledged and unread entries, oldest first; acknowledged ones never", { skip: noDurability }, async () => {
      const dead = create('d');
      const sender = create('s');
      const claimer = create('c');
      const oddOnly = new Inbox((batch, receipt) => ns(batch)[0] % 2 === 1 && receipt?.ack());
      await dead.start(oddOnly.deliver);
      await sender.start(() => {});
      await claimer.start(() => {});
      for (let n = 1; n <= 4; n++) {
        sender.send(dead.nodeId, [note('room:a', 'actor:x', n, n)]);
        await durable!.flush(sender);
      }
      await oddOnly.until(4, 10_000);
      await durable!.flushAcks(dead);
      await dead.close();
      sender.send(dead.nodeId, [note('room:a', 'actor:x', 5, 5), note('room:b', 'actor:x', 6, 1)]);
      await durable!.flush(sender);
      const claimed = await durable!.claimFrom(claimer, dead.nodeId, 0);
      assert.deepEqual(claimed.flatMap((d) => ns(d.envelopes)), [2, 4, 5, 6]);
      for (const d of claimed) d.ack();
      await durable!.flushAcks(claimer);
      assert.deepEqual(await durable!.claimFrom(claimer, dead.nodeId, 0), []);
      assert.equal(await durable!.trim(claimer, dead.nodeId), 2, 'the entries the dead node acknowledged itself');
      assert.equal(await durable!.stored(dead.nodeId), 0);
    });

    test('claimFrom leaves the pending entries of a reader idle for less than minIdleMs', { skip: noDurability }, async () => {
      const live = create('l');
      const sender = create('s');
      const claimer = create('c');
      const keep = new Inbox(() => {});
      await live.start(keep.deliver);
      await sender.start(() => {});
      await claimer.start(() => {});
      sender.send(live.nodeId, [note('room:a', null, 1), note('room:a', null, 2)]);
      await keep.until(2, 10_000);
      assert.deepEqual(await durable!.claimFrom(claimer, live.nodeId, 60_000, false), []);
      for (const { receipt } of keep.batches) receipt!.ack();
      await durable!.flushAcks(live);
      assert.equal(await durable!.trim(live), 1);
    });

    test('trimming keeps every unacknowledged and every undelivered entry', { skip: noDurability }, async () => {
      const reader = create('r');
      const sender = create('s');
      const some = new Inbox((batch, receipt) => [1, 2, 3, 4, 7].includes(ns(batch)[0]) && receipt?.ack());
      await reader.start(some.deliver);
      await sender.start(() => {});
      for (let n = 1; n <= 10; n++) {
        sender.send(reader.nodeId, [note('room:a', 'actor:x', n, n)]);
        await durable!.flush(sender);
      }
      await some.until(10, 10_000);
      await durable!.flushAcks(reader);
      assert.equal(await durable!.trim(reader), 4, 'entries 1–4: acknowledged, below the oldest pending one');
      assert.equal(await durable!.stored(reader.nodeId), 6);
      await reader.close();
      const again = subject.create(reader.nodeId);
      opened.push(again);
      const inbox = new Inbox();
      await again.start(inbox.deliver);
      await inbox.until(1, 10_000);
      sender.send(reader.nodeId, [note('room:a', 'actor:x', 11, 11)]);
      await inbox.until(6, 10_000);
      assert.deepEqual(inbox.ns(), [5, 6, 8, 9, 10, 11], '7 was acknowledged: kept by the trim, not redelivered');
      await durable!.flushAcks(again);
      await again.close();
      sender.send(reader.nodeId, [note('room:a', 'actor:x', 12, 12), note('room:b', 'actor:x', 13, 1)]);
      await durable!.flush(sender);
      await durable!.trim(sender, reader.nodeId);
      assert.equal(await durable!.stored(reader.nodeId), 1, 'only the entry nobody has read yet');
      const third = subject.create(reader.nodeId);
      opened.push(third);
      const last = new Inbox();
      await third.start(last.deliver);
      await last.until(2, 10_000);
      assert.deepEqual(last.ns(), [12, 13]);
    });

    test('survives a restart of its backend: what is sent while it is down arrives after, in order', { skip: subject.restartable === undefined && 'no restartable backend' }, () =>
      subject.restartable!(async (make, backend) => {
        const receiver = make('r');
        const sender = make('s');
        opened.push(receiver, sender);
        const inbox = new Inbox();
        await receiver.start(inbox.deliver);
        await sender.start(() => {});
        const sendRange = async (from: number, to: number): Promise<void> => {
          for (let n = from; n <= to; n += 50) {
            const batch: Envelope[] = [];
            for (let i = n; i < n + 50 && i <= to; i++) batch.push(note('room:a', 'actor:x', i, i));
            sender.send(receiver.nodeId, batch);
            await turn();
          }
        };
        await sendRange(1, 500);
        await inbox.until(500, 10_000);
        await durable?.flushAcks(receiver);
        await backend.stop();
        await sendRange(501, 1_000);
        await backend.start();
        await inbox.until(1_000, 30_000);
        assert.deepEqual(inbox.ns(), Array.from({ length: 1_000 }, (_, i) => i + 1));
        await sendRange(1_001, 1_100);
        await inbox.until(1_100, 10_000);
        assert.equal(inbox.envelopes.length, 1_100);
        await Promise.all([receiver.close(), sender.close()]);
      }),
    );
  });
}

function fields(e: Envelope): unknown[] {
  return [e.to, e.from, e.id, e.seq, e.msg, e.trace, e.lane, e.replyThread, e.replyId, e.origin, e.seqEpoch, e.replyNode];
}

