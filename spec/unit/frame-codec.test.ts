import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ClientFrame, decodeClientFrame, ProtocolErrors } from '../../clients/protocol/index.js';

const MAX = 64 * 1024;
const bytes = (frame: unknown): ArrayBuffer => {
  const b = Buffer.from(typeof frame === 'string' ? frame : JSON.stringify(frame));
  return b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength) as ArrayBuffer;
};

test('a say decodes to what the schema gives, whichever path it takes, and is refused with the same codes and messages', () => {
  const long = 'x'.repeat(2_000);
  const frames: unknown[] = [
    { type: 'say', room: 'lobby', text: 'hello' },
    { type: 'say', room: 'lobby', text: '', ref: 'r1' },
    { type: 'say', room: 'a.b_c-9', text: long, ref: 'x'.repeat(128) },
    { ref: 'r2', text: 'order differs', room: 'lobby', type: 'say' },
    { type: 'say', room: 'lobby', text: 'lone \ud800 surrogate' },
    { type: 'say', room: 'lobby', text: long + 'y' },
    { type: 'say', room: 'lobby', text: 5 },
    { type: 'say', room: 'lobby' },
    { type: 'say', text: 'no room' },
    { type: 'say', room: '', text: 'empty room' },
    { type: 'say', room: 'has space', text: 't' },
    { type: 'say', room: '__proto__', text: 't' },
    { type: 'say', room: 'r'.repeat(129), text: 't' },
    { type: 'say', room: 'lobby', text: 't', ref: '' },
    { type: 'say', room: 'lobby', text: 't', ref: 'x'.repeat(129) },
    { type: 'say', room: 'lobby', text: 't', ref: null },
    { type: 'say', room: 'lobby', text: 't', extra: 1 },
    { type: 'say', room: 'lobby', text: 't', ref: 'r', extra: 1 },
    '{"type":"say","room":"lobby","text":"t","__proto__":{"x":1}}',
  ];
  for (const frame of frames) {
    const decoded = decodeClientFrame(bytes(frame), false, MAX);
    const raw = typeof frame === 'string' ? JSON.parse(frame) : frame;
    const parsed = ClientFrame.safeParse(raw);
    assert.equal(decoded.ok, parsed.success, JSON.stringify(frame));
    if (decoded.ok && parsed.success) assert.deepEqual(decoded.frame, parsed.data);
    if (!decoded.ok) assert.equal(decoded.code, ProtocolErrors.BAD_FRAME_SCHEMA, JSON.stringify(frame));
  }
  const fixed = decodeClientFrame(bytes({ type: 'say', room: 'lobby', text: 'lone \ud800 surrogate' }), false, MAX);
  assert.ok(fixed.ok && fixed.frame.type === 'say' && fixed.frame.text === 'lone \ufffd surrogate');
  const refused = decodeClientFrame(bytes({ type: 'say', room: 'lobby', text: 't', ref: 'r9', extra: 1 }), false, MAX);
  assert.ok(!refused.ok && refused.ref === 'r9');
});
