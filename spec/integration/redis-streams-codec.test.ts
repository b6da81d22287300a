import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Packr } from 'msgpackr';
import { ENTRY_FORMAT, EnvelopeCodec, TransportErrorCodes } from '../../cluster/index.js';
import { Envelope, Lane } from '../../runtime/index.js';

const TRACE = '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01';

function entryOf(codec: EnvelopeCodec, envelopes: readonly Envelope[]): Buffer {
  const records = envelopes.map((e) => codec.encode(e));
  return codec.join(records, records.reduce((n, r) => n + r.length, 0));
}

test('an entry decodes to the envelopes it was made of, field for field and in order, by another codec', () => {
  const body = {
    type: 'rich',
    text: 'héllo ✓ 🎲',
    numbers: [0, -1, 1.5, 2 ** 40, Number.MAX_SAFE_INTEGER, -0.25],
    nested: { deep: { list: [null, true, false, 'x', { k: [] }] } },
    missing: undefined,
    at: new Date(1_732_000_000_123),
    set: new Set(['a', 'b']),
    bytes: new Uint8Array([0, 255, 7]),
    big: 12_345_678_901_234_567n,
  };
  const sent = [
    new Envelope('room:lobby', 'session:alice', 1, 1, body, TRACE, Lane.USER, -1, 0, 0),
    new Envelope('', null, 2 ** 30 - 1, 0, { ok: 3 }, undefined, Lane.REPLY, 7, 12, 3),
    new Envelope('override:x', 'gateway:n1', 3, 99, { type: 'stop' }, undefined, Lane.SYSTEM, 0, 4, 1),
  ];
  const decoded = new EnvelopeCodec().decode(entryOf(new EnvelopeCodec(), sent), 's', '1-1');
  assert.equal(decoded.length, 3);
  decoded.forEach((e, i) => {
    assert.ok(e instanceof Envelope);
    assert.deepEqual({ ...e }, { ...sent[i] });
  });
});

test('a Map arrives as a plain object (the one difference from the thread path, as with JSON)', () => {
  const codec = new EnvelopeCodec();
  const sent = new Envelope('room:a', null, 1, 0, { type: 'm', map: new Map([['k', 1]]) }, undefined, Lane.USER, -1, 0, 0);
  const [e] = codec.decode(entryOf(codec, [sent]), 's', '1-1');
  assert.deepEqual(e.msg, { type: 'm', map: { k: 1 } });
});

test('what cannot be encoded throws, and the codec keeps working', () => {
  const codec = new EnvelopeCodec();
  const cyclic: Record<string, unknown> = { type: 'c' };
  cyclic.self = cyclic;
  for (const msg of [{ type: 'f', fn: () => 1 }, { type: 's', sym: Symbol('x') }, cyclic]) {
    assert.throws(() => codec.encode(new Envelope('room:a', null, 1, 0, msg, undefined, Lane.USER, -1, 0, 0)));
  }
  const ok = new Envelope('room:a', null, 2, 0, { type: 'ok' }, undefined, Lane.USER, -1, 0, 0);
  assert.deepEqual(codec.decode(entryOf(codec, [ok]), 's', '1-1')[0].msg, { type: 'ok' });
});

test('a payload that is not ours is a MalformedEntryError (GLASS_ERR_MALFORMED_ENTRY) naming the entry', () => {
  const codec = new EnvelopeCodec();
  const good = entryOf(codec, [new Envelope('room:a', null, 1, 0, { type: 'x' }, undefined, Lane.USER, -1, 0, 0)]);
  const foreign = new Packr({ useRecords: false });
  const cases: [string, Buffer][] = [
    ['empty', Buffer.alloc(0)],
    ['another format', Buffer.concat([Buffer.from([ENTRY_FORMAT + 1]), good.subarray(1)])],
    ['truncated', good.subarray(0, good.length - 3)],
    ['not an envelope', Buffer.concat([Buffer.from([ENTRY_FORMAT]), foreign.pack({ to: 'room:a' })])],
    ['a short record', Buffer.concat([Buffer.from([ENTRY_FORMAT]), foreign.pack(['room:a', null, 1])])],
    ['a bad lane', Buffer.concat([Buffer.from([ENTRY_FORMAT]), foreign.pack(['room:a', null, 1, 0, 9, -1, 0, 0, null, {}])])],
  ];
  for (const [what, payload] of cases) {
    assert.throws(
      () => codec.decode(payload, 'glass:node:n1', '5-0'),
      (err: any) => {
        assert.equal(err.code, TransportErrorCodes.MALFORMED_ENTRY, what);
        assert.deepEqual(err.details, { stream: 'glass:node:n1', id: '5-0' });
        return true;
      },
      what,
    );
  }
});

test('envelopes are smaller than as JSON; a bare tell costs a few bytes beyond its keys and body', (t) => {
  const codec = new EnvelopeCodec();
  const envelopes = Array.from({ length: 64 }, (_, i) =>
    i % 2 === 0
      ? new Envelope(`room:r${i}`, `session:p${i}`, i, i + 1, { type: 'say', player: `p${i}`, text: 'the lantern flickers' }, undefined, Lane.USER, -1, 0, 1)
      : new Envelope(`session:p${i}`, `room:r${i}`, i, i + 1, { type: 'room-event', seq: i, line: { player: 'p1', text: 'hi' } }, TRACE, Lane.USER, 2, 70 + i, 2),
  );
  const packed = entryOf(codec, envelopes).length;
  const json = Buffer.byteLength(JSON.stringify(envelopes));
  t.diagnostic(`64 envelopes: msgpack ${packed} B, JSON ${json} B (${(packed / json).toFixed(2)}×)`);
  assert.ok(packed < json * 0.7, `${packed} B packed vs ${json} B JSON`);
  const bare = codec.encode(new Envelope('room:a', null, 1, 0, { type: 't' }, undefined, Lane.USER, -1, 0, 0));
  // fixarray header, "room:a", nil (from), six small ints, nil (trace), {type:"t"}, seqEpoch 0, nil (replyNode)
  assert.equal(bare.length, 1 + 7 + 1 + 6 + 1 + 8 + 1 + 1);
});
