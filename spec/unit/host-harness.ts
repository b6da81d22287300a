import { WorkerSupervisor } from '../../supervisors/index.js';
import {
  ActorHost,
  QuarantineLog,
  type SupervisionSpec,
  DeadLetterLog,
  ManualClock,
  MemoryStateStore,
  Ref,
  WorkerRouter,
  createLogger,
  type ActorBehaviour,
  type ActorFailure,
  type DeadLetter,
  type Location,
  type Placement,
  type Services,
  type StateStore,
} from '../../runtime/index.js';

export const NODE_ID = 'n1';

/** Every id lives on thread 1 of node n1: the harness's router and host are that thread. */
export const singleThreadPlacement: Placement = {
  version: 1,
  locate: (): Location => ({ node: NODE_ID, thread: 1 }),
  setMembers: () => {},
};

export interface HarnessOptions {
  actors: readonly ActorBehaviour[];
  /** Node default idle time; large unless a test is about passivation. */
  idleAfterMs?: number;
  sweepIntervalMs?: number;
  askTimeoutMs?: number;
  /** Supervision overrides per kind (the worker supervisor is used, without jitter). */
  supervision?: Record<string, Partial<SupervisionSpec>>;
  store?: StateStore;
  /** Where the ManualClock starts (default 1,000 ms). */
  startMs?: number;
  /** The node services handlers reach with ctx.service (default none). */
  services?: Services;
  /** Where actors live (default: every id on this thread, singleThreadPlacement). */
  placement?: Placement;
}

/**
 * One worker thread's runtime, in-process: a Router and an ActorHost on a ManualClock, with the
 * dead letters and failures they report kept for assertions. Time moves only through `advance`.
 */
export class HostHarness {
  readonly clock: ManualClock;
  readonly deadLetters = new DeadLetterLog();
  readonly quarantine = new QuarantineLog();
  readonly failures: ActorFailure[] = [];
  readonly store: StateStore;
  readonly router: WorkerRouter;
  readonly host: ActorHost;

  constructor(options: HarnessOptions) {
    this.clock = new ManualClock(options.startMs ?? 1_000);
    this.store = options.store ?? new MemoryStateStore();
    this.router = new WorkerRouter({
      nodeId: NODE_ID,
      thread: 1,
      placement: options.placement ?? singleThreadPlacement,
      clock: this.clock,
      pinnedKinds: [],
      defaultAskTimeoutMs: options.askTimeoutMs ?? 5_000,
      maxBatch: 1024,
      onDeadLetter: (letter) => this.deadLetters.record(letter),
    });
    this.host = new ActorHost({
      router: this.router,
      behaviours: options.actors,
      store: this.store,
      clock: this.clock,
      logger: createLogger('glass-test', 'silent'),
      idleAfterMs: options.idleAfterMs ?? 1_000_000_000,
      sweepIntervalMs: options.sweepIntervalMs ?? 1_000,
      // Stuck handlers in these tests never settle: shutdown gives up on them quickly.
      shutdownTimeoutMs: 20,
      // No jitter: backoff delays are exact, so tests can advance the clock to them.
      supervisor: new WorkerSupervisor({ random: () => 0, overrides: options.supervision }),
      onQuarantine: (entry) => this.quarantine.record(entry),
      ...(options.services !== undefined && { services: options.services }),
    });
    this.router.setLocal(this.host);
    this.host.onFailure((f) => this.failures.push(f));
  }

  /** An untyped ref sent from outside any actor; typed refs come from `definition.ref(harness, id)`. */
  ref(kind: string, id: string): Ref {
    return new Ref(kind, id, this.router, null);
  }

  /** Lets the host finish what is already in motion (microtasks, activation, passivation saves). */
  async settle(): Promise<void> {
    // The memory store and the dispatcher only use microtasks (and setImmediate past a full turn
    // budget), so one macrotask turn after the queue drains is quiescence, not a guess at timing.
    await new Promise<void>((resolve) => setImmediate(resolve));
    await new Promise<void>((resolve) => setImmediate(resolve));
  }

  /**
   * Advances the clock by `ms` in steps of `stepMs`, settling after each step: like real time,
   * messages a timer delivers are handled before the next timer (e.g. the idle sweep) fires.
   */
  async advance(ms: number, stepMs = ms): Promise<void> {
    for (let done = 0; done < ms; done += stepMs) {
      this.clock.advance(Math.min(stepMs, ms - done));
      await this.settle();
    }
  }

  letters(reason?: string): DeadLetter[] {
    return this.deadLetters.recent().filter((l) => reason === undefined || l.reason === reason);
  }

  isActive(kind: string, id: string): boolean {
    return this.host.inspect({ kind }).some((a) => a.id === id);
  }

  async close(): Promise<void> {
    await this.host.close();
    this.router.close(new Error('harness closed'));
    await this.store.close();
  }
}

/** A promise with its resolve exposed, for handlers a test wants to hold open. */
export function deferred<T = void>(): { promise: Promise<T>; resolve: (value: T) => void } {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((r) => (resolve = r));
  return { promise, resolve };
}

/** Records whether a promise has settled, without making its rejection unhandled. */
export function track<T>(promise: Promise<T>): { readonly settled: boolean; readonly promise: Promise<T> } {
  const state = { settled: false, promise };
  promise.then(
    () => (state.settled = true),
    () => (state.settled = true),
  );
  return state;
}
