// Hub capacity: for one side, the highest offered rate it sustains with its hop p99 under each of a
// few latency budgets (the seed's 150 ms hub budget, and a tight 20 ms). A geometric ramp finds a
// bracket for every budget — up from the start rate, or down from it when the start already misses
// the widest budget (a loaded machine) —, then a few bisection probes (geometric midpoints) narrow each. Pure
// bookkeeping: the scenario runs the probes, interleaving the sides so that drift spreads evenly.

/** What one probe at an offered rate measured. */
export interface Probe {
  /** Lines per second offered in all. */
  rate: number;
  offeredDeliveriesPerSec: number;
  deliveredPerSec: number;
  p99Ms: number;
}

/** The best probe that met a budget, or null when even the first probe missed it. */
export interface BudgetCapacity {
  budgetMs: number;
  rate: number | null;
  deliveredPerSec: number | null;
  p99Ms: number | null;
  /** The lowest rate seen to miss the budget (null: none missed it, so `rate` is a lower bound). */
  failedAt: number | null;
}

export interface CapacityOptions {
  startRate: number;
  /** Each ramp probe offers this many times the previous one. */
  factor: number;
  maxRampProbes: number;
  /** Bisection probes per budget once it is bracketed. */
  bisectProbes: number;
  budgetsMs: readonly number[];
  /** A probe meets a budget only if it also delivered at least this share of what it offered. */
  keptUpShare: number;
}

export const DEFAULT_CAPACITY: Omit<CapacityOptions, 'startRate'> = { factor: 1.5, maxRampProbes: 10, bisectProbes: 2, budgetsMs: [150, 20], keptUpShare: 0.9 };

/** Whether a probe met a budget: kept up with its offered load and its p99 is under the budget. */
export function meets(p: Probe, budgetMs: number, keptUpShare: number): boolean {
  return p.deliveredPerSec >= keptUpShare * p.offeredDeliveriesPerSec && p.p99Ms < budgetMs;
}

/** One side's search: `next()` gives the rate to probe (null: done), `record()` takes its result. */
export class CapacitySearch {
  readonly #o: CapacityOptions;
  readonly probes: Probe[] = [];
  #rampRate: number;
  #ramping = true;
  /** The start missed the widest budget: the ramp goes down until a probe meets it. */
  #descending = false;
  /** Bisection probes still to make, per budget. */
  readonly #left: Map<number, number>;

  constructor(options: CapacityOptions) {
    if (!(options.startRate >= 1) || !(options.factor > 1) || options.budgetsMs.length === 0) throw new RangeError('capacity search: startRate >= 1, factor > 1 and at least one budget');
    this.#o = options;
    this.#rampRate = Math.round(options.startRate);
    this.#left = new Map(options.budgetsMs.map((b) => [b, options.bisectProbes]));
  }

  next(): number | null {
    if (this.#ramping) return this.#rampRate;
    for (const budget of this.#o.budgetsMs) {
      if ((this.#left.get(budget) ?? 0) === 0) continue;
      const { pass, fail } = this.#bracket(budget);
      if (pass === null || fail === null) {
        this.#left.set(budget, 0);
        continue;
      }
      const mid = Math.round(Math.sqrt(pass * fail));
      // Bracket already as narrow as whole lines per second allow.
      if (mid <= pass || mid >= fail) {
        this.#left.set(budget, 0);
        continue;
      }
      return mid;
    }
    return null;
  }

  record(p: Probe): void {
    if (this.#ramping) {
      this.probes.push(p);
      const widest = Math.max(...this.#o.budgetsMs);
      const met = meets(p, widest, this.#o.keptUpShare);
      if (this.probes.length === 1 && !met) this.#descending = true;
      const down = Math.max(1, Math.round(this.#rampRate / this.#o.factor));
      const bracketed = this.#descending ? met || down === this.#rampRate : !met;
      if (bracketed || this.probes.length >= this.#o.maxRampProbes) this.#ramping = false;
      else this.#rampRate = this.#descending ? down : Math.round(this.#rampRate * this.#o.factor);
      return;
    }
    // A bisection probe counts against every budget whose open bracket it fell in.
    const inside = this.#o.budgetsMs.filter((budget) => {
      const { pass, fail } = this.#bracket(budget);
      return pass !== null && fail !== null && p.rate > pass && p.rate < fail;
    });
    this.probes.push(p);
    for (const budget of inside) this.#left.set(budget, (this.#left.get(budget) ?? 1) - 1);
  }

  /** Highest rate seen to meet the budget, and the lowest above it seen to miss it. */
  #bracket(budgetMs: number): { pass: number | null; fail: number | null } {
    let pass: number | null = null;
    for (const p of this.probes) if (meets(p, budgetMs, this.#o.keptUpShare) && (pass === null || p.rate > pass)) pass = p.rate;
    let fail: number | null = null;
    for (const p of this.probes) if (!meets(p, budgetMs, this.#o.keptUpShare) && (pass === null || p.rate > pass) && (fail === null || p.rate < fail)) fail = p.rate;
    return { pass, fail };
  }

  /** Per budget: the best probe meeting it (most delivered), and where it was seen to fail. */
  result(): BudgetCapacity[] {
    return this.#o.budgetsMs.map((budgetMs) => {
      const ok = this.probes.filter((p) => meets(p, budgetMs, this.#o.keptUpShare));
      const best = ok.reduce<Probe | null>((a, p) => (a === null || p.deliveredPerSec > a.deliveredPerSec ? p : a), null);
      const { fail } = this.#bracket(budgetMs);
      return { budgetMs, rate: best?.rate ?? null, deliveredPerSec: best?.deliveredPerSec ?? null, p99Ms: best?.p99Ms ?? null, failedAt: fail };
    });
  }
}
