// The world's budget actor and the GM queue actor on a real ActorHost and memory store, with the
// node's real budget service (worker part and main hub over a MessagePort) and a ManualClock.
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { budget, gmQueue, GM_QUEUE_ID, BUDGET_SERVICE, HOLD_TTL_MS } from '../../actors/index.js';
import { budgetHubOf, createBudgetHub, createBudgetService } from '../../cluster/index.js';
import { MemoryStateStore, Services } from '../../runtime/index.js';
import { HostHarness } from './host-harness.js';

const SUNDAY_LATE = Date.parse('2026-12-13T23:59:00Z');

describe('budget actors', () => {
  const store = new MemoryStateStore();
  const main = createBudgetHub({ options: {}, nodeId: 'budget-unit' });
  const port = main.connect(1);
  const service = createBudgetService({ options: { worldWeeklyUsd: 1, worlds: { saga: { weeklyUsd: 10, policy: 'wait' } } }, port, store, nodeId: 'budget-unit', thread: 1, services: new Services(new Map()) });
  const h = new HostHarness({ actors: [budget, gmQueue], store, startMs: SUNDAY_LATE, services: new Services(new Map([[BUDGET_SERVICE, service]])) });
  after(async () => {
    await h.close();
    await main.close();
  });

  it('counts a world\'s spend for the ISO week on its own clock, rolls over on Monday and keeps the last week', async () => {
    const w = budget.ref(h, 'tavern');
    assert.deepEqual(await w.ask({ type: 'check', session: 's1' }), { world: 'tavern', week: '2026-W50', spentUsd: 0, limitUsd: 1, level: 'ok' });
    await w.ask({ type: 'spend', session: 's1', costUsd: 0.5, inputTokens: 10, outputTokens: 5, calls: 1 });
    const hub = budgetHubOf('budget-unit')!;
    const s = await w.ask({ type: 'spend', session: 's2', costUsd: 0.4, inputTokens: 10, outputTokens: 5, calls: 1 });
    assert.equal(s.level, 'escalate', '0.9 of 1 USD');
    assert.ok(Math.abs(s.spentUsd - 0.9) < 1e-9);
    assert.equal((await budget.ref(h, 'saga').ask({ type: 'check', session: 's3' })).limitUsd, 10, 'a world of its own');
    h.clock.advance(2 * 60_000);
    const monday = await w.ask({ type: 'check', session: 's1' });
    assert.deepEqual([monday.week, monday.spentUsd, monday.level], ['2026-W51', 0, 'ok']);
    await w.ask({ type: 'spend', session: 's1', costUsd: 1, inputTokens: 1, outputTokens: 1, calls: 1 });
    const status = await w.ask({ type: 'status' });
    assert.deepEqual([status.level, status.last?.week], ['exhausted', '2026-W50']);
    // The hub hears each spend (fire-and-forget over the port): wait for the last one.
    while (hub.worldUse.get('tavern')?.week !== '2026-W51') await new Promise((r) => setImmediate(r));
    assert.equal(hub.worldUse.get('tavern')!.use, 1);
  });

  it('holds each turn in flight against the budget: a turn that would escalate or pass it is not made until the others spend or release', async () => {
    const w = budget.ref(h, 'harbour');
    const usd = (v: number | undefined) => (v === undefined ? undefined : Math.round(v * 1e9) / 1e9);
    const reserve = async (session: string) => {
      const r = await w.ask({ type: 'reserve', session, turn: 1 });
      return [r.reserved, r.level, usd(r.heldUsd)];
    };
    // 0.3 USD spent in one call: each next call is held at that average, against 1 USD.
    await w.ask({ type: 'spend', session: 's0', costUsd: 0.3, inputTokens: 1, outputTokens: 1, calls: 1 });
    assert.deepEqual(await reserve('s1'), [true, 'ok', 0.3]);
    assert.deepEqual(await reserve('s2'), [true, 'ok', 0.6]);
    assert.deepEqual(await reserve('s3'), [false, 'escalate', 0.6], 'spent and held 0.9 of 1 USD: past 85 %');
    assert.equal(usd((await w.ask({ type: 'check', session: 's3' })).heldUsd), 0.6);
    assert.deepEqual(await reserve('s1'), [true, 'ok', 0.6], 'asked again for the same turn: one hold');
    // s1 made no call after all: its hold goes, and s3 may go.
    assert.equal(usd((await w.ask({ type: 'release', session: 's1', turn: 1 })).heldUsd), 0.3);
    assert.deepEqual(await reserve('s3'), [true, 'ok', 0.6]);
    // s2's spend replaces its hold with what its call cost.
    const spent = await w.ask({ type: 'spend', session: 's2', turn: 1, costUsd: 0.5, inputTokens: 1, outputTokens: 1, calls: 1 });
    assert.deepEqual([usd(spent.spentUsd), usd(spent.heldUsd), spent.level], [0.8, 0.3, 'exhausted']);
    await w.ask({ type: 'release', session: 's3', turn: 1 });
    // 0.8 spent, nothing held (under 85 %), but one more call at this week's average (0.4) would pass
    // 1 USD: not made, the session goes on as at 85 % (its policy: offline or a human GM).
    assert.deepEqual(await reserve('s4'), [false, 'escalate', undefined]);
    await assert.rejects(w.ask({ type: 'reserve', session: 's4', turn: 'one' as never }), { code: 'GLASS_ERR_INVALID_MESSAGE' });
  });

  it('escalates on what is spent and held together, as it does on a spend alone', async () => {
    const w = budget.ref(h, 'saga'); // 10 USD a week
    await w.ask({ type: 'spend', session: 's0', costUsd: 8, inputTokens: 1, outputTokens: 1, calls: 10 });
    const first = await w.ask({ type: 'reserve', session: 's1', turn: 1 });
    assert.deepEqual([first.reserved, first.level], [true, 'ok'], '8 of 10 USD');
    const second = await w.ask({ type: 'reserve', session: 's2', turn: 1 });
    assert.deepEqual([second.reserved, second.level], [false, 'escalate'], '8 spent and 0.8 held: past 85 %');
  });

  it('lets a hold nobody gives back lapse on the actor\'s clock', async () => {
    const w = budget.ref(h, 'cove');
    await w.ask({ type: 'spend', session: 's0', costUsd: 0.1, inputTokens: 1, outputTokens: 1, calls: 1 });
    assert.equal((await w.ask({ type: 'reserve', session: 's1', turn: 7 })).reserved, true);
    h.clock.advance(HOLD_TTL_MS - 1);
    assert.equal((await w.ask({ type: 'check', session: 's1' })).heldUsd, 0.1);
    h.clock.advance(1);
    assert.equal((await w.ask({ type: 'check', session: 's1' })).heldUsd, undefined);
  });

  it('refuses an actor not named by a world', async () => {
    await assert.rejects(budget.ref(h, 'Not A World').ask({ type: 'check', session: 's' }), { code: 'GLASS_ERR_INVALID_MESSAGE' });
  });

  it('queues a session once, lets a moderator take it, and forgets it when resolved', async () => {
    const q = gmQueue.ref(h, GM_QUEUE_ID);
    assert.equal((await q.ask({ type: 'watch', node: 'gw-1' })).watching, true);
    await q.ask({ type: 'escalate', session: 's1', world: 'tavern', reason: 'budget', holding: true, spentUsd: 0.9, limitUsd: 1 });
    await q.ask({ type: 'escalate', session: 's1', world: 'tavern', reason: 'budget', holding: true });
    await q.ask({ type: 'escalate', session: 's2', world: 'tavern', reason: 'outage', holding: false });
    let list = await q.ask({ type: 'list' });
    assert.deepEqual([list.depth, list.open, list.items.map((i) => i.session)], [2, 2, ['s1', 's2']]);
    const taken = await q.ask({ type: 'take', session: 's1', moderator: 'mod-1' });
    assert.equal(taken.item.takenBy, 'mod-1');
    await assert.rejects(q.ask({ type: 'take', session: 'nobody', moderator: 'mod-1' }), { code: 'GLASS_ERR_GM_ITEM_NOT_FOUND' });
    assert.equal((await q.ask({ type: 'resolve', session: 's2', reason: 'budget' })).resolved, false, 'only the reason it was queued for resolves it');
    assert.equal((await q.ask({ type: 'resolve', session: 's2', reason: 'outage' })).resolved, true);
    list = await q.ask({ type: 'list' });
    assert.deepEqual([list.depth, list.open], [1, 0]);
    // Each change was told to the watching gateway node (a dead letter here: no gateway in this harness).
    assert.ok(h.letters().filter((l) => l.to === 'gateway:gw-1').length >= 4);
  });
});
