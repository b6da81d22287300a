// The measured unit of the rooms scenario: one slice of one side at an offered rate (deliveries,
// latency, server CPU by thread, loss), and rounds of slices with the order of the sides reversed
// every round.
import { readFileSync } from 'node:fs';
import hdr from 'hdr-histogram-js';
import { epochNow, type Child } from './ipc.js';
import type { RunArgs, RunResult, SideName } from './load.js';
import type { Slice, ThreadSplit } from './report.js';
import type { Progress } from '../support/progress.js';

/** The timing of one slice: unmeasured warm-up, measured window, drain for the loss check. */
export interface SliceTiming {
  warmupMs: number;
  measureMs: number;
  drainMs: number;
}

export interface Setup {
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
export async function slice(s: Setup, side: SideName, rate: number, timing: SliceTiming, tag: string): Promise<Slice> {
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

/** `count` rounds of one slice per side, the order reversed every round (ABC CBA …; ABBA with two sides). */
export async function alternate(s: Setup, rate: number, count: number, timing: SliceTiming, progress: Progress, label: string, tags: { next: number }) {
  const out: Record<SideName, Slice[]> = { ours: [], traced: [], baseline: [], peer: [] };
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
