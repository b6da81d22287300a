import type { Histogram } from 'hdr-histogram-js';
import type { PeerTransport } from './colyseus-api.js';
import type { SideName } from './load.js';
import { formatNumber, renderBars, type ScenarioResult } from '../support/report.js';
import type { OptionValues } from '../support/scenario.js';
import { capacityFigures, capacityReport, type CapacityRun } from './capacity-run.js';

/** Server CPU by thread, % of one core. */
export interface ThreadSplit {
  mainPct: number;
  nextPct: number;
  restPct: number;
}

/** One measured slice of one side. */
export interface Slice {
  side: SideName;
  tag: string;
  /** Lines per second offered in all. */
  rate: number;
  offeredDeliveriesPerSec: number;
  sent: number;
  delivered: number;
  deliveredPerSec: number;
  serverCpuSec: number;
  serverWallSec: number;
  /** Server process CPU, % of one core. */
  serverCpuPct: number;
  serverThreads: ThreadSplit | null;
  /** All load generator processes together, % of one core. */
  loadCpuPct: number;
  /** The whole machine (other sessions included), % of all cores. */
  machineBusyPct: number | null;
  /** Deliveries expected (lines × room members) and not received by the end of the drain. */
  undelivered: number;
  strays: number;
  errors: Record<string, number>;
  maxSendLagMs: number;
  histogram: Histogram;
}

/** A side's slices pooled. */
export interface SideFigures {
  deliveredPerSec: number;
  serverCpuPct: number;
  deliveredPerCpuSec: number;
  p50Ms: number;
  p90Ms: number;
  p99Ms: number;
  p999Ms: number;
  maxMs: number;
  latencySamples: number;
  undelivered: number;
  serverThreads: ThreadSplit | null;
  histogram: Histogram;
}

export interface Ramp {
  steps: Slice[];
  maxDeliveredPerSec: number;
  /** False when the last step still delivered what it was offered (the maximum is a lower bound). */
  saturated: boolean;
  halfRate: number;
  half: { ours: SideFigures; baseline: SideFigures; peer: SideFigures | null; slices: Slice[] };
}

/** The peer framework that ran as the third side, or why none did. */
export type PeerInfo = { readonly name: 'colyseus'; readonly version: string; readonly transport: PeerTransport } | { readonly name: null; readonly reason: string };

export interface RoomsReportInput {
  options: OptionValues;
  players: number;
  rooms: number;
  members: number[];
  rate: number;
  workers: number;
  rateLimit: { burst: number; perSecond: number };
  rateLimitRaised: boolean;
  ours: SideFigures;
  baseline: SideFigures;
  /** Null when no peer ran (see peerInfo). */
  peer: SideFigures | null;
  peerInfo: PeerInfo;
  slices: Slice[];
  ramp: Ramp | null;
  /** The capacity search of every side (`--capacity on`). */
  capacity: CapacityRun | null;
  gatewayStats: Record<string, unknown>;
  goalRatio: number;
  /** Ours over the peer's deliveries per CPU-second, at least. */
  goalRatioVsPeer: number;
  goalP99Ms: number;
  runMs: number;
}

const r3 = (x: number): number => Math.round(x * 1000) / 1000;

function sideJson(f: SideFigures) {
  const { histogram: _h, ...rest } = f;
  return rest;
}

function sliceJson(s: Slice) {
  const { histogram, ...rest } = s;
  const ms = (p: number): number => Math.round(histogram.getValueAtPercentile(p) / 10) / 100;
  return { ...rest, serverCpuSec: r3(s.serverCpuSec), serverWallSec: r3(s.serverWallSec), p50Ms: ms(50), p99Ms: ms(99), latencySamples: histogram.totalCount };
}

const bySlice = (a: Slice, b: Slice): number => Number(a.tag.slice(1)) - Number(b.tag.slice(1));

