// Budgets in /metrics and the ops view (docs/BUDGETS.md): tokens and cost per session and per world
// (what this node's sessions spent), each world's use of its weekly budget (as its actor last told
// this node), and the human GM queue's depth. Read from the node's budget hub at scrape time.
import { Counter, Gauge, type Registry } from 'prom-client';
import type { BudgetHub } from '../../cluster/index.js';

/** Sessions the ops view lists (the most costly). */
export const BUDGET_VIEW_SESSIONS = 10;

/** What a node report carries of its budgets (bounded). */
export interface BudgetReportView {
  worlds: { world: string; week: string | null; spentUsd: number; limitUsd: number | null; use: number | null; costUsd: number; inputTokens: number; outputTokens: number }[];
  sessions: { session: string; world: string; costUsd: number; inputTokens: number; outputTokens: number }[];
  gmQueue: { depth: number; open: number; escalations: number };
}

export function budgetView(hub: BudgetHub | undefined): BudgetReportView | undefined {
  if (hub === undefined) return undefined;
  const names = new Set([...hub.worlds.keys(), ...hub.worldUse.keys()]);
  const worlds = [...names].slice(0, 50).map((world) => {
    const t = hub.worlds.get(world);
    const u = hub.worldUse.get(world);
    return { world, week: u?.week ?? null, spentUsd: u?.spentUsd ?? 0, limitUsd: u?.limitUsd ?? null, use: u?.use ?? null, costUsd: t?.costUsd ?? 0, inputTokens: t?.inputTokens ?? 0, outputTokens: t?.outputTokens ?? 0 };
  });
  return { worlds, sessions: hub.topSessions(BUDGET_VIEW_SESSIONS), gmQueue: { ...hub.gmQueue } };
}

/** Registers the budget metrics on `registry`; `hub` is looked up at each scrape (the node's service may start later). */
export function registerBudgetMetrics(registry: Registry, hub: () => BudgetHub | undefined): void {
  const registers = [registry];
  new Counter({
    name: 'glass_llm_tokens_total',
    help: 'Tokens of narrator calls made by this node\'s sessions, per session (the 1,000 that spent last) and direction',
    labelNames: ['session', 'world', 'direction'],
    registers,
    collect() {
      this.reset();
      for (const [session, t] of hub()?.sessions ?? []) {
        this.inc({ session, world: t.world, direction: 'input' }, t.inputTokens);
        this.inc({ session, world: t.world, direction: 'output' }, t.outputTokens);
      }
    },
  });
  new Counter({
    name: 'glass_llm_cost_usd_total',
    help: 'Cost in USD of narrator calls made by this node\'s sessions, per session (the 1,000 that spent last)',
    labelNames: ['session', 'world'],
    registers,
    collect() {
      this.reset();
      for (const [session, t] of hub()?.sessions ?? []) this.inc({ session, world: t.world }, t.costUsd);
    },
  });
  new Counter({
    name: 'glass_world_tokens_total',
    help: 'Tokens of narrator calls made by this node\'s sessions, per world and direction',
    labelNames: ['world', 'direction'],
    registers,
    collect() {
      this.reset();
      for (const [world, t] of hub()?.worlds ?? []) {
        this.inc({ world, direction: 'input' }, t.inputTokens);
        this.inc({ world, direction: 'output' }, t.outputTokens);
      }
    },
  });
  new Counter({
    name: 'glass_world_cost_usd_total',
    help: 'Cost in USD of narrator calls made by this node\'s sessions, per world',
    labelNames: ['world'],
    registers,
    collect() {
      this.reset();
      for (const [world, t] of hub()?.worlds ?? []) this.inc({ world }, t.costUsd);
    },
  });
  new Gauge({
    name: 'glass_budget_world_spent_usd',
    help: 'What a world spent this ISO week, as its budget actor last answered (on the node hosting it)',
    labelNames: ['world', 'week'],
    registers,
    collect() {
      this.reset();
      for (const [world, w] of hub()?.worldUse ?? []) this.set({ world, week: w.week }, w.spentUsd);
    },
  });
  new Gauge({
    name: 'glass_budget_world_use_ratio',
    help: 'Share of its weekly budget a world spent (1 = exhausted; 0.85 escalates to the human GM queue)',
    labelNames: ['world'],
    registers,
    collect() {
      this.reset();
      for (const [world, w] of hub()?.worldUse ?? []) if (w.use !== null) this.set({ world }, w.use);
    },
  });
  new Gauge({
    name: 'glass_gm_queue_depth',
    help: 'Sessions in the human GM queue (state="all") and those no moderator took yet (state="open"), as the queue actor on this node last reported',
    labelNames: ['state'],
    registers,
    collect() {
      const q = hub()?.gmQueue;
      this.set({ state: 'all' }, q?.depth ?? 0);
      this.set({ state: 'open' }, q?.open ?? 0);
    },
  });
  new Counter({
    name: 'glass_gm_escalations_total',
    help: 'Sessions escalated to the human GM queue (recorded by the queue actor on this node)',
    registers,
    collect() {
      this.reset();
      this.inc(hub()?.gmQueue.escalations ?? 0);
    },
  });
}
