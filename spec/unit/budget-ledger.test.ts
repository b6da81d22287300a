import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { addSpend, currentLedger, isoWeekOf, levelOf, sessionSpentUsd, verdictOf, weekEndsAt, type WorldStatus } from '../../actors/index.js';
import { budgetLimits, budgetLimitsFromEnv } from '../../cluster/index.js';
import { ManualClock } from '../../runtime/index.js';

const at = (iso: string): number => Date.parse(iso);
const spend = (costUsd: number) => ({ costUsd, inputTokens: 100, outputTokens: 50, calls: 1 });

describe('budget weeks', () => {
  it('names ISO 8601 weeks, the year of a week being its Thursday\'s', () => {
    assert.equal(isoWeekOf(at('2026-12-07T00:00:00Z')), '2026-W50');
    assert.equal(isoWeekOf(at('2026-12-13T23:59:59.999Z')), '2026-W50');
    assert.equal(isoWeekOf(at('2026-12-14T00:00:00Z')), '2026-W51');
    assert.equal(isoWeekOf(at('2020-12-31T12:00:00Z')), '2020-W53');
    assert.equal(isoWeekOf(at('2021-01-03T12:00:00Z')), '2020-W53');
    assert.equal(isoWeekOf(at('2021-01-04T00:00:00Z')), '2021-W01');
    assert.equal(isoWeekOf(at('2024-12-30T00:00:00Z')), '2025-W01');
    assert.equal(weekEndsAt(at('2026-12-09T15:00:00Z')), at('2026-12-14T00:00:00Z'));
    assert.throws(() => isoWeekOf(Number.NaN), RangeError);
  });

  it('rolls a world\'s spend over at Monday 00:00 UTC on the injected clock', () => {
    const clock = new ManualClock(at('2026-12-13T23:58:00Z'));
    let ledger = addSpend(undefined, clock.now(), spend(0.4));
    ledger = addSpend(ledger, clock.now(), spend(0.3));
    assert.deepEqual({ ...ledger }, { week: '2026-W50', spentUsd: 0.7, inputTokens: 200, outputTokens: 100, calls: 2 });
    assert.equal(levelOf(ledger.spentUsd, 0.8, 0.85), 'escalate');
    clock.advance(60_000); // 23:59: still the same week
    assert.equal(currentLedger(ledger, clock.now()), ledger);
    clock.advance(120_000); // 00:01 on Monday
    const fresh = currentLedger(ledger, clock.now());
    assert.deepEqual({ ...fresh }, { week: '2026-W51', spentUsd: 0, inputTokens: 0, outputTokens: 0, calls: 0 });
    assert.equal(addSpend(ledger, clock.now(), spend(0.1)).spentUsd, 0.1, 'a spend after the rollover starts the new week');
  });

  it('trusts nothing read back: a malformed ledger or spend counts as nothing', () => {
    const now = at('2026-12-09T00:00:00Z');
    for (const bad of [null, 'x', { week: 'W50' }, { week: '2026-W50', spentUsd: -1, inputTokens: 0, outputTokens: 0, calls: 0 }, { week: '2026-W50', spentUsd: Number.NaN, inputTokens: 0, outputTokens: 0, calls: 0 }]) {
      assert.equal(currentLedger(bad, now).spentUsd, 0);
    }
    const l = addSpend(undefined, now, { costUsd: -5, inputTokens: Number.POSITIVE_INFINITY, outputTokens: Number.NaN, calls: 2 });
    assert.deepEqual([l.spentUsd, l.inputTokens, l.outputTokens, l.calls], [0, 0, 0, 2]);
    assert.equal(sessionSpentUsd({ 'openai:m': { costUsd: 0.25 }, 'anthropic:m': { costUsd: 0.5 }, bad: { costUsd: 'x' } }), 0.75);
    assert.equal(sessionSpentUsd(undefined), 0);
  });
});

