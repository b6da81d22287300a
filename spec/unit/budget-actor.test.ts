// The world's budget actor and the GM queue actor on a real ActorHost and memory store, with the
// node's real budget service (worker part and main hub over a MessagePort) and a ManualClock.
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { budget, gmQueue, GM_QUEUE_ID, BUDGET_SERVICE } from '../../actors/index.js';
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
