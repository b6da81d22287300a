// The scenario fields of session turns, room hops and moderators (bench/load/traffic/traffic-fields.ts):
// one table of refused scenarios, each naming the field at fault, and what a valid one becomes.
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { LoadScenario, readScenarioFile } from '../../bench/load/scenario-file.js';
import { DEFAULT_OVERRIDE_HOLD_MS, trafficArgs } from '../../bench/load/traffic/traffic-fields.js';

const BASE = { name: 'traffic', players: 30, rooms: 6, linesPerSecondPerPlayer: 1, rampUpMs: 1_000, durationMs: 8_000, loadProcesses: 2 };
const FULL = { ...BASE, sessions: 3, turnsPerMinutePerPlayer: 20, hopEvery: 2_000, moderators: 2, overridesPerMinute: 30, overrideHoldMs: 500 };

/** [case, scenario, the path of the first issue, a piece of its message]. */
const REFUSED: [string, Record<string, unknown>, string, RegExp][] = [
  ['sessions without turnsPerMinutePerPlayer', { ...BASE, sessions: 3 }, 'turnsPerMinutePerPlayer', /go together/],
  ['turnsPerMinutePerPlayer without sessions', { ...BASE, turnsPerMinutePerPlayer: 10 }, 'sessions', /go together/],
  ['sessions zero', { ...FULL, sessions: 0 }, 'sessions', /too small|>=1/],
  ['sessions fractional', { ...FULL, sessions: 1.5 }, 'sessions', /int/i],
  ['sessions above players', { ...FULL, sessions: 31 }, 'sessions', /must not exceed players/],
  ['turnsPerMinutePerPlayer zero', { ...FULL, turnsPerMinutePerPlayer: 0 }, 'turnsPerMinutePerPlayer', /too small|>0/],
  ['turnsPerMinutePerPlayer as a string', { ...FULL, turnsPerMinutePerPlayer: '10' }, 'turnsPerMinutePerPlayer', /number/],
  ['hopEvery below 100 ms', { ...FULL, hopEvery: 99 }, 'hopEvery', /too small|>=100/],
  ['hopEvery with one room per load process', { ...FULL, rooms: 3 }, 'hopEvery', /rooms ≥ 2 × loadProcesses/],
  ['moderators without overridesPerMinute', { ...BASE, moderators: 1 }, 'overridesPerMinute', /go together/],
  ['overridesPerMinute without moderators', { ...BASE, overridesPerMinute: 5 }, 'moderators', /go together/],
  ['moderators zero', { ...FULL, moderators: 0 }, 'moderators', /too small|>=1/],
  ['moderators above 100', { ...FULL, moderators: 101 }, 'moderators', /too big|<=100/],
  ['overridesPerMinute negative', { ...FULL, overridesPerMinute: -1 }, 'overridesPerMinute', /too small|>0/],
  ['overrideHoldMs without moderators', { ...BASE, overrideHoldMs: 500 }, 'overrideHoldMs', /needs moderators/],
  ['overrideHoldMs not less than durationMs', { ...FULL, overrideHoldMs: 8_000 }, 'overrideHoldMs', /less than durationMs/],
  ['overrideHoldMs below 50 ms', { ...FULL, overrideHoldMs: 10 }, 'overrideHoldMs', /too small|>=50/],
  ['an unknown field', { ...FULL, turnsPerMinute: 3 }, '', /turnsPerMinute/],
];

for (const [name, scenario, path, message] of REFUSED) {
  test(`refused: ${name}`, () => {
    const parsed = LoadScenario.safeParse(scenario);
    assert.equal(parsed.success, false, 'refused');
    const first = parsed.error!.issues[0];
    assert.equal(first.path.map(String).join('.'), path, JSON.stringify(parsed.error!.issues));
    assert.match(first.message, message);
  });
}

test('a scenario with every traffic field parses, and the load processes get their cadences', () => {
  const s = LoadScenario.parse(FULL);
  assert.equal(s.sessions, 3);
  assert.equal(s.hopEvery, 2_000);
  // 30 overrides a minute from 2 moderators: one every 4 s each.
  assert.deepEqual(trafficArgs(s), { turnsPerMinutePerPlayer: 20, hopEvery: 2_000, overrideEveryMs: 4_000, moderators: 2, overrideHoldMs: 500 });
});

test('without traffic fields a scenario is chat only, as before', () => {
  const s = LoadScenario.parse(BASE);
  assert.equal(s.sessions, undefined);
  assert.deepEqual(trafficArgs(s), { moderators: 0, overrideHoldMs: DEFAULT_OVERRIDE_HOLD_MS });
});

test('the file reader names the file and the field', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'glass-scenario-'));
  try {
    const file = join(dir, 's.json');
    await writeFile(file, JSON.stringify({ ...FULL, sessions: 31 }));
    await assert.rejects(readScenarioFile(file), { message: `scenario ${file}: sessions: sessions must not exceed players` });
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
