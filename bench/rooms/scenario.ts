import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import hdr from 'hdr-histogram-js';
import { signAccessToken } from '../../clients/index.js';
import { PEER_TRANSPORTS, type PeerTransport } from './colyseus-api.js';
import { Child, epochNow } from './ipc.js';
import type { PlayerSpec, RunArgs, RunResult, SideName } from './load.js';
import { colyseusAvailability } from './peer-packages.js';
import type { Progress } from '../support/progress.js';
import type { ScenarioResult } from '../support/report.js';
import type { OptionValues, Scenario } from '../support/scenario.js';
import { roomsReport, type PeerInfo, type Ramp, type SideFigures, type Slice, type ThreadSplit } from './report.js';

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
 * kinds and the memory store, and its gateway, with GLASS_TOKEN_SECRET set by the bench, which
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
    peer: { kind: 'choice', default: 'colyseus', choices: ['colyseus', 'none'], description: 'the peer framework run as a third side (none: ours and the baseline only)' },
    'peer-transport': { kind: 'choice', default: 'uws', choices: PEER_TRANSPORTS, description: "the peer's WebSocket transport: Colyseus's uWebSockets.js transport or its ws one" },
  },
  run: runRooms,
};

interface Setup {
  players: number;
  rooms: number;
  /** Members of each room. */
  members: number[];
  /** The server process of each side that runs. */
  servers: Partial<Record<SideName, Child>>;
  /** The sides that run, in the order of the first round. */
  sides: SideName[];
  loads: Child[];
  textChars: number;
}

/** CPU ticks of the whole machine (/proc/stat): busy and total; null where there is no /proc. */
function machineTicks(): { busy: number; total: number } | null {
  try {
    const cpu = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1).map(Number);
    const total = cpu.reduce((a, b) => a + b, 0);
    const idle = cpu[3] + (cpu[4] ?? 0);
    return { busy: total - idle, total };
  } catch {
    return null;
  }
}

const sleepUntil = (epochMs: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, Math.max(0, epochMs - epochNow())));

/** One slice of one side at `rate` lines/s in all. */
async function slice(s: Setup, side: SideName, rate: number, timing: { warmupMs: number; measureMs: number; drainMs: number }, tag: string): Promise<Slice> {
  const server = s.servers[side]!;
  const startAt = epochNow() + 300;
  const args: RunArgs = { side, tag, perClientPerSec: rate / s.players, startAt, ...timing, textChars: s.textChars };
  const timeout = timing.warmupMs + timing.measureMs + timing.drainMs + 60_000;
  const runs = Promise.all(s.loads.map((l) => l.request<RunResult>('run', args, timeout)));
  runs.catch(() => undefined);
  await sleepUntil(startAt + timing.warmupMs);
  const [c0, m0] = [await server.cpu(), machineTicks()];
  await sleepUntil(startAt + timing.warmupMs + timing.measureMs);
  const [c1, m1] = [await server.cpu(), machineTicks()];
  const results = await runs;
  const histogram = hdr.build({ lowestDiscernibleValue: 1, highestTrackableValue: 600_000_000, numberOfSignificantValueDigits: 3 });
  const errors: Record<string, number> = {};
  let loadCpuPct = 0;
  for (const r of results) {
    const h = hdr.decodeFromCompressedBase64(r.histogram);
    histogram.add(h);
    h.destroy();
    for (const [code, n] of Object.entries(r.errors)) errors[code] = (errors[code] ?? 0) + n;
    loadCpuPct += r.windowMs > 0 ? (r.cpuUs / 1000 / r.windowMs) * 100 : 0;
  }
  const sum = (k: 'sent' | 'delivered' | 'deliveredAll' | 'expected' | 'strays'): number => results.reduce((a, r) => a + r[k], 0);
  const measureSec = timing.measureMs / 1000;
  const cpuSec = (c1.cpuUs - c0.cpuUs) / 1e6;
  const wallSec = (c1.at - c0.at) / 1000;
  const threads = threadSplit(c0.threads, c1.threads, server.pid, wallSec);
  const offeredDeliveries = (rate / s.players) * s.members.reduce((a, m) => a + m * m, 0);
  return {
    side,
    tag,
    rate,
    offeredDeliveriesPerSec: Math.round(offeredDeliveries),
    sent: sum('sent'),
    delivered: sum('delivered'),
    deliveredPerSec: Math.round(sum('delivered') / measureSec),
    serverCpuSec: cpuSec,
    serverWallSec: wallSec,
    serverCpuPct: Math.round((cpuSec / wallSec) * 1000) / 10,
    serverThreads: threads,
    loadCpuPct: Math.round(loadCpuPct * 10) / 10,
    machineBusyPct: m0 === null || m1 === null ? null : Math.round(((m1.busy - m0.busy) / (m1.total - m0.total)) * 1000) / 10,
    undelivered: sum('expected') - sum('deliveredAll'),
    strays: sum('strays'),
    errors,
    maxSendLagMs: Math.max(...results.map((r) => r.maxSendLagMs)),
    histogram,
  };
}

