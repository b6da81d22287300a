import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { GlassNode } from '../../runtime/node/index.js';
import { seqReceiver, seqSender } from '../fixtures/probe-actors.js';
import { idsOnThread, startTestNode } from './node-harness.js';

const SENDERS_PER_WORKER = 10;
const MESSAGES = 2_000;

let node: GlassNode;
before(async () => {
  node = await startTestNode();
});
after(() => node.close());

interface Report {
  record: { count: number; lastN: number; lastSeq: number; violations: string[] } | null;
  askSeq: number;
  askSender: string | null;
}

test(`per-pair order holds under load: ${2 * SENDERS_PER_WORKER} senders × ${MESSAGES} messages to a receiver on each worker`, async () => {
  const [r1] = idsOnThread(node, 1, 'recv', 1);
  const [r2] = idsOnThread(node, 2, 'recv', 1);
  const senders = [...idsOnThread(node, 1, 'send', SENDERS_PER_WORKER), ...idsOnThread(node, 2, 'send', SENDERS_PER_WORKER)];
  // Each sender tells one receiver on its own worker and one on the other, interleaved.
  const reports = (await Promise.all(
    senders.map((id) => seqSender.ref(node, id).ask({ type: 'blast', receivers: [r1, r2], count: MESSAGES }, { timeoutMs: 30_000 })),
  )) as Report[][];
  for (const [i, id] of senders.entries()) {
    for (const [j, receiver] of [r1, r2].entries()) {
      const where = `seq-sender:${id} (thread ${node.threadOf(id)}) → seq-receiver:${receiver} (thread ${node.threadOf(receiver)})`;
      const { record, askSeq, askSender } = reports[i][j];
      assert.ok(record !== null, `${where}: nothing received`);
      assert.deepEqual(record.violations, [], where);
      assert.equal(record.count, MESSAGES, where);
      assert.equal(record.lastN, MESSAGES, where);
      // Envelope sequence numbers 1..MESSAGES, then the report ask as MESSAGES + 1.
      assert.equal(record.lastSeq, MESSAGES, where);
      assert.equal(askSeq, MESSAGES + 1, where);
      assert.equal(askSender, `seq-sender:${id}`, where);
    }
  }
});

test('messages from the main thread keep their order, with and without a sender name', async () => {
  const receivers = [...idsOnThread(node, 1, 'main-recv', 1), ...idsOnThread(node, 2, 'main-recv', 1)];
  for (let n = 1; n <= MESSAGES; n++) {
    for (const id of receivers) {
      node.tell({ kind: 'seq-receiver', id }, { type: 'num', n });
      node.tellAs('edge-test', { kind: 'seq-receiver', id }, { type: 'num', n });
    }
  }
  for (const id of receivers) {
    const ref = seqReceiver.ref(node, id);
    // Asked after the tells over the same port: answered only once all of them were handled.
    const anonymous = (await ref.ask({ type: 'report', sender: null })) as Report;
    // Sequenced too, under the node's name (so a failover cannot apply one twice): 1..N per receiver.
    assert.deepEqual(anonymous.record, { count: MESSAGES, lastN: MESSAGES, lastSeq: MESSAGES, violations: [] }, `node.tell → ${id}`);
    assert.equal(anonymous.askSender, null);
    const named = (await ref.ask({ type: 'report', sender: 'edge-test' })) as Report;
    assert.deepEqual(named.record, { count: MESSAGES, lastN: MESSAGES, lastSeq: MESSAGES, violations: [] }, `node.tellAs → ${id}`);
  }
});
