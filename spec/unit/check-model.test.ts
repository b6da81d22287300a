import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { CHECK_MODEL, SKILLS, checkSeed, fnv1a32, rollD20, runChecks } from '../../actors/session/check-model.js';
import { RulesErrors, type CheckRequest } from '../../actors/session/rules.js';

function req(over: Partial<CheckRequest> = {}): CheckRequest {
  return { session: 's1', turn: 1, player: 'p1', text: 'I climb the wall', modifiers: {}, momentum: 0, ...over };
}

describe('check model', () => {
  test('the keyword table: skills in order of first mention, each once, at most maxChecks', () => {
    assert.deepEqual(runChecks(req({ text: 'I sneak past, then climb and climb again' })).map((r) => r.skill), ['stealth', 'athletics']);
    assert.deepEqual(runChecks(req({ text: 'Hiding, I try to persuade the guard' })).map((r) => r.skill), ['stealth', 'persuasion']);
    assert.deepEqual(runChecks(req({ text: 'I attack, search, swim, sneak and bargain' })).map((r) => r.skill), ['combat', 'investigation', 'athletics']);
    assert.equal(CHECK_MODEL.maxChecks, 3);
    assert.deepEqual(runChecks(req({ text: 'I say hello to the innkeeper' })), []);
    // Whole words only: "climber" is not a keyword form, "research" does not contain a search.
    assert.deepEqual(runChecks(req({ text: 'the climber does research' })), []);
  });

  test('a replayed turn rolls the same; another player or turn rolls from another seed', () => {
    const a = runChecks(req({ text: 'I climb, sneak and fight' }));
    assert.deepEqual(runChecks(req({ text: 'I climb, sneak and fight' })), a);
    assert.equal(checkSeed('s1', 1, 'p1', 0), fnv1a32('s1\u00001\u0000p1\u00000'));
    assert.notEqual(checkSeed('s1', 1, 'p1', 0), checkSeed('s1', 1, 'p2', 0));
    const rolls = new Set<number>();
    for (let turn = 0; turn < 50; turn++) rolls.add(runChecks(req({ turn }))[0].roll);
    assert.ok(rolls.size > 10, `50 turns roll more than 10 distinct faces (${rolls.size})`);
  });

  test('distribution over a fixed set of 20,000 seeds: every face, mean near 10.5', () => {
    const counts = new Array<number>(21).fill(0);
    let sum = 0;
    const n = 20_000;
    for (let turn = 0; turn < n; turn++) {
      const roll = rollD20('dist', turn, 'p', turn % SKILLS.length);
      assert.ok(Number.isInteger(roll) && roll >= 1 && roll <= 20, `roll ${roll}`);
      counts[roll]++;
      sum += roll;
    }
    // Expected 1,000 a face (σ ≈ 30): 800…1,200 is more than 6σ either side.
    for (let face = 1; face <= 20; face++) assert.ok(counts[face] > 800 && counts[face] < 1_200, `face ${face}: ${counts[face]}`);
    const mean = sum / n;
    // σ of the mean ≈ 0.04: ±0.25 is more than 6σ.
    assert.ok(Math.abs(mean - 10.5) < 0.25, `mean ${mean}`);
  });

  test('every outcome is reachable, and natural 20 / natural 1 are critical whatever the total', () => {
    const seen = new Map<string, number>();
    for (let turn = 0; turn < 500; turn++) {
      // Even turns with +10 (a natural 1 at total 11 still fails critically), odd turns with none.
      const [r] = runChecks(req({ turn, modifiers: { athletics: turn % 2 === 0 ? 10 : 0 } }));
      seen.set(r.outcome, r.roll);
      if (r.roll === 20) assert.equal(r.outcome, 'critical-success');
      else if (r.roll === 1) assert.equal(r.outcome, 'critical-failure');
      else assert.equal(r.outcome, r.total >= r.difficulty ? 'success' : 'failure');
    }
    assert.deepEqual([...seen.keys()].sort(), ['critical-failure', 'critical-success', 'failure', 'success']);
  });

  test('modifiers: applied, truncated, clamped to ±10; missing or not a number is 0', () => {
    const base = runChecks(req())[0];
    const check = (modifiers: Record<string, unknown>) => runChecks(req({ modifiers: modifiers as Record<string, number> }))[0];
    assert.equal(base.modifier, 0);
    assert.equal(check({ athletics: 3 }).total, base.roll + 3);
    assert.equal(check({ athletics: 2.9 }).modifier, 2);
    assert.equal(check({ athletics: 1_000 }).modifier, 10);
    assert.equal(check({ athletics: -1_000 }).modifier, -10);
    assert.equal(check({ athletics: Number.NaN }).modifier, 0);
    assert.equal(check({ athletics: '7' }).modifier, 0);
    assert.equal(check({ stealth: 5 }).modifier, 0, 'another skill\'s modifier does not apply');
    assert.equal(check({ athletics: 4 }).roll, base.roll, 'a modifier never changes the roll');
  });

  test('difficulty: base 12, careful −2, reckless +3, momentum lowers it (clamped to ±3)', () => {
    assert.equal(runChecks(req())[0].difficulty, 12);
    assert.equal(runChecks(req({ text: 'I carefully climb' }))[0].difficulty, 10);
    assert.equal(runChecks(req({ text: 'I quickly climb' }))[0].difficulty, 15);
    assert.equal(runChecks(req({ text: 'I carefully but quickly climb' }))[0].difficulty, 13);
    assert.equal(runChecks(req({ momentum: 2 }))[0].difficulty, 10);
    assert.equal(runChecks(req({ momentum: 99 }))[0].difficulty, 9);
    assert.equal(runChecks(req({ momentum: -99, text: 'I recklessly climb' }))[0].difficulty, 18);
  });

  test('bounded work: a 100 KB text is scanned for its first maxScanChars only', () => {
    const filler = 'and then '.repeat(Math.ceil(CHECK_MODEL.maxScanChars / 9));
    const big = (filler + 'I sneak ').padEnd(100_000, 'climb ');
    assert.equal(big.length, 100_000);
    assert.deepEqual(runChecks(req({ text: big })), [], 'keywords past the scanned prefix are not seen');
    const many = 'climb sneak fight search '.repeat(4_000).slice(0, 100_000);
    assert.equal(runChecks(req({ text: many })).length, CHECK_MODEL.maxChecks);
  });

  test('a malformed request is a typed refusal naming the field, never a crash', () => {
    const bad: [unknown, string][] = [
      [null, 'request'],
      [{ ...req(), session: '' }, 'session'],
      [{ ...req(), player: 'x'.repeat(300) }, 'player'],
      [{ ...req(), turn: -1 }, 'turn'],
      [{ ...req(), text: 'x'.repeat(CHECK_MODEL.maxTextLength + 1) }, 'text'],
      [{ ...req(), momentum: Infinity }, 'momentum'],
      [{ ...req(), modifiers: [] }, 'modifiers'],
      [{ ...req(), modifiers: Object.fromEntries(Array.from({ length: 65 }, (_, i) => [`s${i}`, 1])) }, 'modifiers'],
    ];
    for (const [value, field] of bad) assert.throws(() => runChecks(value as CheckRequest), { code: RulesErrors.INVALID, details: { field } }, field);
  });
});