export function roomsReport(i: RoomsReportInput): ScenarioResult {
  const ratio = r3(i.ours.deliveredPerCpuSec / i.baseline.deliveredPerCpuSec);
  const ratioMet = ratio >= i.goalRatio;
  const peer = i.peer;
  const peerName = i.peerInfo.name === null ? null : `${i.peerInfo.name} ${i.peerInfo.version} (${i.peerInfo.transport})`;
  const ratioVsPeer = peer === null ? null : r3(i.ours.deliveredPerCpuSec / peer.deliveredPerCpuSec);
  /** At least goalRatioVsPeer × the peer's deliveries per CPU-second, and a hop p99 no worse than its own. */
  const peerGoalMet = peer === null || ratioVsPeer === null ? null : ratioVsPeer >= i.goalRatioVsPeer && i.ours.p99Ms <= peer.p99Ms;
  const half = i.ramp?.half ?? null;
  const halfP99Met = half === null ? null : half.ours.p99Ms < i.goalP99Ms;
  const perPlayer = i.rate / i.players;
  const offeredDeliveriesPerSec = i.slices[0]?.offeredDeliveriesPerSec ?? 0;
  const figures = {
    scenario: 'rooms',
    players: i.players,
    rooms: i.rooms,
    deliveredPerSec: i.ours.deliveredPerSec,
    p50Ms: i.ours.p50Ms,
    p99Ms: i.ours.p99Ms,
    serverCpuPct: i.ours.serverCpuPct,
    deliveredPerCpuSec: i.ours.deliveredPerCpuSec,
    baselineDeliveredPerSec: i.baseline.deliveredPerSec,
    baselineDeliveredPerCpuSec: i.baseline.deliveredPerCpuSec,
    ratio,
    /** The same ratio under the name the capacity and cross-node figures use. */
    ratioVsRelay: ratio,
    baselineP50Ms: i.baseline.p50Ms,
    baselineP99Ms: i.baseline.p99Ms,
    baselineServerCpuPct: i.baseline.serverCpuPct,
    peer: i.peerInfo.name,
    peerVersion: i.peerInfo.name === null ? null : i.peerInfo.version,
    peerTransport: i.peerInfo.name === null ? null : i.peerInfo.transport,
    peerReason: i.peerInfo.name === null ? i.peerInfo.reason : null,
    peerDeliveredPerSec: peer?.deliveredPerSec ?? null,
    peerP50Ms: peer?.p50Ms ?? null,
    peerP99Ms: peer?.p99Ms ?? null,
    peerServerCpuPct: peer?.serverCpuPct ?? null,
    peerDeliveredPerCpuSec: peer?.deliveredPerCpuSec ?? null,
    ratioVsPeer,
    goalRatioVsPeer: i.goalRatioVsPeer,
    peerGoalMet,
    offeredLinesPerSec: i.rate,
    linesPerPlayerPerSec: r3(perPlayer),
    membersPerRoom: { min: Math.min(...i.members), max: Math.max(...i.members) },
    offeredDeliveriesPerSec,
    /** Whether each side delivered at least 95 % of the offered deliveries in its windows: the CPU comparison is at equal load only if both did. */
    keptUp: {
      ours: i.ours.deliveredPerSec >= 0.95 * offeredDeliveriesPerSec,
      baseline: i.baseline.deliveredPerSec >= 0.95 * offeredDeliveriesPerSec,
      peer: peer === null ? null : peer.deliveredPerSec >= 0.95 * offeredDeliveriesPerSec,
    },
    ours: sideJson(i.ours),
    baseline: sideJson(i.baseline),
    peerFigures: peer === null ? null : sideJson(peer),
    maxDeliveredPerSec: i.ramp?.maxDeliveredPerSec ?? null,
    maxSaturated: i.ramp?.saturated ?? null,
    halfMaxLinesPerSec: i.ramp?.halfRate ?? null,
    halfMaxP50Ms: half?.ours.p50Ms ?? null,
    halfMaxP99Ms: half?.ours.p99Ms ?? null,
    halfMaxBaselineP99Ms: half?.baseline.p99Ms ?? null,
    halfMaxPeerP99Ms: half?.peer?.p99Ms ?? null,
    halfMax: half === null ? null : { ours: sideJson(half.ours), baseline: sideJson(half.baseline), peer: half.peer === null ? null : sideJson(half.peer), slices: [...half.slices].sort(bySlice).map(sliceJson) },
    ramp: i.ramp === null ? null : i.ramp.steps.map(sliceJson),
    slices: [...i.slices].sort(bySlice).map(sliceJson),
    ...(i.capacity === null ? {} : capacityFigures(i.capacity)),
    serverWorkers: i.workers,
    rateLimit: i.rateLimit,
    rateLimitRaised: i.rateLimitRaised,
    gateway: i.gatewayStats,
    runMs: i.runMs,
  };

  const split = (t: ThreadSplit | null): string => (t === null ? '—' : `${t.mainPct.toFixed(0)}/${t.nextPct.toFixed(0)}/${t.restPct.toFixed(0)}`);
  const head = ['slice', 'side', 'lines/s', 'offered deliv/s', 'delivered/s', 'server CPU %', 'main/next/rest %', 'deliv per CPU-s', 'p50 ms', 'p99 ms', 'load CPU %', 'machine %', 'undelivered'];
  const row = (s: Slice, label: string): (string | number)[] => {
    const ms = (p: number): string => (s.histogram.getValueAtPercentile(p) / 1000).toFixed(2);
    return [label, s.side, s.rate, s.offeredDeliveriesPerSec, s.deliveredPerSec, s.serverCpuPct, split(s.serverThreads), Math.round(s.deliveredPerSec / (s.serverCpuSec / s.serverWallSec)), ms(50), ms(99), s.loadCpuPct, s.machineBusyPct ?? '—', s.undelivered];
  };
  const total = (label: string, side: SideName, f: SideFigures, rate: number): (string | number)[] => [label, side, rate, '', f.deliveredPerSec, f.serverCpuPct, split(f.serverThreads), f.deliveredPerCpuSec, f.p50Ms.toFixed(2), f.p99Ms.toFixed(2), '', '', f.undelivered];
  const rows: (string | number)[][] = [...i.slices].sort(bySlice).map((s) => row(s, s.tag));
  rows.push(total('pooled', 'ours', i.ours, i.rate), total('pooled', 'baseline', i.baseline, i.rate));
  if (peer !== null) rows.push(total('pooled', 'peer', peer, i.rate));
  rows.push(['ratio vs baseline (deliv per CPU-s)', '', '', '', '', '', '', ratio, '', '', '', '', `goal ≥ ${i.goalRatio}: ${ratioMet ? 'yes' : 'NO'}`]);
  if (peer !== null) {
    rows.push([`ratio vs peer (deliv per CPU-s)`, '', '', '', '', '', '', ratioVsPeer!, '', `${i.ours.p99Ms.toFixed(2)} vs ${peer.p99Ms.toFixed(2)}`, '', '', `goal ≥ ${i.goalRatioVsPeer}, p99 no worse: ${peerGoalMet ? 'yes' : 'NO'}`]);
  }
  if (i.ramp !== null) {
    for (const s of i.ramp.steps) rows.push(row(s, `ramp ${s.tag}`));
    rows.push([`maximum${i.ramp.saturated ? '' : ' (not saturated: lower bound)'}`, 'ours', '', '', i.ramp.maxDeliveredPerSec, '', '', '', '', '', '', '', '']);
    for (const s of [...i.ramp.half.slices].sort(bySlice)) rows.push(row(s, `half ${s.tag}`));
    rows.push(total('half, pooled', 'ours', i.ramp.half.ours, i.ramp.halfRate), total('half, pooled', 'baseline', i.ramp.half.baseline, i.ramp.halfRate));
    if (i.ramp.half.peer !== null) rows.push(total('half, pooled', 'peer', i.ramp.half.peer, i.ramp.halfRate));
    rows.push([`p99 at half max`, 'ours', '', '', '', '', '', '', '', i.ramp.half.ours.p99Ms.toFixed(2), '', '', `goal < ${i.goalP99Ms} ms: ${halfP99Met ? 'yes' : 'NO'}`]);
  }

  const capacity = i.capacity === null ? null : capacityReport(i.capacity, 40);
  if (capacity !== null) rows.push(...capacity.rows);

  const errors = i.slices.reduce<Record<string, number>>((acc, s) => {
    for (const [k, n] of Object.entries(s.errors)) acc[`${s.side} ${k}`] = (acc[`${s.side} ${k}`] ?? 0) + n;
    return acc;
  }, {});
  const plot = [
    `${i.players} players in ${i.rooms} rooms (${figures.membersPerRoom.min}–${figures.membersPerRoom.max} members), ${formatNumber(r3(perPlayer))} lines/s each` +
      ` = ${formatNumber(i.rate)} lines/s, ${formatNumber(offeredDeliveriesPerSec)} deliveries/s offered; server: 1 process, ${i.workers} worker thread(s) (CPU by thread: main/next busiest/rest, % of a core), rate limit ${i.rateLimit.perSecond}/s per character${i.rateLimitRaised ? ' (raised for this run)' : ' (gateway default)'}`,
    i.peerInfo.name === null
      ? `peer: none — ${i.peerInfo.reason}`
      : `peer: ${peerName}: a Colyseus server in its own process, one Colyseus room per game room, 'say' broadcast as 'said' to every member; players on colyseus.js`,
    '',
    latencyPlot(i.ours, i.baseline, peer, `hop latency (say → said at another member) at ${formatNumber(i.rate)} lines/s`),
  ];
  if (half !== null) plot.push('', latencyPlot(half.ours, half.baseline, half.peer, `hop latency at half of the maximum, ${formatNumber(i.ramp!.halfRate)} lines/s`));
  if (capacity !== null) plot.push('', capacity.plot);
  if (!figures.keptUp.ours || !figures.keptUp.baseline || figures.keptUp.peer === false) {
    const behind = [!figures.keptUp.ours && 'ours', !figures.keptUp.baseline && 'the baseline', figures.keptUp.peer === false && 'the peer'].filter(Boolean).join(' and ');
    plot.push('', `WARNING: ${behind} delivered less than 95 % of the offered load: the CPU comparison is not at equal load (machine overloaded? see machine %).`);
  }
  if (Object.keys(errors).length > 0) plot.push('', `error frames: ${JSON.stringify(errors)}`);

  const goal =
    `deliveries per server CPU-second >= ${i.goalRatio} × the bare uWS relay's` +
    (peer === null ? '' : ` and >= ${i.goalRatioVsPeer} × the peer's (${peerName}) with a hop p99 no worse than its`) +
    `; p99 hop < ${i.goalP99Ms} ms at half the maximum rate` +
    (half === null ? ' (not measured: --max on)' : '') +
    (i.capacity === null ? '' : `; capacity at hop p99 < 150 ms >= ${figures.goalCapacityVsPeer} × the peer's`);
  const bars = [
    { label: 'ours: deliveries per CPU-s', value: i.ours.deliveredPerCpuSec },
    { label: 'bare uWS: deliveries per CPU-s', value: i.baseline.deliveredPerCpuSec },
  ];
  if (peer !== null) bars.push({ label: `${i.peerInfo.name}: deliveries per CPU-s`, value: peer.deliveredPerCpuSec });
  return {
    figures,
    goal,
    goalMet: ratioMet && halfP99Met !== false && peerGoalMet !== false && figures.capacityGoalMet !== false,
    table: { head, rows },
    bars,
    unit: 'deliveries per server CPU-second',
    series: [...i.slices].sort(bySlice).filter((s) => s.side === 'ours').map((s) => Math.round(s.deliveredPerSec / (s.serverCpuSec / s.serverWallSec))),
    plot: plot.join('\n'),
  };
}

/** Percentiles of every side as bars on one scale. */
function latencyPlot(ours: SideFigures, baseline: SideFigures, peer: SideFigures | null, title: string): string {
  const bars = [];
  for (const [name, key] of [['p50', 'p50Ms'], ['p90', 'p90Ms'], ['p99', 'p99Ms'], ['p99.9', 'p999Ms'], ['max', 'maxMs']] as const) {
    bars.push({ label: `${name.padEnd(5)} ours`, value: ours[key] }, { label: `${name.padEnd(5)} uWS `, value: baseline[key] });
    if (peer !== null) bars.push({ label: `${name.padEnd(5)} peer`, value: peer[key] });
  }
  const samples = [ours, baseline, ...(peer === null ? [] : [peer])].map((f) => formatNumber(f.latencySamples)).join(' / ');
  return `${title}; ${samples} samples\n${renderBars(bars, 'ms', 40)}`;
}
