import { generateTokenKeyPair, publicKeyPem, signAccessToken } from '../../clients/index.js';
import { PEER_TRANSPORTS, type PeerTransport } from './colyseus-api.js';
import { Child } from './ipc.js';
import type { PlayerSpec, SideName } from './load.js';
import { colyseusAvailability } from './peer-packages.js';
import { pool } from './pool.js';
import { roomsReport, type PeerInfo, type Ramp, type Slice } from './report.js';
import { alternate, slice, type Setup } from './slices.js';
import { CAPACITY_BUDGETS_MS, GOAL_CAPACITY_VS_PEER, runCapacity, type CapacityRun } from './capacity-run.js';
import { DEFAULT_CAPACITY } from './capacity.js';
import type { Progress } from '../support/progress.js';
import type { ScenarioResult } from '../support/report.js';
import type { OptionValues, Scenario } from '../support/scenario.js';
import { TRACING_MAX_COST, TRACING_OPTION, startTracingSink, tracingEnv, tracingFigures } from '../support/tracing.js';
import type { OtlpSink } from '../support/otlp-sink.js';

const GOAL_RATIO = 0.6;
const GOAL_P99_MS = 20;
/** Ours against the peer framework: at least this many times its deliveries per server CPU-second (and a p99 no worse). */
const GOAL_RATIO_VS_PEER = 2;
/** The gateway's default per-character limit (clients/rate-limiter.ts DEFAULT_RATE_LIMIT). */
const GATEWAY_RATE = { burst: 40, perSecond: 20 };
/** A ramp step is saturated when it delivers less than this share of what it offers. */
const SATURATED = 0.9;
const RAMP_STEPS = 10;
/** Each ramp step offers this many times the previous one. */
const RAMP_FACTOR = 1.5;

/**
 * Players in rooms over WebSockets: the node + gateway against a bare uWS pub/sub relay of the
 * same traffic and against a peer framework (Colyseus 0.16, from bench/peers), compared by
 * deliveries per second of server CPU at the same offered load.
 *
 * Four kinds of child process: the server under test (bench/rooms/server.ts: a node with the game
 * kinds and the memory store, and its gateway, with GLASS_TOKEN_PUBLIC_KEY set by the bench, which
 * mints one access token per player), the baseline (bench/rooms/baseline.ts: bare uWS, each `join`
 * subscribes the socket to the room's topic, each `say` is published to it as a `said` frame of
 * the same shape), the peer (bench/rooms/peer-server.ts: a Colyseus server, one Colyseus room per
 * game room, `say` broadcast as `said` of the same shape; `--peer-transport` ws or uws), and
 * `clients` load generators (bench/rooms/load.ts: `ws` clients for ours and the baseline,
 * colyseus.js clients for the peer). Player i is in room i mod R; a room's players are all in one
 * load process, so a line's send and receive times come from one clock. Each load process connects
 * its players to every server at the start and keeps every set open; each slice, one set says.
 * Without bench/peers installed (or with `--peer none`) the run is two-sided and says why.
 *
 * A slice: every player says `rate / players` lines per second (evenly spread), with its send time
 * in the text; `warmup-ms` unmeasured, then `measure-ms` in which every `said` received is counted
 * and, for lines of other members, receive − send is recorded (HDR); then `drain-ms` for the last
 * lines, which count only towards the loss check (expected = Σ lines × room members). The server's
 * CPU time (process.cpuUsage of its process: main thread and worker threads) is read at the edges
 * of the window. The order of the sides is rotated and reversed every round (ours, baseline, peer,
 * then peer, baseline, ours: drift spreads evenly); figures pool the slices of a side.
 *
 * With `--max on`, ours is then ramped (offered rate ×1.5 per short step) until it delivers
 * less than 90 % of what is offered; the best delivered rate is the maximum, and every side runs
 * again at half of it for the latency goal.
 *
 * With `--capacity on`, every side's hub capacity is searched (bench/rooms/capacity.ts): the highest
 * offered rate it sustains (≥ 90 % delivered) with a hop p99 under 150 ms (the seed's hub budget)
 * and under 20 ms, from `--rate` up by ×1.5 per probe, then bisected; one probe of each side per
 * round. Goal: ours ≥ 1.5 × the peer's deliveries at 150 ms.
 */
