import { monitorEventLoopDelay, performance, type EventLoopUtilization, type IntervalHistogram } from 'node:perf_hooks';
import { CellStatus, type ActorCell } from './actor-cell.js';
import type { Clock } from '../clock.js';
import { snapshotOf, type ActorSnapshot } from './cell-snapshot.js';

/** One actor kind on one worker, aggregated: what the ops view shows before it is expanded. */
export interface KindSample {
  kind: string;
  count: number;
  /** Actors per status (active, restarting, backing-off, passivated, stopped, quarantined, …). */
  byStatus: Record<string, number>;
  mailbox: number;
  restarts: number;
  failures: number;
  /** Messages per second handled by the kind's actors since the previous sample. */
  rate: number;
  /** The last failure of any actor of the kind on this worker. */
  lastFailure: (ActorSnapshot['lastFailure'] & { actor: string }) | null;
}

/** An actor in a sample, with its message rate since the previous sample. */
export interface ActorSample extends ActorSnapshot {
  rate: number;
}

/** What a worker reports to the ops sampler: plain data, it crosses the control plane. */
export interface WorkerSample {
  thread: number;
  at: number;
  actors: number;
  /** Messages handled by the worker since it started (monotonic). */
  processed: number;
  mailboxTotal: number;
  pendingAsks: number;
  /** Messages per second handled since the previous sample. */
  rate: number;
  /** Share of wall time the worker's event loop was busy since the previous sample (0..1). */
  utilization: number;
  eventLoopDelayMs: { p50: number; p99: number; max: number };
  /** First-activation latencies (ms) since the previous sample. */
  activationsMs: number[];
  kinds: KindSample[];
  /** Actors ops should see without expanding anything: not active, restarted, or failed (bounded). */
  notable: ActorSample[];
  /** The deepest mailboxes and the most restarted actors (bounded). */
  topMailbox: ActorSample[];
  topRestarts: ActorSample[];
}

export interface SampleOptions {
  /** Length of each top list and of the notable list. Default 20. */
  top?: number;
}

export interface ActorQuery {
  kind?: string;
  /** Substring of the actor id. */
  q?: string;
  offset?: number;
  limit?: number;
}

/** The worker side of the ops view: aggregates its cells per kind, keeps rates between samples. */
export class WorkerSampler {
  readonly #thread: number;
  readonly #clock: Clock;
  readonly #cells: () => Iterable<ActorCell>;
  readonly #counters: () => { processed: number; mailboxTotal: number; pendingAsks: number; activations: number[] };
  readonly #delay: IntervalHistogram;
  /** Handled count of each cell at the previous sample: rates are differences. */
  #lastHandled = new WeakMap<ActorCell, number>();
  #lastAt: number;
  #lastProcessed = 0;
  #lastElu: EventLoopUtilization;

  constructor(
    thread: number,
    clock: Clock,
    cells: () => Iterable<ActorCell>,
    counters: () => { processed: number; mailboxTotal: number; pendingAsks: number; activations: number[] },
  ) {
    this.#thread = thread;
    this.#clock = clock;
    this.#cells = cells;
    this.#counters = counters;
    this.#delay = monitorEventLoopDelay({ resolution: 20 });
    this.#delay.enable();
    this.#lastAt = clock.now();
    this.#lastElu = performance.eventLoopUtilization();
  }

