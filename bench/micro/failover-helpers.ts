// The failover scenario's work inside a surviving node process: feeding the counters, polling them
// after the kill, reading their state back. Runs in bench/micro/cluster-process.ts.
import type { GlassNode } from '../../runtime/node/index.js';
import { COUNTER_KIND, FEEDER_KIND, epochNow, type CounterState } from './actors/cluster-actors.js';

export interface FeedStart {
  /** [feeder id (on this node), counter id] per counter. */
  pairs: [string, string][];
  /** Timeout of the feeder's ask to its counter; the outer ask gets 500 ms more. */
  timeoutMs: number;
  /** Pause after a failed add before the next one. */
  pauseAfterFailureMs: number;
}

export interface CounterFeed {
  counter: string;
  /** Ops whose add was answered (acknowledged): each must be in the counter's state exactly once. */
  acked: number[];
  /** Ops whose add failed or timed out: each may be in the state at most once. */
  unacked: number[];
  /** Error codes of the failures, counted. */
  failures: Record<string, number>;
}

export interface FeedOutcome {
  feeds: CounterFeed[];
  /** When each acknowledgement arrived (epoch ms), for a timeline around the kill. */
  ackTimes: Float64Array;
  startedAt: number;
  stoppedAt: number;
}

/** Adds fed to every counter, one at a time per counter, each with a unique op id, until stopped. */
export class Feeding {
  readonly #node: GlassNode;
  readonly #start: FeedStart;
  #stop = false;
  #nextOp = 1;
  readonly #ackTimes: number[] = [];
  readonly #feeds: CounterFeed[];
  readonly #loops: Promise<void>[];
  readonly #startedAt = epochNow();

  constructor(node: GlassNode, start: FeedStart) {
    this.#node = node;
    this.#start = start;
    this.#feeds = start.pairs.map(([, counter]) => ({ counter, acked: [], unacked: [], failures: {} }));
    this.#loops = start.pairs.map(([feeder], i) => this.#loop(feeder, this.#feeds[i]));
  }

  async #loop(feeder: string, feed: CounterFeed): Promise<void> {
    const { timeoutMs, pauseAfterFailureMs } = this.#start;
    while (!this.#stop) {
      const op = this.#nextOp++;
      try {
        await this.#node.ask({ kind: FEEDER_KIND, id: feeder }, { type: 'add', to: feed.counter, op, timeoutMs }, { timeoutMs: timeoutMs + 500 });
        feed.acked.push(op);
        this.#ackTimes.push(epochNow());
      } catch (err) {
        feed.unacked.push(op);
        const code = (err as { code?: string }).code ?? (err as Error).name ?? 'error';
        feed.failures[code] = (feed.failures[code] ?? 0) + 1;
        await new Promise((resolve) => setTimeout(resolve, pauseAfterFailureMs));
      }
    }
  }

  /** Stops feeding and waits for every add in flight to be answered or to time out. */
  async stop(): Promise<FeedOutcome> {
    this.#stop = true;
    const stoppedAt = epochNow();
    await Promise.all(this.#loops);
    return { feeds: this.#feeds, ackTimes: Float64Array.from(this.#ackTimes), startedAt: this.#startedAt, stoppedAt };
  }
}

export interface PollArgs {
  counters: string[];
  /** Epoch ms of the kill: answers are timed from it. */
  since: number;
  /** A new ask to an actor that has not answered yet every so often (asks overlap). */
  intervalMs: number;
  askTimeoutMs: number;
  /** Give up after this long from `since`. */
  deadlineMs: number;
}

export interface PollOutcome {
  /** Epoch ms of the first answer of each counter (NaN: none before the deadline). */
  firstAnswer: number[];
  asks: number;
  failures: Record<string, number>;
}

/**
 * Asks every counter `get` until each has answered once. An actor that has not answered gets a new
 * ask every `intervalMs` without waiting for the previous one to time out, so the first answer is
 * seen within about `intervalMs` of the actor being able to give it.
 */
export async function pollUntilAnswered(node: GlassNode, args: PollArgs): Promise<PollOutcome> {
  const firstAnswer = args.counters.map(() => NaN);
  const failures: Record<string, number> = {};
  let asks = 0;
  let left = args.counters.length;
  let allDone!: () => void;
  const done = new Promise<void>((resolve) => (allDone = resolve));
  const askOne = (i: number): void => {
    asks++;
    node.ask({ kind: COUNTER_KIND, id: args.counters[i] }, { type: 'get' }, { timeoutMs: args.askTimeoutMs }).then(
      () => {
        if (!Number.isNaN(firstAnswer[i])) return;
        firstAnswer[i] = epochNow();
        if (--left === 0) allDone();
      },
      (err: unknown) => {
        const code = (err as { code?: string }).code ?? 'error';
        failures[code] = (failures[code] ?? 0) + 1;
      },
    );
  };
  for (let i = 0; i < args.counters.length; i++) askOne(i);
  const timer = setInterval(() => {
    if (epochNow() - args.since > args.deadlineMs) return allDone();
    for (let i = 0; i < args.counters.length; i++) if (Number.isNaN(firstAnswer[i])) askOne(i);
  }, args.intervalMs);
  try {
    await done;
  } finally {
    clearInterval(timer);
  }
  return { firstAnswer, asks, failures };
}

/** The state of every counter (read-only asks, `concurrency` in flight). */
export async function dumpCounters(node: GlassNode, counters: readonly string[], timeoutMs: number, concurrency = 64): Promise<(CounterState | { error: string })[]> {
  const out: (CounterState | { error: string })[] = new Array(counters.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < counters.length) {
      const i = next++;
      try {
        out[i] = (await node.ask({ kind: COUNTER_KIND, id: counters[i] }, { type: 'dump' }, { timeoutMs })) as CounterState;
      } catch (err) {
        out[i] = { error: `${(err as { code?: string }).code ?? ''} ${(err as Error).message}` };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, counters.length) }, worker));
  return out;
}