export const rooms: Scenario = {
  name: 'rooms',
  summary: `players in rooms over WebSockets (node + gateway in its own process) vs a bare uWS pub/sub relay of the same traffic and vs a peer framework (Colyseus, from bench/peers): deliveries per server CPU-second, hop latency (goals: ratio >= ${GOAL_RATIO} of the relay's, >= ${GOAL_RATIO_VS_PEER} of the peer's with a p99 no worse; p99 < ${GOAL_P99_MS} ms at half the maximum rate, with --max on)`,
  options: {
    players: { kind: 'int', default: 400, min: 2, max: 20_000, description: 'WebSocket clients (players), each with its own character' },
    rooms: { kind: 'int', default: 40, min: 1, max: 10_000, description: 'rooms; player i is in room i mod rooms' },
    rate: { kind: 'int', default: 3_000, min: 1, max: 1_000_000, description: 'lines per second offered in all (each player says rate/players per second)' },
    clients: { kind: 'int', default: 2, min: 1, max: 16, description: 'load generator processes (whole rooms each)' },
    workers: { kind: 'int', default: 1, min: 1, max: 16, description: "worker threads of the server's node" },
    slices: { kind: 'int', default: 2, min: 1, max: 20, description: 'measured slices of each side, the order of the sides reversed every round' },
    'warmup-ms': { kind: 'int', default: 2_000, min: 0, max: 60_000, description: 'sending before each measured window' },
    'measure-ms': { kind: 'int', default: 6_000, min: 500, max: 600_000, description: 'measured window of each slice' },
    'drain-ms': { kind: 'int', default: 1_000, min: 100, max: 60_000, description: 'wait after sending stops, for the loss check' },
    text: { kind: 'int', default: 64, min: 24, max: 1_900, description: 'characters of each line' },
    max: { kind: 'choice', default: 'off', choices: ['off', 'on'], description: 'ramp ours to its maximum, then measure every side at half of it' },
    capacity: { kind: 'choice', default: 'off', choices: ['off', 'on'], description: `search every side's highest rate with hop p99 under ${CAPACITY_BUDGETS_MS.join(' and ')} ms (goal at 150 ms: ours >= ${GOAL_CAPACITY_VS_PEER} x the peer's)` },
    peer: { kind: 'choice', default: 'colyseus', choices: ['colyseus', 'none'], description: 'the peer framework run as a third side (none: ours and the baseline only)' },
    'peer-transport': { kind: 'choice', default: 'uws', choices: PEER_TRANSPORTS, description: "the peer's WebSocket transport: Colyseus's uWebSockets.js transport or its ws one" },
    tracing: TRACING_OPTION,
  },
  run: runRooms,
};