describe('budget levels and verdicts', () => {
  it('escalates at 85 % and is exhausted at 100 %; no limit is always ok', () => {
    assert.equal(levelOf(0.84, 1, 0.85), 'ok');
    assert.equal(levelOf(0.85, 1, 0.85), 'escalate');
    assert.equal(levelOf(0.99, 1, 0.85), 'escalate');
    assert.equal(levelOf(1, 1, 0.85), 'exhausted');
    assert.equal(levelOf(1_000, null, 0.85), 'ok');
    assert.equal(levelOf(0, 0, 0.85), 'exhausted', 'a budget of 0 allows no call');
  });

  it('decides a turn from the session\'s ceiling, then the world\'s level and the policy', () => {
    const world = (level: WorldStatus['level']): WorldStatus => ({ world: 'w', week: '2026-W50', spentUsd: 0, limitUsd: 1, level });
    assert.equal(verdictOf({ sessionSpentUsd: 0, world: world('ok'), policy: 'offline' }), 'llm');
    assert.equal(verdictOf({ sessionSpentUsd: 0, world: null, policy: 'wait' }), 'llm');
    assert.equal(verdictOf({ sessionSpentUsd: 0, world: world('escalate'), policy: 'offline' }), 'offline');
    assert.equal(verdictOf({ sessionSpentUsd: 0, world: world('escalate'), policy: 'wait' }), 'hold');
    assert.equal(verdictOf({ sessionSpentUsd: 0, world: world('exhausted'), policy: 'wait' }), 'refuse-world');
    assert.equal(verdictOf({ sessionSpentUsd: 2, sessionUsd: 2, world: world('ok'), policy: 'offline' }), 'refuse-session');
    assert.equal(verdictOf({ sessionSpentUsd: 1.99, sessionUsd: 2, world: world('ok'), policy: 'offline' }), 'llm');
  });
});

describe('budget configuration', () => {
  it('reads the environment; nothing set is no limit', () => {
    assert.deepEqual(budgetLimitsFromEnv({}), { escalateAt: 0.85, world: { policy: 'offline' }, worlds: {} });
    const c = budgetLimitsFromEnv({ GLASS_BUDGET_SESSION_USD: '2.5', GLASS_BUDGET_WORLD_WEEKLY_USD: '40', GLASS_BUDGET_POLICY: 'wait', GLASS_BUDGET_ESCALATE_AT: '0.9', GLASS_BUDGET_WORLDS: 'saga=20:offline, dev=1' });
    assert.deepEqual(c, { sessionUsd: 2.5, escalateAt: 0.9, world: { weeklyUsd: 40, policy: 'wait' }, worlds: { saga: { weeklyUsd: 20, policy: 'offline' }, dev: { weeklyUsd: 1, policy: 'wait' } } });
    assert.deepEqual(budgetLimits(structuredClone(c)), c, 'a resolved configuration crosses to a worker unchanged');
  });

  it('refuses bad values with a typed error naming the variable', () => {
    for (const [env, variable] of [
      [{ GLASS_BUDGET_SESSION_USD: '-1' }, 'GLASS_BUDGET_SESSION_USD'],
      [{ GLASS_BUDGET_SESSION_USD: 'lots' }, 'GLASS_BUDGET_SESSION_USD'],
      [{ GLASS_BUDGET_WORLD_WEEKLY_USD: '1e99' }, 'GLASS_BUDGET_WORLD_WEEKLY_USD'],
      [{ GLASS_BUDGET_POLICY: 'panic' }, 'GLASS_BUDGET_POLICY'],
      [{ GLASS_BUDGET_ESCALATE_AT: '1.5' }, 'GLASS_BUDGET_ESCALATE_AT'],
      [{ GLASS_BUDGET_ESCALATE_AT: '0' }, 'GLASS_BUDGET_ESCALATE_AT'],
      [{ GLASS_BUDGET_WORLDS: 'Saga=1' }, 'GLASS_BUDGET_WORLDS'],
      [{ GLASS_BUDGET_WORLDS: 'saga' }, 'GLASS_BUDGET_WORLDS'],
      [{ GLASS_BUDGET_WORLDS: 'saga=1:never' }, 'GLASS_BUDGET_WORLDS.saga'],
    ] as const) {
      assert.throws(() => budgetLimitsFromEnv(env), (err: any) => err.code === 'GLASS_ERR_INVALID_OPTION' && err.message.startsWith(`${variable} must be`), JSON.stringify(env));
    }
    assert.throws(() => budgetLimits({ worlds: Object.fromEntries(Array.from({ length: 101 }, (_, i) => [`w${i}`, {}])) }), { code: 'GLASS_ERR_INVALID_OPTION' });
  });
});
