// Actor kinds of the cluster scenarios (cross-node, failover), loaded by the worker threads of the
// node processes the scenarios fork. Worker-safe: it imports only the actors layer.
import { performance } from 'node:perf_hooks';
import { defineActor, type ActorContext, type ActorRef } from '../../../actors/index.js';

export const PINGER_KIND = 'bench-xn-pinger';
export const ECHO_KIND = 'bench-xn-echo';
export const WAITER_KIND = 'bench-xn-waiter';
export const PROBE_KIND = 'bench-xn-probe';
export const COUNTER_KIND = 'bench-fo-counter';
export const FEEDER_KIND = 'bench-fo-feeder';

/**
 * The offset from this thread's performance.now() to the wall clock (Date.now()), measured at a
 * millisecond boundary: spin until Date.now() moves on, read performance.now() right then. Being
 * descheduled between the two reads only makes an estimate smaller, so the largest of a few is kept.
 * Not performance.timeOrigin: its wall-clock part is sampled once at thread start, and on a busy
 * machine it was found off by up to ~10 ms between two processes (one-way latencies below zero).
 */
function wallClockOffset(): number {
  let best = -Infinity;
  for (let i = 0; i < 5; i++) {
    const start = Date.now();
    let now = start;
    while (now === start) now = Date.now();
    best = Math.max(best, now - performance.now());
  }
  return best;
}

const WALL_OFFSET = wallClockOffset();

/**
 * Wall-clock milliseconds with microsecond resolution, comparable between the processes and threads
 * of one machine (all calibrated against the same system clock; see wallClockOffset).
 */
export function epochNow(): number {
  return WALL_OFFSET + performance.now();
}

// ---- cross-node: a pinger on node A, echo actors on node B ------------------------------------

/** A ping: its number in the run and when the pinger sent it (epochNow). */
export interface Ping {
  readonly type: 'ping';
  readonly n: number;
  readonly at: number;
}

/** The answer: the ping's fields, and when the echo actor sent it (epochNow). */
export interface Pong {
  readonly type: 'pong';
  readonly n: number;
  readonly at: number;
  readonly bt: number;
}

export interface PingRun {
  /** Echo actor ids (on node B), taken in turn. */
  targets: string[];
  /** Pings in the run; every one is answered. */
  total: number;
  /** Pings in flight at most (closed loop) when rate is 0. */
  window: number;
  /** Pings per second (open loop, paced by a 1 ms timer); 0 for as fast as the window allows. */
  rate: number;
  /**
   * Closed loop only: the start sends no ping; each `kick` told afterwards starts one chain of the
   * window (ping, pong, the next ping from the pong's handler …). The traced cross-node runs kick
   * from node A's main thread, each kick a trace root of its own (sampled there), so that a
   * sampled share of the chains, not all or none of the run, carries a trace.
   */
  kicked?: boolean;
  /**
   * Kicked runs only: each kick starts a chain of this many pings (each sent by the previous
   * ping's pong), not a chain that runs to the end of the window; the paced tracing comparison
   * kicks at a fixed rate (bench/micro/cross-node-tracing-paced.ts).
   */
  chain?: number;
}

/** What the waiter answers when every ping of a run has been answered, measured in A's worker. */
export interface PingTiming {
  pings: number;
  pongs: number;
  /** From the start to the last pong, ms. */
  elapsedMs: number;
  /** Per pong: one-way latency B → A (µs), and the round trip (µs). */
  pongLatencyUs: Float64Array;
  roundTripUs: Float64Array;
  /** Pong messages that arrived for a ping of another run (must be 0). */
  strays: number;
}

/** Per worker of node B: one-way latency (µs) of each ping received since the last report. */
const received = { latencies: [] as number[], count: 0 };