async function runRooms(options: OptionValues, progress: Progress): Promise<ScenarioResult> {
  const players = options.players as number;
  const roomCount = options.rooms as number;
  const rate = options.rate as number;
  const clientCount = options.clients as number;
  const timing = { warmupMs: options['warmup-ms'] as number, measureMs: options['measure-ms'] as number, drainMs: options['drain-ms'] as number };
  const findMax = options.max === 'on';
  const findCapacity = options.capacity === 'on';
  if (roomCount > players) throw new RangeError(`--rooms (${roomCount}) must not exceed --players (${players})`);
  if (clientCount > roomCount) throw new RangeError(`--clients (${clientCount}) must not exceed --rooms (${roomCount}): each load process holds whole rooms`);
  // The ramp may go past the gateway's per-character default: then the limit is raised for the
  // whole run (the bench measures throughput, not the limiter) and the figures say so.
  const topRate = Math.max(findMax ? rate * RAMP_FACTOR ** (RAMP_STEPS - 1) : rate, findCapacity ? rate * DEFAULT_CAPACITY.factor ** (DEFAULT_CAPACITY.maxRampProbes - 1) : rate);
  const topPerPlayer = topRate / players;
  const rateLimit = topPerPlayer <= 0.8 * GATEWAY_RATE.perSecond ? null : { burst: GATEWAY_RATE.burst, perSecond: Math.ceil(topPerPlayer * 1.5) };

  const peerInfo = resolvePeer(options);
  const peerTransport = peerInfo.name === null ? null : peerInfo.transport;

  const runStarted = performance.now();
  const pair = generateTokenKeyPair();
  // BENCH_NODE_ARGV (e.g. "--cpu-prof --cpu-prof-dir=/tmp/p") applies to the servers, not the load generators.
  // --tracing on: ours exports its spans; both: a second server of ours (`traced`) does, beside the untraced one.
  const tracing = options.tracing as 'off' | 'on' | 'both';
  const sink: OtlpSink | null = tracing === 'off' ? null : await startTracingSink();
  const tokenEnv = { GLASS_TOKEN_PUBLIC_KEY: publicKeyPem(pair.publicKey) };
  const server = new Child('server', './server.js', { env: tracing === 'on' ? { ...tokenEnv, ...tracingEnv(sink!) } : tokenEnv, measured: true });
  const tracedServer = tracing === 'both' ? new Child('server-traced', './server.js', { env: { ...tokenEnv, ...tracingEnv(sink!) }, measured: true }) : null;
  const baseline = new Child('baseline', './baseline.js', { measured: true });
  const peer = peerInfo.name === null ? null : new Child('peer', './peer-server.js', { measured: true });
  const loads = Array.from({ length: clientCount }, (_, i) => new Child(`load-${i}`, './load.js'));
  const all = [server, ...(tracedServer === null ? [] : [tracedServer]), baseline, ...(peer === null ? [] : [peer]), ...loads];
  try {
    progress.begin(`starting the server, the baseline${peer === null ? '' : `, the peer (${peerInfo.name} on ${peerTransport})`} and the load generators`, peer === null ? 4 : 5);
    const started = await server.request<{ port: number; workers: number }>('start', { workers: options.workers, ...(rateLimit === null ? {} : { rateLimit }) });
    progress.tick();
    const traced = tracedServer === null ? null : await tracedServer.request<{ port: number }>('start', { workers: options.workers, ...(rateLimit === null ? {} : { rateLimit }) });
    const base = await baseline.request<{ port: number }>('start');
    progress.tick();
    const peerStarted = peer === null ? null : await peer.request<{ port: number }>('start', { transport: peerTransport });
    if (peer !== null) progress.tick();

    const key = pair.privateKey;
    const members = new Array<number>(roomCount).fill(0);
    const byLoad: PlayerSpec[][] = loads.map(() => []);
    for (let i = 0; i < players; i++) {
      const r = i % roomCount;
      members[r]++;
      const token = await signAccessToken(key, { player: `p${i}`, character: `c${i}`, ttlMs: 2 * 3_600_000 });
      byLoad[r % clientCount].push({ player: `p${i}`, room: `room-${r}`, token });
    }
    progress.tick();
    const connectTimeout = 60_000;
    const connect = (side: SideName, url: string) =>
      Promise.all(
        loads.map((l, i) =>
          l.request('connect', { side, url, players: side === 'ours' || side === 'traced' ? byLoad[i] : byLoad[i].map(({ player, room }) => ({ player, room })), timeoutMs: connectTimeout }, connectTimeout + 5_000),
        ),
      );
    await connect('ours', `ws://127.0.0.1:${started.port}/ws`);
    if (traced !== null) await connect('traced', `ws://127.0.0.1:${traced.port}/ws`);
    await connect('baseline', `ws://127.0.0.1:${base.port}/ws`);
    // colyseus.js takes the server's base address: it matchmakes over HTTP there, then opens the room's socket.
    if (peerStarted !== null) await connect('peer', `ws://127.0.0.1:${peerStarted.port}`);
    progress.tick();
    const servers: Partial<Record<SideName, Child>> = { ours: server, ...(tracedServer === null ? {} : { traced: tracedServer }), baseline, ...(peer === null ? {} : { peer }) };
    const sides: SideName[] = ['ours', ...(tracedServer === null ? [] : (['traced'] as const)), 'baseline', ...(peer === null ? [] : (['peer'] as const))];
    const s: Setup = { players, rooms: roomCount, members, servers, sides, loads, textChars: options.text as number };
    const tags = { next: 1 };
    const pooled = (out: Record<SideName, Slice[]>) => ({ ours: pool(out.ours), baseline: pool(out.baseline), peer: peer === null ? null : pool(out.peer) });

    const offered = await alternate(s, rate, options.slices as number, timing, progress, `${rate} lines/s offered`, tags);

    let ramp: Ramp | null = null;
    if (findMax) {
      const stepTiming = { warmupMs: 1_000, measureMs: 3_000, drainMs: 500 };
      const steps: Slice[] = [];
      progress.begin(`ramp (ours): offered rate ×${RAMP_FACTOR} per step until saturated`, RAMP_STEPS);
      for (let i = 0, r = rate; i < RAMP_STEPS; i++, r = Math.round(r * RAMP_FACTOR)) {
        const step = await slice(s, 'ours', r, stepTiming, `R${tags.next++}`);
        steps.push(step);
        progress.tick(`${r} lines/s: ${step.deliveredPerSec} of ${step.offeredDeliveriesPerSec} deliveries/s`);
        if (step.deliveredPerSec < SATURATED * step.offeredDeliveriesPerSec) break;
      }
      const best = steps.reduce((a, b) => (b.deliveredPerSec > a.deliveredPerSec ? b : a));
      const perLine = best.offeredDeliveriesPerSec / best.rate;
      const halfRate = Math.max(1, Math.round(best.deliveredPerSec / 2 / perLine));
      const half = await alternate(s, halfRate, options.slices as number, timing, progress, `half of the maximum: ${halfRate} lines/s`, tags);
      ramp = { steps, maxDeliveredPerSec: best.deliveredPerSec, saturated: steps[steps.length - 1].deliveredPerSec < SATURATED * steps[steps.length - 1].offeredDeliveriesPerSec, halfRate, half: { ...pooled(half), slices: [...half.ours, ...half.baseline, ...half.peer] } };
    }

    const capacity: CapacityRun | null = findCapacity ? await runCapacity(s, rate, progress, tags) : null;

    const gatewayStats = await server.request<Record<string, unknown>>('stats');
    const figures = pooled(offered);
    const report = roomsReport({
      options,
      players,
      rooms: roomCount,
      members,
      rate,
      workers: started.workers,
      rateLimit: rateLimit ?? GATEWAY_RATE,
      rateLimitRaised: rateLimit !== null,
      ours: figures.ours,
      baseline: figures.baseline,
      peer: figures.peer,
      peerInfo,
      slices: [...offered.ours, ...offered.baseline, ...offered.peer],
      ramp,
      capacity,
      gatewayStats,
      goalRatio: GOAL_RATIO,
      goalRatioVsPeer: GOAL_RATIO_VS_PEER,
      goalP99Ms: GOAL_P99_MS,
      runMs: Math.round(performance.now() - runStarted),
    });
    return tracing === 'off' ? report : withTracing(report, tracing, offered.traced.length === 0 ? null : pool(offered.traced).deliveredPerCpuSec, figures.ours.deliveredPerCpuSec, sink!.spanCount);
  } finally {
    progress.begin('closing', 1);
    await Promise.allSettled(all.map((c) => c.close()));
    await sink?.close();
    progress.tick();
    progress.stop();
  }
}