/**
 * The server's CPU by thread over the window, % of one core: its main thread (uWS, the gateway,
 * the node's router), the busiest other thread (for ours, the worker thread hosting the rooms when
 * there is one), and all the rest (V8's GC and compiler helpers, libuv). From /proc; null without it.
 */
function threadSplit(t0: Record<number, number>, t1: Record<number, number>, pid: number, wallSec: number): ThreadSplit | null {
  if (Object.keys(t1).length === 0) return null;
  const pct = (ms: number): number => Math.round(ms / wallSec / 10 * 10) / 10;
  const main = (t1[pid] ?? 0) - (t0[pid] ?? 0);
  const others = Object.keys(t1)
    .map(Number)
    .filter((tid) => tid !== pid)
    .map((tid) => t1[tid] - (t0[tid] ?? 0))
    .sort((a, b) => b - a);
  const next = others[0] ?? 0;
  const rest = others.slice(1).reduce((a, b) => a + b, 0);
  return { mainPct: pct(main), nextPct: pct(next), restPct: pct(rest) };
}

/** Pools slices of one side: deliveries over the summed windows, CPU over the summed CPU time. */
function pool(slices: Slice[]): SideFigures {
  const h = hdr.build({ lowestDiscernibleValue: 1, highestTrackableValue: 600_000_000, numberOfSignificantValueDigits: 3 });
  for (const s of slices) h.add(s.histogram);
  const deliveredPerSec = slices.reduce((a, s) => a + s.deliveredPerSec, 0) / slices.length;
  const cpuShare = slices.reduce((a, s) => a + s.serverCpuSec, 0) / slices.reduce((a, s) => a + s.serverWallSec, 0);
  const ms = (p: number): number => Math.round(h.getValueAtPercentile(p) / 10) / 100;
  const figures: SideFigures = {
    deliveredPerSec: Math.round(deliveredPerSec),
    serverCpuPct: Math.round(cpuShare * 1000) / 10,
    deliveredPerCpuSec: Math.round(deliveredPerSec / cpuShare),
    p50Ms: ms(50),
    p90Ms: ms(90),
    p99Ms: ms(99),
    p999Ms: ms(99.9),
    maxMs: Math.round(h.maxValue / 10) / 100,
    latencySamples: h.totalCount,
    undelivered: slices.reduce((a, s) => a + s.undelivered, 0),
    serverThreads: slices.every((s) => s.serverThreads !== null) ? averageSplit(slices.map((s) => s.serverThreads!)) : null,
    histogram: h,
  };
  return figures;
}

function averageSplit(list: ThreadSplit[]): ThreadSplit {
  const avg = (k: keyof ThreadSplit): number => Math.round((list.reduce((a, t) => a + t[k], 0) / list.length) * 10) / 10;
  return { mainPct: avg('mainPct'), nextPct: avg('nextPct'), restPct: avg('restPct') };
}

/** `count` rounds of one slice per side, the order reversed every round (ABC CBA …; ABBA with two sides). */
async function alternate(s: Setup, rate: number, count: number, timing: { warmupMs: number; measureMs: number; drainMs: number }, progress: Progress, label: string, tags: { next: number }) {
  const out: Record<SideName, Slice[]> = { ours: [], baseline: [], peer: [] };
  progress.begin(label, s.sides.length * count);
  for (let i = 0; i < count; i++) {
    const order = i % 2 === 0 ? s.sides : [...s.sides].reverse();
    for (const side of order) {
      const sl = await slice(s, side, rate, timing, `R${tags.next++}`);
      out[side].push(sl);
      progress.tick(`${side} ${sl.deliveredPerSec} deliveries/s, ${sl.serverCpuPct} % CPU`);
    }
  }
  return out;
}