interface ActiveRun extends PingRun {
  sent: number;
  pongs: number;
  startedAt: number;
  pongLatencyUs: Float64Array;
  roundTripUs: Float64Array;
  strays: number;
  refs: ActorRef<typeof benchEcho>[];
  /** Chained runs: pings still to send in the chain of ping n (indexed by n). */
  chainLeft: Uint16Array | null;
  done: Promise<PingTiming>;
  finish: (timing: PingTiming) => void;
}

/** One run at a time per worker (the pinger and the waiter of node A share this worker). */
let active: ActiveRun | null = null;
let lastDone: Promise<PingTiming> | null = null;

export const benchEcho = defineActor({
  kind: ECHO_KIND,
  persistence: { save: 'passivation' },
  mailbox: { capacity: 1 << 16 },
  initialState: () => ({ pings: 0 }),
  handlers: {
    ping(ctx: ActorContext<{ pings: number }>, msg: Ping): void {
      const now = epochNow();
      received.latencies.push((now - msg.at) * 1000);
      received.count++;
      ctx.state.pings++;
      const sender = ctx.sender!;
      const colon = sender.indexOf(':');
      ctx.tell({ kind: sender.slice(0, colon), id: sender.slice(colon + 1) }, { type: 'pong', n: msg.n, at: msg.at, bt: epochNow() } satisfies Pong);
    },
  },
});

/** Sends the run's next ping through the cached ref of its target (pings carry the pinger as sender). */
function sendPing(run: ActiveRun): void {
  const n = run.sent++;
  run.refs[n % run.refs.length].tell({ type: 'ping', n, at: epochNow() });
}

export const benchPinger = defineActor({
  kind: PINGER_KIND,
  persistence: { save: 'passivation' },
  mailbox: { capacity: 1 << 16 },
  initialState: () => ({ runs: 0 }),
  handlers: {
    start(ctx: ActorContext<{ runs: number }>, msg: { type: 'start' } & PingRun): void {
      if (active !== null) throw new Error('a ping run is already in progress on this worker');
      ctx.state.runs++;
      let finish!: (timing: PingTiming) => void;
      const done = new Promise<PingTiming>((resolve) => (finish = resolve));
      const run: ActiveRun = {
        ...msg,
        sent: 0,
        pongs: 0,
        startedAt: epochNow(),
        pongLatencyUs: new Float64Array(msg.total),
        roundTripUs: new Float64Array(msg.total),
        strays: 0,
        refs: msg.targets.map((id) => ctx.ref(benchEcho, id)),
        chainLeft: msg.chain === undefined ? null : new Uint16Array(msg.total),
        done,
        finish,
      };
      active = run;
      lastDone = done;
      if (run.rate > 0) {
        ctx.timers.every('pace', 1, { type: 'pace' });
        pace(ctx, run);
      } else if (run.kicked !== true) {
        while (run.sent < run.total && run.sent - run.pongs < run.window) sendPing(run);
      }
    },

    /** One more chain of a kicked run (sent from this handler: the ping carries the kick's trace). */
    kick(_ctx: ActorContext<{ runs: number }>, _msg: {}): void {
      const run = active;
      if (run === null || run.sent >= run.total) return;
      if (run.chainLeft !== null) {
        run.chainLeft[run.sent] = run.chain! - 1;
        sendPing(run);
      } else if (run.sent - run.pongs < run.window) sendPing(run);
    },

    pace(ctx: ActorContext<{ runs: number }>, _msg: {}): void {
      const run = active;
      if (run === null) return void ctx.timers.cancel('pace');
      pace(ctx, run);
    },

    pong(ctx: ActorContext<{ runs: number }>, msg: Pong): void {
      const now = epochNow();
      const run = active;
      if (run === null || msg.n >= run.total) {
        if (run !== null) run.strays++;
        return;
      }
      const i = run.pongs++;
      run.pongLatencyUs[i] = (now - msg.bt) * 1000;
      run.roundTripUs[i] = (now - msg.at) * 1000;
      if (run.chainLeft !== null) {
        const left = run.chainLeft[msg.n];
        if (left > 0 && run.sent < run.total) {
          run.chainLeft[run.sent] = left - 1;
          sendPing(run);
        }
      } else if (run.rate === 0) {
        while (run.sent < run.total && run.sent - run.pongs < run.window) sendPing(run);
      }
      if (run.pongs === run.total) {
        active = null;
        ctx.timers.cancel('pace');
        run.finish({ pings: run.sent, pongs: run.pongs, elapsedMs: now - run.startedAt, pongLatencyUs: run.pongLatencyUs, roundTripUs: run.roundTripUs, strays: run.strays });
      }
    },
  },
});

