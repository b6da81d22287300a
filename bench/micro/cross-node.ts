import type { RunTiming } from './actors/bench-actors.js';
import type { PingRun, PingTiming } from './actors/cluster-actors.js';
import type { Progress } from '../support/progress.js';
import { formatNumber, type ScenarioResult } from '../support/report.js';
import { alternate } from './rounds.js';
import type { OptionValues, Scenario } from '../support/scenario.js';
import { REDIS_URL, deleteRunKeys, runPrefix, startNodes, waitMembers, type NodeProcess } from './cluster-helpers.js';
import { sampleEnvelopes } from './cross-node-envelopes.js';
import { threadStreamId } from '../../cluster/index.js';
import { measureEncoding } from './cross-node-encoding.js';
import { addSlice, emptySide, type Side } from './cross-node-latency.js';
import { GOAL_P99_MS, GOAL_RATIO, report } from './cross-node-report.js';
import { wireBytes } from './cross-node-wire.js';
import { alternateTracing, cpuRound, crossNodeTracing, tracingHalfOrders, tracingRows, type TracingHalf } from './cross-node-tracing.js';
import { closePair, pairActors, startPair, type Pair } from './cross-node-pair.js';
import { TRACING_MAX_COST, TRACING_OPTION, TRACING_SAMPLE_RATIO, startTracingSink, tracingEnv } from '../support/tracing.js';
import type { OtlpSink } from '../support/otlp-sink.js';
import { pacedPlan, pacedRows, pacedSide, pacedTracing } from './cross-node-tracing-paced.js';

const ROUND_TIMEOUT_MS = 120_000;

/**
 * Actor messages between two node processes over Redis Streams, against bare ioredis moving the
 * same bytes.
 *
 * Two node processes (forked, `workers` worker threads each, memory store) join one cluster on the
 * shared Redis under a prefix unique to the run. A pinger actor on node A tells `ping {n, at}` to
 * `targets` echo actors that the placement puts on node B, in turn; each echo actor tells
 * `pong {n, at, bt}` back to the pinger. Every ping and every pong is a cross-node message.
 *
 * - Throughput: `messages` pings per round, at most `window` unanswered (closed loop); rate =
 *   (pings + pongs) / time from the first ping to the last pong, measured in A's worker.
 * - Latency: pings paced at `rate` per second (a 1 ms timer sends what is due) for `latency-ms`
 *   in all, in `latency-rounds` slices alternating with the baseline's (ABBA), pooled;
 *   one-way latency of every ping (A's send → B's handler) and every pong (B's send → A's
 *   handler), from the two processes' clocks (same machine: performance.timeOrigin + now()).
 *
 * Baseline, same two processes, same run: their main threads exchange the same pings and pongs as
 * the same envelopes (same fields, EnvelopeCodec), one entry per turn of up to 32 envelopes, every
 * turn's XADDs and XACKs in one pipeline, read with XREADGROUP (COUNT 128, BLOCK 1000) — the
 * transport's wire format and defaults, with no runtime around them. Rounds alternate ABBA.
 *
 * Also: size and encode+decode time of msgpackr (EnvelopeCodec) against JSON.stringify/parse of
 * the same envelopes, in this process.
 *
 * `--tracing on`: both node processes export their spans (OTLP/HTTP, 10 % sampled, to a sink of the
 * bench) and ours' throughput rounds are kicked (bench/micro/cross-node-tracing.ts: each chain a
 * trace root of its own). `both`: after everything above, the pair above is closed and two fresh
 * pairs are started, each in a cluster of its own, the untraced one first and then the traced one;
 * their kicked rounds alternate, compared by messages per CPU-second of each pair over the phase;
 * then the same again on more fresh pairs (TRACING_HALVES in all), the start order alternating.
 * The figure is the geometric mean of the halves' ratios (goal: traced >= 0.9 x untraced).
 */