/** Which peer runs (`--peer`, `--peer-transport`), or why none does: not asked for, or bench/peers not installed. */
function resolvePeer(options: OptionValues): PeerInfo {
  if (options.peer === 'none') return { name: null, reason: 'not asked for (--peer none)' };
  const availability = colyseusAvailability();
  if (!availability.installed) return { name: null, reason: availability.reason };
  return { name: 'colyseus', version: availability.version, transport: options['peer-transport'] as PeerTransport };
}

/** The report with the cost of tracing: traced vs untraced deliveries per CPU-second of the same run (both), or the spans seen (on). */
function withTracing(report: ScenarioResult, tracing: 'on' | 'both', tracedPerCpuSec: number | null, oursPerCpuSec: number, spans: number): ScenarioResult {
  if (tracing === 'on' || tracedPerCpuSec === null) {
    return { ...report, figures: { ...report.figures, tracing: { mode: 'on', sampleRatio: 0.1, spansReceived: spans } } };
  }
  const t = tracingFigures(oursPerCpuSec, tracedPerCpuSec, spans);
  return {
    ...report,
    figures: { ...report.figures, tracing: { mode: 'both', ...t } },
    goal: `${report.goal}; traced (10 % sampled) >= ${1 - TRACING_MAX_COST} x untraced deliveries per CPU-second`,
    goalMet: report.goalMet && t.goalMet,
    table: {
      head: report.table.head,
      rows: [...report.table.rows, report.table.head.map((_, i) => (i === 0 ? `tracing: traced/untraced deliveries per CPU-s = ${t.ratio} (${t.tracedPerCpuSec} / ${t.untracedPerCpuSec}), ${t.spansReceived} spans exported` : ''))],
    },
  };
}