/** Sends the pings due by now at the run's rate. */
function pace(ctx: ActorContext<unknown>, run: ActiveRun): void {
  const due = Math.min(run.total, Math.floor(((epochNow() - run.startedAt) * run.rate) / 1000) + 1);
  while (run.sent < due) sendPing(run);
  if (run.sent === run.total) ctx.timers.cancel('pace');
}

/** Answers when the run started last on this worker has ended (an async handler: it waits). */
export const benchWaiter = defineActor({
  kind: WAITER_KIND,
  persistence: { save: 'passivation' },
  initialState: () => ({}),
  handlers: {
    wait(_ctx, _msg: {}): Promise<PingTiming> {
      if (lastDone === null) throw new Error('no ping run was started on this worker');
      return lastDone;
    },
  },
});

/** Reads (and resets) the one-way latencies of the pings this worker's echo actors received. */
export const benchProbe = defineActor({
  kind: PROBE_KIND,
  persistence: { save: 'passivation' },
  initialState: () => ({}),
  handlers: {
    take(_ctx, _msg: {}): { count: number; latencyUs: Float64Array } {
      const out = { count: received.count, latencyUs: Float64Array.from(received.latencies) };
      received.latencies = [];
      received.count = 0;
      return out;
    },
  },
});

// ---- failover: counters spread over three nodes, fed by actors on a survivor ----------------

export interface CounterState {
  /** Adds applied. */
  n: number;
  /** The op id of every add applied, in order: an op applied twice shows up twice. */
  applied: number[];
}

/** A counter whose every add reaches CouchDB before it is answered. */
export const benchCounter = defineActor({
  kind: COUNTER_KIND,
  persistence: { save: 'every-message' },
  readOnly: ['get', 'dump'],
  initialState: (): CounterState => ({ n: 0, applied: [] }),
  handlers: {
    add(ctx: ActorContext<CounterState>, msg: { op: number }): number {
      ctx.state.n++;
      ctx.state.applied.push(msg.op);
      return ctx.state.n;
    },
    get(ctx: ActorContext<CounterState>, _msg: {}): number {
      return ctx.state.n;
    },
    dump(ctx: ActorContext<CounterState>, _msg: {}): CounterState {
      return { n: ctx.state.n, applied: [...ctx.state.applied] };
    },
  },
});

/**
 * Feeds one counter: each `add` is passed on as an ask from this actor (so the pair feeder →
 * counter is sequenced, as actor-to-actor traffic is) and answered with the counter's reply.
 */
export const benchFeeder = defineActor({
  kind: FEEDER_KIND,
  persistence: { save: 'passivation' },
  initialState: () => ({}),
  handlers: {
    add(ctx, msg: { to: string; op: number; timeoutMs: number }): Promise<unknown> {
      return ctx.ask({ kind: COUNTER_KIND, id: msg.to }, { type: 'add', op: msg.op }, { timeoutMs: msg.timeoutMs });
    },
  },
});

export const actors = [benchEcho, benchPinger, benchWaiter, benchProbe, benchCounter, benchFeeder];

/** What the node processes pass as `actorModules` to load these kinds. */
export const CLUSTER_ACTORS = new URL('./cluster-actors.js', import.meta.url).href;
