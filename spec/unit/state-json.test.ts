import assert from 'node:assert/strict';
import { test } from 'node:test';
import { stateJson } from '../../runtime/index.js';

const line = (seq: number, text: string) => Object.freeze({ seq, from: 'ann', text, at: 1_700_000_000_000 + seq });

test('stateJson gives the text JSON.stringify gives, for any value', () => {
  const values: unknown[] = [
    undefined,
    null,
    0,
    'a "quoted" \u2028 line',
    [1, undefined, () => 1],
    { a: undefined, f: () => 1, s: Symbol('x'), n: NaN, d: new Date(0), m: new Map([[1, 2]]) },
    { history: [line(1, 'hi'), { seq: 2, text: 'plain' }, line(3, 'yo')], members: { ann: 'n1' }, seq: 3 },
    { list: [Object.freeze({ nested: { a: 1 } })], empty: [], toJSON: undefined },
    { list: [Object.freeze([1, 2])], date: [Object.freeze(new Date(5))] },
    new Date(7),
    Object.freeze({ x: 1 }),
  ];
  for (const value of values) assert.equal(stateJson(value), JSON.stringify(value) ?? 'null');
});

test('a replaced entry is written anew, and an unfrozen one is never reused', () => {
  const state = { history: [line(1, 'first'), line(2, 'second')], seq: 2 };
  assert.equal(stateJson(state), JSON.stringify(state));
  // What a redaction does: the entry is replaced, not edited.
  state.history[0] = Object.freeze({ ...state.history[0], text: '' });
  assert.equal(stateJson(state), JSON.stringify(state));
  const open = { seq: 3, from: 'bob', text: 'draft', at: 3 };
  const mixed = { history: [open, line(4, 'frozen')] };
  assert.equal(stateJson(mixed), JSON.stringify(mixed));
  open.text = 'edited';
  assert.equal(stateJson(mixed), JSON.stringify(mixed));
  assert.match(stateJson(mixed), /edited/);
});

test('stateJson fails as JSON.stringify does on what JSON cannot hold', () => {
  assert.throws(() => stateJson({ n: 1n }), TypeError);
  const cyclic: Record<string, unknown> = {};
  cyclic.self = cyclic;
  assert.throws(() => stateJson(cyclic), TypeError);
});
