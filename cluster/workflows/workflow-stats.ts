// What the ops view needs of a node's workflows, for the seed's Temporal signals: the lag from an
// actor's request to the start being durable (p95 over the last 10 minutes), the workflows running
// (in process: counted here; on Temporal: as the cluster counts them), and the starts in the last hour.
import { availableParallelism } from 'node:os';

export interface WorkflowStatsSnapshot {
  mode: 'temporal' | 'in-process';
  /** p95 of the lag over the window, seconds; null with no start in it. */
  lagP95Seconds: number | null;
  /** Workflows running; null when not known (Temporal not asked yet). */
  active: number | null;
  cores: number;
  /** Starts (not duplicates) in the last hour. */
  perHour: number;
  /** Starts answered already-started since the node started (redeliveries, resumes). */
  duplicates: number;
  /** Starts that failed since the node started. */
  failures: number;
}

const LAG_WINDOW_MS = 10 * 60_000;
const HOUR_MS = 60 * 60_000;
/** Bounds of what is kept (a node far past the seed's 150/hour still keeps a bounded window). */
const MAX_SAMPLES = 4_096;

export class WorkflowStats {
  readonly mode: 'temporal' | 'in-process';
  readonly #lag: { at: number; ms: number }[] = [];
  readonly #starts: number[] = [];
  #active: number | null;
  #duplicates = 0;
  #failures = 0;

  constructor(mode: 'temporal' | 'in-process') {
    this.mode = mode;
    this.#active = mode === 'in-process' ? 0 : null;
  }

  started(now: number, lagMs: number, duplicate: boolean): void {
    if (duplicate) {
      this.#duplicates++;
      return;
    }
    this.#lag.push({ at: now, ms: Math.max(0, lagMs) });
    this.#starts.push(now);
    if (this.#lag.length > MAX_SAMPLES) this.#lag.shift();
    if (this.#starts.length > MAX_SAMPLES) this.#starts.shift();
  }

  failed(): void {
    this.#failures++;
  }

  /** In process: one more (+1) or one fewer (−1) running. On Temporal: the count the cluster gave. */
  running(delta: number): void {
    this.#active = Math.max(0, (this.#active ?? 0) + delta);
  }

  setActive(count: number): void {
    this.#active = count;
  }

  snapshot(now: number): WorkflowStatsSnapshot {
    while (this.#lag.length > 0 && now - this.#lag[0].at > LAG_WINDOW_MS) this.#lag.shift();
    while (this.#starts.length > 0 && now - this.#starts[0] > HOUR_MS) this.#starts.shift();
    let lagP95Seconds: number | null = null;
    if (this.#lag.length > 0) {
      const sorted = this.#lag.map((l) => l.ms).sort((a, b) => a - b);
      lagP95Seconds = sorted[Math.min(sorted.length - 1, Math.ceil(sorted.length * 0.95) - 1)] / 1000;
    }
    return { mode: this.mode, lagP95Seconds, active: this.#active, cores: availableParallelism(), perHour: this.#starts.length, duplicates: this.#duplicates, failures: this.#failures };
  }
}