  sample(options: SampleOptions = {}): WorkerSample {
    const top = Math.max(1, Math.min(options.top ?? 20, 200));
    const now = this.#clock.now();
    const seconds = Math.max(0.001, (now - this.#lastAt) / 1000);
    const previous = this.#lastHandled;
    const next = new WeakMap<ActorCell, number>();
    const kinds = new Map<string, KindSample>();
    const notable: ActorSample[] = [];
    const topMailbox: ActorSample[] = [];
    const topRestarts: ActorSample[] = [];
    let actors = 0;
    for (const cell of this.#cells()) {
      actors++;
      const rate = (cell.handled - Math.min(previous.get(cell) ?? 0, cell.handled)) / seconds;
      next.set(cell, cell.handled);
      let k = kinds.get(cell.kind);
      if (k === undefined) kinds.set(cell.kind, (k = { kind: cell.kind, count: 0, byStatus: {}, mailbox: 0, restarts: 0, failures: 0, rate: 0, lastFailure: null }));
      const mailbox = cell.mailbox.size + (cell.retry === null ? 0 : 1);
      const restarts = cell.restarts?.total ?? 0;
      k.count++;
      k.byStatus[cell.status] = (k.byStatus[cell.status] ?? 0) + 1;
      k.mailbox += mailbox;
      k.restarts += restarts;
      k.failures += cell.failures;
      k.rate += rate;
      if (cell.lastFailure !== null && (k.lastFailure === null || cell.lastFailure.at > k.lastFailure.at)) k.lastFailure = { ...cell.lastFailure, actor: cell.key };
      const isNotable = cell.status !== CellStatus.ACTIVE || restarts > 0 || cell.lastFailure !== null;
      if (isNotable && notable.length < top) notable.push(this.#actor(cell, now, rate));
      if (mailbox > 0) keepTop(topMailbox, top, mailbox, (a) => a.mailbox, () => this.#actor(cell, now, rate));
      if (restarts > 0) keepTop(topRestarts, top, restarts, (a) => a.restarts, () => this.#actor(cell, now, rate));
    }
    this.#lastHandled = next;
    const counters = this.#counters();
    const rate = (counters.processed - Math.min(this.#lastProcessed, counters.processed)) / seconds;
    this.#lastProcessed = counters.processed;
    this.#lastAt = now;
    const elu = performance.eventLoopUtilization(this.#lastElu);
    this.#lastElu = performance.eventLoopUtilization();
    const delay = this.#delay;
    const eventLoopDelayMs = { p50: delay.percentile(50) / 1e6, p99: delay.percentile(99) / 1e6, max: delay.max / 1e6 };
    delay.reset();
    return {
      thread: this.#thread,
      at: now,
      actors,
      processed: counters.processed,
      mailboxTotal: counters.mailboxTotal,
      pendingAsks: counters.pendingAsks,
      rate,
      utilization: elu.utilization,
      eventLoopDelayMs: Number.isFinite(eventLoopDelayMs.p50) ? eventLoopDelayMs : { p50: 0, p99: 0, max: 0 },
      activationsMs: counters.activations,
      kinds: [...kinds.values()].sort((a, b) => (a.kind < b.kind ? -1 : 1)),
      notable,
      topMailbox,
      topRestarts,
    };
  }

  /** Actors of this worker matching the query (kind, id substring), sorted by key, one page of them. */
  actors(query: ActorQuery = {}): { total: number; actors: ActorSample[] } {
    const now = this.#clock.now();
    const offset = Math.max(0, query.offset ?? 0);
    const limit = Math.max(0, Math.min(query.limit ?? 100, 1_000));
    const matching: ActorCell[] = [];
    for (const cell of this.#cells()) {
      if (query.kind !== undefined && cell.kind !== query.kind) continue;
      if (query.q !== undefined && query.q !== '' && !cell.id.includes(query.q)) continue;
      matching.push(cell);
    }
    matching.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
    const seconds = Math.max(0.001, (now - this.#lastAt) / 1000);
    const page = matching.slice(offset, offset + limit).map((cell) => this.#actor(cell, now, (cell.handled - Math.min(this.#lastHandled.get(cell) ?? 0, cell.handled)) / seconds));
    return { total: matching.length, actors: page };
  }

  close(): void {
    this.#delay.disable();
  }

  #actor(cell: ActorCell, now: number, rate: number): ActorSample {
    const snapshot = snapshotOf(cell, now) as ActorSample;
    snapshot.rate = rate;
    return snapshot;
  }
}

/** Keeps `list` as the `size` largest by `score`, largest first; builds an entry only when it gets in. */
function keepTop(list: ActorSample[], size: number, value: number, score: (a: ActorSample) => number, build: () => ActorSample): void {
  if (list.length === size && score(list[size - 1]) >= value) return;
  const entry = build();
  let i = list.length;
  while (i > 0 && score(list[i - 1]) < value) i--;
  list.splice(i, 0, entry);
  if (list.length > size) list.pop();
}
