import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Envelope, Lane } from '../../runtime/index.js';
import { WireDecoder, WireEncoder } from '../../runtime/wire/wire-codec.js';

function envelope(to: string, from: string | null, n: number, extra: Partial<Envelope> = {}): Envelope {
  return Object.assign(new Envelope(to, from, n, n, { type: 'm', n }, undefined, Lane.USER, -1, 0, 3), extra);
}

/** Round-trips batches through structuredClone, as postMessage would. */
function roundTrip(encoder: WireEncoder, decoder: WireDecoder, batches: Envelope[][]): Envelope[][] {
  return batches.map((batch) => {
    for (const e of batch) encoder.encode(e);
    const out: Envelope[] = [];
    decoder.decode(structuredClone(encoder.take(0)), 3, (e) => out.push(e));
    return out;
  });
}

test('every field survives the wire, keys are sent once per link, and absent fields stay absent', () => {
  const encoder = new WireEncoder(16);
  const decoder = new WireDecoder();
  const ask = envelope('room:a', 'session:s', 7, { replyThread: 0, replyId: 42, trace: '00-abc-def-01', lane: Lane.SYSTEM });
  const [first, second] = roundTrip(encoder, decoder, [
    [envelope('room:a', null, 1), ask, envelope('room:b', 'room:a', 2)],
    [envelope('room:a', 'room:b', 3)],
  ]);
  assert.deepEqual(first, [envelope('room:a', null, 1), ask, envelope('room:b', 'room:a', 2)]);
  assert.deepEqual(second, [envelope('room:a', 'room:b', 3)]);
  // The second batch reused the table: it carried no key strings.
  encoder.encode(envelope('room:a', 'room:b', 4));
  assert.deepEqual(encoder.take(0)[4], []);
});

test('after invalidate the next batch resets both tables, and later batches decode against the new table', () => {
  const encoder = new WireEncoder(4);
  const decoder = new WireDecoder();
  roundTrip(encoder, decoder, [[envelope('room:a', 'room:b', 1)]]);
  // A batch the receiver never sees (a failed post) taught the encoder a key…
  encoder.encode(envelope('room:lost', null, 2));
  encoder.take(0);
  encoder.invalidate();
  // …so the next batch starts a fresh table and must carry every key it uses again.
  const [after, later] = roundTrip(encoder, decoder, [[envelope('room:c', 'room:a', 3)], [envelope('room:a', 'room:c', 4)]]);
  assert.deepEqual(after, [envelope('room:c', 'room:a', 3)]);
  assert.deepEqual(later, [envelope('room:a', 'room:c', 4)]);
});

test('a table past its bound starts over without losing a key', () => {
  const encoder = new WireEncoder(1024);
  const decoder = new WireDecoder();
  const keys = Array.from({ length: 70_000 }, (_, i) => `k:${i}`);
  const batches: Envelope[][] = [];
  for (let i = 0; i < keys.length; i += 1024) batches.push(keys.slice(i, i + 1024).map((k, j) => envelope(k, keys[(i + j + 1) % keys.length], i + j)));
  batches.push([envelope('k:0', 'k:69999', 1)]);
  const decoded = roundTrip(encoder, decoder, batches).flat();
  assert.equal(decoded.length, keys.length + 1);
  decoded.forEach((e, i) => assert.equal(e.to, i < keys.length ? keys[i] : 'k:0'));
  assert.equal(decoded.at(-1)!.from, 'k:69999');
});

test('every envelope keeps its seqEpoch on every link; receipt and replyNode cross only with envelopes that have them', () => {
  const encoder = new WireEncoder(16);
  const decoder = new WireDecoder();
  const tracked = envelope('counter:c', 'pump:p', 1, { seqEpoch: 1_795_000_000_000, receipt: 17 });
  const remoteAsk = envelope('counter:c', null, 2, { replyThread: 0, replyId: 9, replyNode: 'node-b' });
  const local = envelope('counter:c', 'pump:p', 3, { seqEpoch: 1_795_000_000_000 });
  const [batch] = roundTrip(encoder, decoder, [[tracked, remoteAsk, local]]);
  assert.deepEqual(batch, [tracked, remoteAsk, local]);
  // Between two workers too: the receiver may hand the envelope on to another node (fenced,
  // passivated, moved), whose delivery log needs the pair's epoch to recognise it.
  assert.equal(batch[2].seqEpoch, 1_795_000_000_000);
  // Only the envelopes with a receipt or a reply node carry the extras (two numbers each).
  encoder.encode(local);
  assert.deepEqual(encoder.take(0)[6], []);
});
