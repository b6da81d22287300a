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

test('a list that grew is written as its earlier text plus the new entries, and anew when its front changed', () => {
  const state = { history: [line(1, 'a'), line(2, 'b')], members: { ann: 'n1' }, seq: 2 };
  assert.equal(stateJson(state), JSON.stringify(state));
  for (let seq = 3; seq <= 8; seq++) {
    state.history.push(line(seq, `line ${seq}`));
    assert.equal(stateJson(state), JSON.stringify(state));
  }
  // A spill takes entries off the front; a redaction replaces one; a pop shortens the list.
  state.history.splice(0, 3);
  assert.equal(stateJson(state), JSON.stringify(state));
  state.history.shift();
  state.history.push(line(9, 'nine'));
  assert.equal(stateJson(state), JSON.stringify(state));
  state.history[2] = Object.freeze({ ...state.history[2], text: '' });
  assert.equal(stateJson(state), JSON.stringify(state));
  state.history.pop();
  assert.equal(stateJson(state), JSON.stringify(state));
  // An entry that can change is written anew each time, and the list with it.
  const open = { seq: 10, from: 'bob', text: 'draft', at: 10 };
  (state.history as object[]).splice(1, 0, open);
  state.history.push(line(11, 'eleven'));
  assert.equal(stateJson(state), JSON.stringify(state));
  open.text = 'edited';
  state.history.push(line(12, 'twelve'));
  assert.equal(stateJson(state), JSON.stringify(state));
  assert.match(stateJson(state), /edited/);
});

test('a list appended to many times is written flat again now and then, with the same text', () => {
  const state = { turns: [] as object[] };
  for (let i = 1; i <= 300; i++) {
    state.turns.push(Object.freeze({ turn: i, text: `turn ${i}` }));
    assert.equal(stateJson(state), JSON.stringify(state));
  }
});