export const crossNode: Scenario = {
  name: 'cross-node',
  summary: `actor pings/pongs between two node processes over Redis Streams vs bare XADD/XREADGROUP/XACK of the same bytes; latency at an offered rate; msgpack vs JSON; --tracing both: traced (10 % sampled) vs untraced messages per CPU-second (goals: ratio >= ${GOAL_RATIO}, p99 < ${GOAL_P99_MS} ms, traced >= ${1 - TRACING_MAX_COST} x untraced)`,
  options: {
    workers: { kind: 'int', default: 1, min: 1, max: 16, description: 'worker threads per node process' },
    targets: { kind: 'int', default: 64, min: 1, max: 100_000, description: 'echo actors on node B' },
    messages: { kind: 'int', default: 20_000, min: 1, max: 10_000_000, description: 'pings per throughput round (each answered: twice as many messages)' },
    window: { kind: 'int', default: 1_024, min: 1, max: 100_000, description: 'unanswered pings at most in a throughput round' },
    rounds: { kind: 'int', default: 5, min: 1, max: 101, description: 'measured throughput rounds of each side, alternating; the median is reported' },
    warmup: { kind: 'int', default: 1, min: 0, max: 100, description: 'unmeasured throughput rounds of each side first' },
    rate: { kind: 'int', default: 10_000, min: 0, max: 1_000_000, description: 'pings per second offered in the latency phase (0: skip it)' },
    'latency-ms': { kind: 'int', default: 6_000, min: 100, max: 600_000, description: 'length of the latency phase, each side' },
    'latency-rounds': { kind: 'int', default: 2, min: 1, max: 100, description: 'slices of the latency phase, each side, alternating which goes first' },
    'encode-envelopes': { kind: 'int', default: 4_096, min: 32, max: 1_000_000, description: 'envelopes of each kind in the encoding comparison' },
    tracing: TRACING_OPTION,
    'worker-streams': { kind: 'choice', default: 'off', choices: ['off', 'on'], description: 'on: every worker reaches the other node over a stream of its own (ClusterNodeOptions.workerStreams), skipping both main threads' },
    'tracing-loops': { kind: 'choice', default: 'both', choices: ['closed', 'paced', 'both'], description: '--tracing both: the closed-loop comparison, the paced one (at --tracing-rate) or both, on the same pairs' },
    'tracing-rate': { kind: 'int', default: 10_000, min: 100, max: 1_000_000, description: '--tracing both, paced: pings per second offered to each pair (chains of 20 pings, kicked at a fixed rate)' },
  },
  run: runCrossNode,
};

