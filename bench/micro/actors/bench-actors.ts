// Actor kinds the benchmark scenarios run on. Loaded by worker threads through `actorModules`, so
// it imports only the actors layer (worker-safe), never the harness.
import { performance } from 'node:perf_hooks';
import { defineActor, type ActorContext } from '../../../actors/index.js';
import type { Address } from '../../../runtime/index.js';

export const HOP_KIND = 'bench-hop';
export const DRIVER_KIND = 'bench-driver';
export const IDLE_KIND = 'bench-idle';

/** How a hop actor sends to its next actor: a typed ref cached at link time, or `ctx.tell(address)`. */
export const SendVia = {
  REF: 'ref',
  TELL: 'tell',
} as const;
export type SendVia = (typeof SendVia)[keyof typeof SendVia];

export interface HopMessage {
  readonly type: 'hop';
  /** Hops left after this one; the chain ends at the actor receiving 0. */
  readonly n: number;
}

/** What the driver answers when every chain of a run has ended, measured inside the worker. */
export interface RunTiming {
  /** Chains that ended. */
  chains: number;
  /** Hop messages handled on all threads: chains × (hops + 1). */
  handled: number;
  /** From the kick to the end of the last chain, in ms (performance.now of this worker). */
  elapsedMs: number;
}

interface HopTarget {
  tell(msg: HopMessage): void;
}

interface HopState {
  count: number;
  /** Cached ref to the next actor (SendVia.REF). */
  next: HopTarget | null;
  /** Address of the next actor (SendVia.TELL). */
  to: Address | null;
}

/**
 * One run per worker at a time, kept at module level: the chain's last hop may land on any actor
 * of this worker, and it is what tells the driver that the run is over.
 */
const run = {
  expected: 0,
  ended: 0,
  hops: 0,
  startedAt: 0,
  finish: null as ((timing: RunTiming) => void) | null,
};

function chainEnded(): void {
  run.ended++;
  if (run.ended !== run.expected || run.finish === null) return;
  const finish = run.finish;
  run.finish = null;
  finish({ chains: run.ended, handled: run.ended * (run.hops + 1), elapsedMs: performance.now() - run.startedAt });
}

/**
 * A link in a chain: on `hop` it counts, then passes `hop n-1` to its next actor, until n is 0.
 * `link` activates it and names its next actor (a ring on one thread, a partner on another).
 */
export const benchHop = defineActor({
  kind: HOP_KIND,
  // A messaging benchmark: state (which holds a live Ref) is never saved during a run.
  persistence: { save: 'passivation' },
  initialState: (): HopState => ({ count: 0, next: null, to: null }),
  handlers: {
    link(ctx: ActorContext<HopState>, msg: { next: string; via: SendVia }): void {
      const to: Address = { kind: HOP_KIND, id: msg.next };
      ctx.state.to = msg.via === SendVia.TELL ? to : null;
      ctx.state.next = msg.via === SendVia.REF ? (ctx.ref(benchHop, msg.next) as HopTarget) : null;
    },

    hop(ctx: ActorContext<HopState>, msg: HopMessage): void {
      const state = ctx.state;
      state.count++;
      if (msg.n === 0) return chainEnded();
      const next: HopMessage = { type: 'hop', n: msg.n - 1 };
      if (state.next !== null) state.next.tell(next);
      else ctx.tell(state.to!, next);
    },
  },
});

/**
 * Starts a run: records the time, kicks one chain at each start id, and answers when the last
 * chain has ended (an async handler: the driver waits, the hop actors run).
 */
export const benchDriver = defineActor({
  kind: DRIVER_KIND,
  persistence: { save: 'passivation' },
  initialState: () => ({ runs: 0 }),
  handlers: {
    start(ctx, msg: { starts: string[]; hops: number }): Promise<RunTiming> {
      if (run.finish !== null) throw new Error('a run is already in progress on this worker');
      ctx.state.runs++;
      run.expected = msg.starts.length;
      run.ended = 0;
      run.hops = msg.hops;
      const done = new Promise<RunTiming>((resolve) => (run.finish = resolve));
      const kick: HopMessage = { type: 'hop', n: msg.hops };
      run.startedAt = performance.now();
      for (const id of msg.starts) ctx.tell({ kind: HOP_KIND, id }, kick);
      return done;
    },
  },
});

/** An idle actor with a small realistic state, for the memory scenario. */
export const benchIdle = defineActor({
  kind: IDLE_KIND,
  // What an idle actor costs, not what a store's copy of its state costs in the same heap.
  persistence: { save: 'passivation' },
  initialState: () => ({ count: 0 }),
  handlers: {
    touch(ctx) {
      ctx.state.count++;
    },
  },
});

export const actors = [benchHop, benchDriver, benchIdle];

/** What scenarios pass as `actorModules` to load these kinds. */
export const BENCH_ACTORS = new URL('./bench-actors.js', import.meta.url).href;
