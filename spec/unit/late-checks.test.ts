// The late checks of a turn failed by GLASS_ERR_RULES_TIMEOUT: the checkRunner result a session is
// given is hostile until its shape is checked, and a resume replays the `turn-checks` after its seq.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { lateChecksOf, lateChecksSince, MAX_LATE_CHECKS } from '../../actors/session/late-checks.js';
import type { Turn } from '../../actors/session/session-state.js';

const check = { skill: 'athletics', roll: 14, modifier: 2, total: 16, difficulty: 12, outcome: 'success' as const };

test('a checkRunner result is taken only as a bounded list of well-formed checks, copied field by field', () => {
  assert.deepEqual(lateChecksOf({ results: [check] }), [check]);
  assert.deepEqual(lateChecksOf({ results: [] }), []);
  assert.deepEqual(lateChecksOf({ results: [{ ...check, extra: 'x'.repeat(10_000) }] }), [check], 'unknown fields are not kept');
  for (const bad of [undefined, null, 'x', [], { results: 'x' }, { results: [null] }, { results: [{ ...check, roll: 'twenty' }] }, { results: [{ ...check, outcome: 'win' }] }, { results: [{ ...check, skill: '' }] }, { results: [{ ...check, total: Infinity }] }, { results: Array(MAX_LATE_CHECKS + 1).fill(check) }]) {
    assert.equal(lateChecksOf(bad), null, JSON.stringify(bad)?.slice(0, 80));
  }
});

test('a resume after seq `after` is given the turn-checks numbered past it, and no other', () => {
  const turns: Turn[] = [
    { turn: 1, player: 'ann', text: 'a', at: 0, seq: 3, failed: { code: 'GLASS_ERR_RULES_TIMEOUT', message: 'm' }, lateChecks: { seq: 6, checks: [check] } },
    { turn: 2, player: 'bob', text: 'b', at: 0, seq: 5, narrated: 'n', checks: [] },
    { turn: 3, player: 'ann', text: 'c', at: 0, seq: 7, failed: { code: 'GLASS_ERR_RULES_TIMEOUT', message: 'm' } },
  ];
  assert.deepEqual(lateChecksSince('s', turns, 5), [{ type: 'turn-checks', session: 's', seq: 6, turn: 1, player: 'ann', checks: [check] }]);
  assert.deepEqual(lateChecksSince('s', turns, 6), []);
});
