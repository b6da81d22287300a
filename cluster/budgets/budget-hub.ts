// The main thread's figures of a node's budgets: what its workers' sessions spent (tokens and cost
// per session and per world), the worlds' weekly use as their actors last answered, and the human
// GM queue's depth. Fed by the `budget` service's ports; read by /metrics and the ops view. Bounded:
// the sessions that spent most recently, a fixed number of worlds.
import type { BudgetReport } from '../../actors/index.js';

export const HUB_SESSION_LIMIT = 1_000;
export const HUB_WORLD_LIMIT = 200;

export interface SpendTotals {
  calls: number;
  inputTokens: number;
  outputTokens: number;
  costUsd: number;
}

export interface WorldUse {
  week: string;
  spentUsd: number;
  limitUsd: number | null;
  /** spent / limit; null without a limit. */
  use: number | null;
}

export interface GmQueueFigures {
  depth: number;
  open: number;
  /** Escalations this node's actors made since it started. */
  escalations: number;
}

function finite(v: unknown): v is number {
  return typeof v === 'number' && Number.isFinite(v) && v >= 0;
}

/** Bounded insertion-ordered map: an update moves the key to the end, the oldest leaves first. */
function touch<V>(map: Map<string, V>, key: string, limit: number, make: () => V): V {
  let v = map.get(key);
  if (v !== undefined) map.delete(key);
  else v = make();
  map.set(key, v);
  if (map.size > limit) map.delete(map.keys().next().value as string);
  return v;
}

export class BudgetHub {
  readonly sessions = new Map<string, SpendTotals & { world: string }>();
  readonly worlds = new Map<string, SpendTotals>();
  readonly worldUse = new Map<string, WorldUse>();
  readonly gmQueue: GmQueueFigures = { depth: 0, open: 0, escalations: 0 };
  readonly #listeners = new Set<(e: { session: string; world: string; reason: string }) => void>();

  /** A report from a worker (structured-cloned: checked, a malformed one is dropped). */
  take(r: BudgetReport): void {
    if (r === null || typeof r !== 'object') return;
    switch (r.type) {
      case 'usage': {
        if (typeof r.session !== 'string' || typeof r.world !== 'string' || !finite(r.costUsd) || !finite(r.inputTokens) || !finite(r.outputTokens)) return;
        const add = (t: SpendTotals): void => {
          t.calls++;
          t.inputTokens += r.inputTokens;
          t.outputTokens += r.outputTokens;
          t.costUsd += r.costUsd;
        };
        add(touch(this.sessions, r.session.slice(0, 200), HUB_SESSION_LIMIT, () => ({ world: r.world, calls: 0, inputTokens: 0, outputTokens: 0, costUsd: 0 })));
        add(touch(this.worlds, r.world.slice(0, 40), HUB_WORLD_LIMIT, () => ({ calls: 0, inputTokens: 0, outputTokens: 0, costUsd: 0 })));
        return;
      }
      case 'world': {
        if (typeof r.world !== 'string' || typeof r.week !== 'string' || !finite(r.spentUsd) || (r.limitUsd !== null && !finite(r.limitUsd))) return;
        const use = r.limitUsd === null || r.limitUsd === 0 ? (r.limitUsd === 0 ? 1 : null) : r.spentUsd / r.limitUsd;
        const w = touch(this.worldUse, r.world.slice(0, 40), HUB_WORLD_LIMIT, () => ({ week: r.week, spentUsd: 0, limitUsd: null, use: null }) as WorldUse);
        Object.assign(w, { week: r.week.slice(0, 10), spentUsd: r.spentUsd, limitUsd: r.limitUsd, use });
        return;
      }
      case 'gm-queue': {
        if (!finite(r.depth) || !finite(r.open)) return;
        this.gmQueue.depth = r.depth;
        this.gmQueue.open = r.open;
        if (r.escalated !== undefined) {
          this.gmQueue.escalations++;
          for (const l of this.#listeners) l(r.escalated);
        }
        return;
      }
    }
  }

  /** Called for each escalation this node's GM queue actor records; returns the function that stops it. */
  onEscalation(listener: (e: { session: string; world: string; reason: string }) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** The world with the highest use this week, or null when none has a limit. */
  highestUse(): { world: string; use: number } | null {
    let best: { world: string; use: number } | null = null;
    for (const [world, w] of this.worldUse) if (w.use !== null && (best === null || w.use > best.use)) best = { world, use: w.use };
    return best;
  }

  /** The sessions that spent most, for the ops view. */
  topSessions(n: number): { session: string; world: string; costUsd: number; inputTokens: number; outputTokens: number }[] {
    return [...this.sessions.entries()]
      .sort((a, b) => b[1].costUsd - a[1].costUsd)
      .slice(0, n)
      .map(([session, t]) => ({ session, world: t.world, costUsd: t.costUsd, inputTokens: t.inputTokens, outputTokens: t.outputTokens }));
  }
}

// One hub per node of this process (tests run several), found by node id: the main part of the
// service is loaded by module reference, and the ops surface reaches it here.
const hubs = new Map<string, BudgetHub>();

export function budgetHubOf(nodeId: string): BudgetHub | undefined {
  return hubs.get(nodeId);
}

export function registerHub(nodeId: string, hub: BudgetHub): void {
  hubs.set(nodeId, hub);
}

export function unregisterHub(nodeId: string, hub: BudgetHub): void {
  if (hubs.get(nodeId) === hub) hubs.delete(nodeId);
}