async function runCrossNode(options: OptionValues, progress: Progress): Promise<ScenarioResult> {
  const workers = options.workers as number;
  const messages = options.messages as number;
  const window = options.window as number;
  const rate = options.rate as number;
  const latencyMs = options['latency-ms'] as number;
  const prefix = runPrefix('xn');
  const ids = [`xn-a-${process.pid}`, `xn-b-${process.pid}`];
  const tracing = options.tracing as 'off' | 'on' | 'both';
  // --worker-streams on: the measured pair's nodes start with workerStreams (the --tracing both pairs do not).
  const streamsEnv: NodeJS.ProcessEnv = options['worker-streams'] === 'on' ? { GLASS_WORKER_STREAMS: '1' } : {};
  let procs: NodeProcess[] = [];
  /** --tracing both: the two fresh pairs the cost of tracing is measured on. */
  const pairs: Pair[] = [];
  let sink: OtlpSink | null = null;
  const runStarted = performance.now();
  try {
    sink = tracing === 'off' ? null : await startTracingSink();
    progress.begin('starting two node processes', 3);
    // --tracing on: this pair exports its spans.
    procs = await startNodes(['node-a', 'node-b'], (_name, i) => ({ nodeId: ids[i], prefix, redisUrl: REDIS_URL, workers, store: null }), tracing === 'on' ? { ...tracingEnv(sink!), ...streamsEnv } : streamsEnv);
    progress.tick();
    await waitMembers(procs, ids);
    progress.tick();
    const [a, b] = procs;
    const { pinger, waiter, targets, probes } = await pairActors(procs, ids, options.targets as number, workers);
    await Promise.all([
      a.request('baseline-open', { prefix, redisUrl: REDIS_URL, side: 'a', pinger }),
      b.request('baseline-open', { prefix, redisUrl: REDIS_URL, side: 'b', pinger }),
    ]);
    progress.tick();

    const encoding = measureEncoding(sampleEnvelopes(options['encode-envelopes'] as number, pinger, targets), progress);

    // ---- throughput ----
    const strays: number[] = [];
    const asRun = (t: PingTiming): RunTiming => {
      strays.push(t.strays);
      return { chains: t.pongs, handled: t.pings + t.pongs, elapsedMs: t.elapsedMs };
    };
    const closedLoop: PingRun = { targets, total: messages, window, rate: 0 };
    // Kicked: `window` chains each started from A's main thread (a trace root each when traced).
    const kicked = (node: NodeProcess, who: { pinger: string; waiter: string }) => async (): Promise<RunTiming> =>
      asRun(await node.request<PingTiming>('xn-ping-kicked', { ...who, run: closedLoop, kicks: Math.min(window, messages), timeoutMs: ROUND_TIMEOUT_MS }, ROUND_TIMEOUT_MS + 5_000));
    const ours =
      tracing === 'on'
        ? kicked(a, { pinger, waiter })
        : async (): Promise<RunTiming> => asRun(await a.request<PingTiming>('xn-ping', { pinger, waiter, run: closedLoop, timeoutMs: ROUND_TIMEOUT_MS }, ROUND_TIMEOUT_MS + 5_000));
    const raw = async (): Promise<RunTiming> => asRun(await a.request<PingTiming>('baseline-ping', { run: closedLoop }, ROUND_TIMEOUT_MS));
    const outcome = await alternate(ours, raw, 2 * messages, options.rounds as number, options.warmup as number, progress);

    if (strays.some((s) => s > 0)) throw new Error(`pongs of another run arrived (${strays.join(', ')}): the figures are not valid`);

    // ---- latency at an offered rate: `latency-rounds` slices, alternating which side goes first ----
    let latency: { ours: Side; baseline: Side } | null = null;
    if (rate > 0) {
      const slices = options['latency-rounds'] as number;
      const total = Math.max(1, Math.round((rate * latencyMs) / 1000 / slices));
      const paced: PingRun = { targets, total, window: total, rate };
      await b.request('xn-take', { probes });
      await b.request('baseline-take');
      const sides: { ours: Side; baseline: Side } = { ours: emptySide(), baseline: emptySide() };
      const runOurs = async (): Promise<void> => {
        const timing = await a.request<PingTiming>('xn-ping', { pinger, waiter, run: paced, timeoutMs: ROUND_TIMEOUT_MS }, ROUND_TIMEOUT_MS + 5_000);
        addSlice(sides.ours, timing, (await b.request<{ latencyUs: Float64Array }>('xn-take', { probes })).latencyUs, total, 'ours');
      };
      const runBaseline = async (): Promise<void> => {
        const timing = await a.request<PingTiming>('baseline-ping', { run: paced }, ROUND_TIMEOUT_MS);
        addSlice(sides.baseline, timing, (await b.request<{ latencyUs: Float64Array }>('baseline-take')).latencyUs, total, 'baseline');
      };
      progress.begin(`latency at ${formatNumber(rate)} pings/s (${slices} slices of ${formatNumber(total)} pings each side)`, 2 * slices);
      for (let i = 0; i < slices; i++) {
        const order = i % 2 === 0 ? [runOurs, runBaseline] : [runBaseline, runOurs];
        for (const run of order) {
          await run();
          progress.tick();
        }
      }
      latency = sides;
    }

    progress.begin('reading stored entries (bytes per envelope on the wire)', 1);
    // With worker streams the entries are in the workers' streams (worker 1's read here).
    const wire = await wireBytes(prefix, options['worker-streams'] === 'on' ? ids.map((id) => threadStreamId(id, 1)) : ids);
    progress.tick();

    // ---- the cost of tracing (--tracing both): kicked rounds of each pair, per CPU-second of the pair ----
    const tracingHalves: TracingHalf[] = [];
    const pacedHalves: TracingHalf[] = [];
    const loops = options['tracing-loops'] as 'closed' | 'paced' | 'both';
    const plan = pacedPlan(options['tracing-rate'] as number);
    // The sink's count at each phase's end (after its settle: the export runs every 5 s), to tell the phases' spans apart.
    const spansAt: number[] = [];
    let pacedSpans = 0;
    if (tracing === 'both') {
      // Last, on fresh pairs of their own, the pair above closed: an A/A run (both untraced) on the
      // pair above against one fresh pair gave the fresh one 1.35-1.5 x the messages per
      // CPU-second. Two fresh pairs differ by more than the goal's 10 % too, either way: the phase
      // runs on TRACING_HALVES pairs of pairs, the start order alternating, and the figure is the
      // geometric mean of their ratios (bench/micro/cross-node-tracing.ts).
      await Promise.allSettled(procs.map((p) => p.request('baseline-close', {}, 10_000)));
      await Promise.allSettled(procs.map((p) => p.close()));
      const side = (pair: Pair) => {
        const run = kicked(pair.procs[0], pair.actors);
        return {
          round: () => cpuRound(pair.procs, run),
          cpuMicros: async (): Promise<number> => (await Promise.all(pair.procs.map((p) => p.cpuMicros()))).reduce((x, y) => x + y, 0),
        };
      };
      for (const [i, order] of tracingHalfOrders().entries()) {
        progress.begin(`tracing (${order}): starting an untraced and a traced pair of node processes`, 2);
        const start = (traced: boolean): Promise<Pair> =>
          traced
            ? startPair(`traced-${i}`, `${prefix}-t${i}`, workers, options.targets as number, tracingEnv(sink!))
            : startPair(`untraced-${i}`, `${prefix}-u${i}`, workers, options.targets as number);
        const first = await start(order === 'traced first');
        pairs.push(first);
        progress.tick();
        const second = await start(order !== 'traced first');
        pairs.push(second);
        progress.tick();
        const [untraced, traced] = order === 'traced first' ? [second, first] : [first, second];
        if (loops !== 'paced') {
          const outcome = await alternateTracing(side(untraced), side(traced), 2 * messages, options.rounds as number, options.warmup as number, progress);
          tracingHalves.push({ order, outcome });
        }
        spansAt.push(sink!.spanCount);
        if (loops !== 'closed') {
          // The same pairs, paced (bench/micro/cross-node-tracing-paced.ts).
          const p = (pair: Pair) => pacedSide(pair, plan, ROUND_TIMEOUT_MS);
          const outcome = await alternateTracing(p(untraced), p(traced), 2 * plan.pingsPerRound, options.rounds as number, options.warmup as number, progress);
          pacedHalves.push({ order, outcome });
        }
        pacedSpans += sink!.spanCount - spansAt[spansAt.length - 1];
        // Closed before the next half (the traced pair flushes its spans to the sink as it closes).
        await Promise.allSettled(pairs.splice(0).map(closePair));
        spansAt.push(sink!.spanCount);
      }
      if (strays.some((s) => s > 0)) throw new Error(`pongs of another run arrived in the tracing rounds (${strays.join(', ')}): the figures are not valid`);
    }
    const reported = report(options, outcome, latency, encoding, wire, { pinger, targets: targets.length, workers, runMs: Math.round(performance.now() - runStarted) });
    const result = { ...reported, figures: { ...reported.figures, workerStreams: options['worker-streams'] } };
    if (tracing === 'off') return result;
    // The sink counts what reached it: flush the traced processes' spans first (they flush on close;
    // the pairs of --tracing both are closed already).
    if (tracing === 'on') await Promise.allSettled(procs.map((p) => p.close()));
    if (tracing === 'on') return { ...result, figures: { ...result.figures, tracing: { mode: 'on', sampleRatio: TRACING_SAMPLE_RATIO, spansReceived: sink!.spanCount } } };
    // The closed loop's figures stay where they were (`tracing`), the paced ones beside them (`tracing.paced`);
    // with --tracing-loops paced, the paced ones are `tracing`.
    const paced = pacedHalves.length === 0 ? null : pacedTracing(pacedHalves, pacedSpans, plan);
    const closed = tracingHalves.length === 0 ? null : { ...crossNodeTracing(tracingHalves, sink!.spanCount - pacedSpans), loop: 'closed' as const };
    const t = closed === null ? paced! : { ...closed, ...(paced === null ? {} : { paced }) };
    const goalMet = (closed?.goalMet ?? true) && (paced?.goalMet ?? true);
    return {
      ...result,
      figures: { ...result.figures, tracing: t },
      goal: `${result.goal}; traced (${TRACING_SAMPLE_RATIO * 100} % sampled) >= ${1 - TRACING_MAX_COST} x untraced messages per CPU-second (${loops === 'both' ? 'closed loop and paced' : loops})`,
      goalMet: result.goalMet && goalMet,
      table: { head: result.table.head, rows: [...result.table.rows, ...(closed === null ? [] : tracingRows(closed)), ...(paced === null ? [] : pacedRows(paced))] },
    };
  } finally {
    progress.begin('closing nodes, deleting the run’s Redis keys', 1);
    await Promise.allSettled(procs.map((p) => p.request('baseline-close', {}, 10_000)));
    await Promise.allSettled(procs.map((p) => p.close()));
    await Promise.allSettled(pairs.map(closePair));
    await sink?.close();
    await deleteRunKeys(prefix).catch(() => undefined);
    progress.tick();
    progress.stop();
  }
}