async function runRooms(options: OptionValues, progress: Progress): Promise<ScenarioResult> {
  const players = options.players as number;
  const roomCount = options.rooms as number;
  const rate = options.rate as number;
  const clientCount = options.clients as number;
  const timing = { warmupMs: options['warmup-ms'] as number, measureMs: options['measure-ms'] as number, drainMs: options['drain-ms'] as number };
  const findMax = options.max === 'on';
  if (roomCount > players) throw new RangeError(`--rooms (${roomCount}) must not exceed --players (${players})`);
  if (clientCount > roomCount) throw new RangeError(`--clients (${clientCount}) must not exceed --rooms (${roomCount}): each load process holds whole rooms`);
  // The ramp may go past the gateway's per-character default: then the limit is raised for the
  // whole run (the bench measures throughput, not the limiter) and the figures say so.
  const topPerPlayer = (findMax ? rate * RAMP_FACTOR ** (RAMP_STEPS - 1) : rate) / players;
  const rateLimit = topPerPlayer <= 0.8 * GATEWAY_RATE.perSecond ? null : { burst: GATEWAY_RATE.burst, perSecond: Math.ceil(topPerPlayer * 1.5) };

  const peerInfo = resolvePeer(options);
  const peerTransport = peerInfo.name === null ? null : peerInfo.transport;

  const runStarted = performance.now();
  const secret = randomBytes(32).toString('base64url');
  // BENCH_NODE_ARGV (e.g. "--cpu-prof --cpu-prof-dir=/tmp/p") applies to the servers, not the load generators.
  const server = new Child('server', './server.js', { env: { GLASS_TOKEN_SECRET: secret }, measured: true });
  const baseline = new Child('baseline', './baseline.js', { measured: true });
  const peer = peerInfo.name === null ? null : new Child('peer', './peer-server.js', { measured: true });
  const loads = Array.from({ length: clientCount }, (_, i) => new Child(`load-${i}`, './load.js'));
  const all = [server, baseline, ...(peer === null ? [] : [peer]), ...loads];
  try {
    progress.begin(`starting the server, the baseline${peer === null ? '' : `, the peer (${peerInfo.name} on ${peerTransport})`} and the load generators`, peer === null ? 4 : 5);
    const started = await server.request<{ port: number; workers: number }>('start', { workers: options.workers, ...(rateLimit === null ? {} : { rateLimit }) });
    progress.tick();
    const base = await baseline.request<{ port: number }>('start');
    progress.tick();
    const peerStarted = peer === null ? null : await peer.request<{ port: number }>('start', { transport: peerTransport });
    if (peer !== null) progress.tick();

    const key = new TextEncoder().encode(secret);
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
          l.request('connect', { side, url, players: side === 'ours' ? byLoad[i] : byLoad[i].map(({ player, room }) => ({ player, room })), timeoutMs: connectTimeout }, connectTimeout + 5_000),
        ),
      );
    await connect('ours', `ws://127.0.0.1:${started.port}/ws`);
    await connect('baseline', `ws://127.0.0.1:${base.port}/ws`);
    // colyseus.js takes the server's base address: it matchmakes over HTTP there, then opens the room's socket.
    if (peerStarted !== null) await connect('peer', `ws://127.0.0.1:${peerStarted.port}`);
    progress.tick();
    const servers: Partial<Record<SideName, Child>> = { ours: server, baseline, ...(peer === null ? {} : { peer }) };
    const sides: SideName[] = peer === null ? ['ours', 'baseline'] : ['ours', 'baseline', 'peer'];
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

    const gatewayStats = await server.request<Record<string, unknown>>('stats');
    const figures = pooled(offered);
    return roomsReport({
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
      gatewayStats,
      goalRatio: GOAL_RATIO,
      goalRatioVsPeer: GOAL_RATIO_VS_PEER,
      goalP99Ms: GOAL_P99_MS,
      runMs: Math.round(performance.now() - runStarted),
    });
  } finally {
    progress.begin('closing', 1);
    await Promise.allSettled(all.map((c) => c.close()));
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
