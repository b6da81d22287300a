// The rooms scenario's capacity mode (`--capacity on`): every side's capacity search (capacity.ts),
// one probe of each side per round, so a drifting machine weighs on all sides alike; then its
// figures for the JSON, the table and the plot.
import { CapacitySearch, DEFAULT_CAPACITY, type BudgetCapacity, type Probe } from './capacity.js';
import type { SideName } from './load.js';
import { slice, type Setup } from './slices.js';
import { formatNumber, renderBars } from '../support/report.js';
import type { Progress } from '../support/progress.js';

/** The seed's hub hop budget, and the tight one the rooms scenario already holds ours to. */
export const CAPACITY_BUDGETS_MS = [150, 20] as const;
/** At the seed's budget, ours must sustain at least this many times the peer's deliveries. */
export const GOAL_CAPACITY_VS_PEER = 1.5;
const PROBE_TIMING = { warmupMs: 1_000, measureMs: 3_000, drainMs: 500 };

export interface CapacityRun {
  startRate: number;
  sides: Partial<Record<SideName, { capacity: BudgetCapacity[]; probes: Probe[] }>>;
}

/** The most probes one side's search can make: its ramp, then its bisections. */
export const MAX_PROBES_PER_SIDE = DEFAULT_CAPACITY.maxRampProbes + DEFAULT_CAPACITY.bisectProbes * CAPACITY_BUDGETS_MS.length;

export async function runCapacity(s: Setup, startRate: number, progress: Progress, tags: { next: number }): Promise<CapacityRun> {
  const searches = new Map(s.sides.map((side) => [side, new CapacitySearch({ ...DEFAULT_CAPACITY, budgetsMs: CAPACITY_BUDGETS_MS, startRate })]));
  progress.begin(`capacity: each side's highest rate with hop p99 < ${CAPACITY_BUDGETS_MS.join(' ms and < ')} ms (≤ ${MAX_PROBES_PER_SIDE} probes a side)`, s.sides.length * MAX_PROBES_PER_SIDE);
  for (let round = 0; ; round++) {
    const order = round % 2 === 0 ? s.sides : [...s.sides].reverse();
    let probed = false;
    for (const side of order) {
      const search = searches.get(side)!;
      const rate = search.next();
      if (rate === null) continue;
      const sl = await slice(s, side, rate, PROBE_TIMING, `C${tags.next++}`);
      const p99Ms = sl.histogram.totalCount === 0 ? Infinity : sl.histogram.getValueAtPercentile(99) / 1000;
      sl.histogram.destroy();
      search.record({ rate, offeredDeliveriesPerSec: sl.offeredDeliveriesPerSec, deliveredPerSec: sl.deliveredPerSec, p99Ms: Math.round(p99Ms * 100) / 100 });
      progress.tick(`${side} ${rate} lines/s: ${sl.deliveredPerSec} of ${sl.offeredDeliveriesPerSec} deliveries/s, p99 ${p99Ms.toFixed(1)} ms`);
      probed = true;
    }
    if (!probed) break;
  }
  const sides: CapacityRun['sides'] = {};
  for (const [side, search] of searches) sides[side] = { capacity: search.result(), probes: search.probes };
  return { startRate, sides };
}

const at = (run: CapacityRun, side: SideName, budgetMs: number): BudgetCapacity | null => run.sides[side]?.capacity.find((c) => c.budgetMs === budgetMs) ?? null;

/** The JSON fields: deliveries per second each side sustains under each budget, and ours over the others'. */
export function capacityFigures(run: CapacityRun) {
  const wide = CAPACITY_BUDGETS_MS[0];
  const perSide = (budgetMs: number) => ({
    ours: at(run, 'ours', budgetMs)?.deliveredPerSec ?? null,
    baseline: at(run, 'baseline', budgetMs)?.deliveredPerSec ?? null,
    peer: at(run, 'peer', budgetMs)?.deliveredPerSec ?? null,
  });
  const ratio = (a: number | null, b: number | null): number | null => (a === null || b === null || b === 0 ? null : Math.round((a / b) * 1000) / 1000);
  const c = perSide(wide);
  const vsPeer = ratio(c.ours, c.peer);
  return {
    capacityBudgetsMs: [...CAPACITY_BUDGETS_MS],
    /** At the seed's 150 ms budget. */
    capacityDeliveriesPerSec: c,
    capacityDeliveriesPerSecAt20Ms: perSide(CAPACITY_BUDGETS_MS[1]),
    capacityVsPeer: vsPeer,
    capacityVsRelay: ratio(c.ours, c.baseline),
    goalCapacityVsPeer: GOAL_CAPACITY_VS_PEER,
    capacityGoalMet: vsPeer === null ? null : vsPeer >= GOAL_CAPACITY_VS_PEER,
    capacity: run,
  };
}

/** Table rows (one per side and budget) and a bar plot of the capacities. */
export function capacityReport(run: CapacityRun, width: number): { rows: (string | number)[][]; plot: string } {
  const rows: (string | number)[][] = [];
  const bars: { label: string; value: number }[] = [];
  for (const budgetMs of CAPACITY_BUDGETS_MS) {
    for (const side of Object.keys(run.sides) as SideName[]) {
      const c = at(run, side, budgetMs)!;
      const probes = run.sides[side]!.probes.length;
      const note = c.rate === null ? `missed at ${formatNumber(run.startRate)} lines/s already` : c.failedAt === null ? 'lower bound (never missed)' : `missed at ${formatNumber(c.failedAt)} lines/s`;
      rows.push([`capacity p99 < ${budgetMs} ms`, side, c.rate ?? '—', '', c.deliveredPerSec ?? '—', '', '', '', '', c.p99Ms ?? '—', '', '', `${note}; ${probes} probes`]);
      bars.push({ label: `< ${String(budgetMs).padStart(3)} ms ${side.padEnd(8)}`, value: c.deliveredPerSec ?? 0 });
    }
  }
  return { rows, plot: `capacity: deliveries per second sustained with hop p99 under each budget\n${renderBars(bars, 'deliveries/s', width)}` };
}
