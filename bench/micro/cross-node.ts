import { Redis } from 'ioredis';
import { EnvelopeCodec, redisStreamKey } from '../../cluster/index.js';
import type { Envelope } from '../../runtime/index.js';
import type { RunTiming } from './actors/bench-actors.js';
import { ECHO_KIND, PINGER_KIND, PROBE_KIND, WAITER_KIND, type PingRun, type PingTiming } from './actors/cluster-actors.js';
import type { Progress } from '../support/progress.js';
import { formatNumber, median, renderTable, type ScenarioResult } from '../support/report.js';
import { alternate, ratioResult } from './rounds.js';
import type { OptionValues, Scenario } from '../support/scenario.js';
import { REDIS_URL, deleteRunKeys, runPrefix, startNodes, summarize, waitMembers, type NodeProcess } from './cluster-helpers.js';
import { ENTRY_ENVELOPES, fromPositional, namedRecord, positionalRecord, sampleEnvelopes, type EnvelopeSample } from './cross-node-baseline.js';

const GOAL_RATIO = 0.6;
const GOAL_P99_MS = 5;
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
 */
export const crossNode: Scenario = {
  name: 'cross-node',
  summary: `actor pings/pongs between two node processes over Redis Streams vs bare XADD/XREADGROUP/XACK of the same bytes; latency at an offered rate; msgpack vs JSON (goals: ratio >= ${GOAL_RATIO}, p99 < ${GOAL_P99_MS} ms)`,
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
  },
  run: runCrossNode,
};

/** One side's latency slices, pooled. */
interface Side {
  /** One-way latency of every ping (read from node B), every pong (at A), and round trips, µs. */
  pingUs: Float64Array[];
  pongUs: Float64Array[];
  roundTripUs: Float64Array[];
  /** Pings per second achieved in each slice (first ping to last pong). */
  achieved: number[];
}

function emptySide(): Side {
  return { pingUs: [], pongUs: [], roundTripUs: [], achieved: [] };
}

function addSlice(side: Side, timing: PingTiming, pingUs: Float64Array, total: number, name: string): void {
  if (pingUs.length !== total || timing.pongs !== total || timing.strays > 0) {
    throw new Error(`${name}: ${pingUs.length} pings and ${timing.pongs} pongs seen (${timing.strays} strays), ${total} sent`);
  }
  side.pingUs.push(pingUs);
  side.pongUs.push(timing.pongLatencyUs);
  side.roundTripUs.push(timing.roundTripUs);
  side.achieved.push(Math.round(timing.pings / (timing.elapsedMs / 1000)));
}

async function runCrossNode(options: OptionValues, progress: Progress): Promise<ScenarioResult> {
  const workers = options.workers as number;
  const messages = options.messages as number;
  const window = options.window as number;
  const rate = options.rate as number;
  const latencyMs = options['latency-ms'] as number;
  const prefix = runPrefix('xn');
  const ids = [`xn-a-${process.pid}`, `xn-b-${process.pid}`];
  let procs: NodeProcess[] = [];
  const runStarted = performance.now();
  try {
    progress.begin('starting two node processes', 3);
    procs = await startNodes(['node-a', 'node-b'], (_name, i) => ({ nodeId: ids[i], prefix, redisUrl: REDIS_URL, workers, store: null }));
    progress.tick();
    await waitMembers(procs, ids);
    progress.tick();
    const [a, b] = procs;
    const [pinger] = await a.request<string[]>('pick', { kind: PINGER_KIND, prefix: 'pinger-', count: 1, node: ids[0] });
    const [pingerAt] = await a.request<{ node: string; thread: number }[]>('locate', { kind: PINGER_KIND, ids: [pinger] });
    const [waiter] = await a.request<string[]>('pick', { kind: WAITER_KIND, prefix: 'waiter-', count: 1, node: ids[0], thread: pingerAt.thread });
    const targets = await a.request<string[]>('pick', { kind: ECHO_KIND, prefix: 'echo-', count: options.targets as number, node: ids[1] });
    const seenByB = await b.request<{ node: string }[]>('locate', { kind: ECHO_KIND, ids: targets });
    if (seenByB.some((l) => l.node !== ids[1])) throw new Error('nodes A and B do not agree on where the echo actors live');
    const probes: string[] = [];
    for (let t = 1; t <= workers; t++) probes.push(...(await b.request<string[]>('pick', { kind: PROBE_KIND, prefix: 'probe-', count: 1, node: ids[1], thread: t })));
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
    const ours = async (): Promise<RunTiming> => asRun(await a.request<PingTiming>('xn-ping', { pinger, waiter, run: closedLoop, timeoutMs: ROUND_TIMEOUT_MS }, ROUND_TIMEOUT_MS + 5_000));
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
    const wire = await wireBytes(prefix, ids);
    progress.tick();
    return report(options, outcome, latency, encoding, wire, { pinger, targets: targets.length, workers, runMs: Math.round(performance.now() - runStarted) });
  } finally {
    progress.begin('closing nodes, deleting the run’s Redis keys', 1);
    await Promise.allSettled(procs.map((p) => p.request('baseline-close', {}, 10_000)));
    await Promise.allSettled(procs.map((p) => p.close()));
    await deleteRunKeys(prefix).catch(() => undefined);
    progress.tick();
    progress.stop();
  }
}

// ---- encoding: msgpackr (EnvelopeCodec) vs JSON ---------------------------------------------

interface EncodingRow {
  sample: string;
  msgpackBytes: number;
  /** JSON.stringify of the same positional record as the codec's. */
  jsonBytes: number;
  /** JSON.stringify of an object with the fields by name. */
  jsonNamedBytes: number;
  /** Encode + decode per envelope, in entries of 32 (join/split included), median of 9 passes. */
  msgpackNs: number;
  jsonNs: number;
  jsonNamedNs: number;
}

type Codec = (chunk: readonly Envelope[]) => number;

function measureEncoding(samples: EnvelopeSample[], progress: Progress): { rows: EncodingRow[]; benchMix: EncodingRow } {
  const codec = new EnvelopeCodec();
  const msgpack: Codec = (chunk) => {
    let bytes = 0;
    const records = chunk.map((e) => {
      const r = codec.encode(e);
      bytes += r.length;
      return r;
    });
    return codec.decode(codec.join(records, bytes), 'bench', '0-0').length;
  };
  const json: Codec = (chunk) => (JSON.parse(Buffer.from(JSON.stringify(chunk.map(positionalRecord))).toString('utf8')) as unknown[][]).map(fromPositional).length;
  const jsonNamed: Codec = (chunk) =>
    (JSON.parse(Buffer.from(JSON.stringify(chunk.map(namedRecord))).toString('utf8')) as Record<string, unknown>[]).map((o) => fromPositional(Object.values(o))).length;
  const passes = 9;
  progress.begin('encoding: msgpackr vs JSON', samples.length * (passes + 1));
  const rows = samples.map((s) => {
    const avg = (f: (e: Envelope) => number): number => Math.round((s.envelopes.reduce((sum, e) => sum + f(e), 0) / s.envelopes.length) * 10) / 10;
    const chunks: Envelope[][] = [];
    for (let i = 0; i < s.envelopes.length; i += ENTRY_ENVELOPES) chunks.push(s.envelopes.slice(i, i + ENTRY_ENVELOPES));
    const time = (c: Codec): number => {
      const started = process.hrtime.bigint();
      let n = 0;
      for (const chunk of chunks) n += c(chunk);
      if (n !== s.envelopes.length) throw new Error('a codec lost envelopes');
      return Number(process.hrtime.bigint() - started) / n;
    };
    const t = { msgpack: [] as number[], json: [] as number[], jsonNamed: [] as number[] };
    for (let p = 0; p <= passes; p++) {
      const m = time(msgpack);
      const j = time(json);
      const jn = time(jsonNamed);
      if (p > 0) {
        t.msgpack.push(m);
        t.json.push(j);
        t.jsonNamed.push(jn);
      }
      progress.tick();
    }
    return {
      sample: s.name,
      msgpackBytes: avg((e) => codec.encode(e).length),
      jsonBytes: avg((e) => Buffer.byteLength(JSON.stringify(positionalRecord(e)))),
      jsonNamedBytes: avg((e) => Buffer.byteLength(JSON.stringify(namedRecord(e)))),
      msgpackNs: Math.round(median(t.msgpack)),
      jsonNs: Math.round(median(t.json)),
      jsonNamedNs: Math.round(median(t.jsonNamed)),
    };
  });
  // The bench's own traffic is one ping and one pong per round trip.
  const [ping, pong] = rows;
  const mean = (k: keyof Omit<EncodingRow, 'sample'>): number => Math.round(((ping[k] + pong[k]) / 2) * 10) / 10;
  const benchMix: EncodingRow = {
    sample: 'bench traffic (ping + pong)',
    msgpackBytes: mean('msgpackBytes'),
    jsonBytes: mean('jsonBytes'),
    jsonNamedBytes: mean('jsonNamedBytes'),
    msgpackNs: mean('msgpackNs'),
    jsonNs: mean('jsonNs'),
    jsonNamedNs: mean('jsonNamedNs'),
  };
  return { rows, benchMix };
}

// ---- what actually went over Redis --------------------------------------------------------------

interface WireBytes {
  entries: number;
  envelopes: number;
  /** Payload bytes (format byte included) per envelope, over the entries read. */
  bytesPerEnvelope: number | null;
  envelopesPerEntry: number | null;
}

/** Per direction: pings (the stream node B reads) and pongs (node A's), each side. */
interface Wire {
  ours: { pings: WireBytes; pongs: WireBytes };
  baseline: { pings: WireBytes; pongs: WireBytes };
}

/**
 * Sizes the last 2,000 stored entries of each stream. Per direction, since a ping and a pong
 * differ in size and a mix would depend on how entries happened to be batched. The latest
 * entries: the runtime may have trimmed its older ones, and ids and sequence numbers grow over a
 * run (a few bytes), so both sides are read at about the same point.
 */
async function wireBytes(prefix: string, ids: readonly string[]): Promise<Wire> {
  const redis = new Redis(REDIS_URL, { lazyConnect: true, maxRetriesPerRequest: 1 });
  redis.on('error', () => undefined);
  const codec = new EnvelopeCodec();
  const measure = async (stream: string): Promise<WireBytes> => {
    let entries = 0;
    let envelopes = 0;
    let bytes = 0;
    const list = (await redis.xrevrangeBuffer(stream, '+', '-', 'COUNT', 2_000)) as [Buffer, Buffer[]][];
    for (const [id, fields] of list) {
      for (let i = 0; i + 1 < fields.length; i += 2) {
        if (fields[i].toString() !== 'e') continue;
        entries++;
        bytes += fields[i + 1].length;
        envelopes += codec.decode(fields[i + 1], stream, id.toString()).length;
      }
    }
    return {
      entries,
      envelopes,
      bytesPerEnvelope: envelopes === 0 ? null : Math.round((bytes / envelopes) * 10) / 10,
      envelopesPerEntry: entries === 0 ? null : Math.round((envelopes / entries) * 10) / 10,
    };
  };
  try {
    await redis.connect();
    return {
      ours: { pings: await measure(redisStreamKey(prefix, ids[1])), pongs: await measure(redisStreamKey(prefix, ids[0])) },
      baseline: { pings: await measure(`${prefix}:baseline:b`), pongs: await measure(`${prefix}:baseline:a`) },
    };
  } finally {
    redis.disconnect();
  }
}

// ---- report ---------------------------------------------------------------------------------

function report(
  options: OptionValues,
  outcome: Awaited<ReturnType<typeof alternate>>,
  latency: { ours: Side; baseline: Side } | null,
  encoding: { rows: EncodingRow[]; benchMix: EncodingRow },
  wire: Wire,
  setup: { pinger: string; targets: number; workers: number; runMs: number },
): ScenarioResult {
  const base = ratioResult('cross-node', outcome, GOAL_RATIO, 'raw streams', {});
  const lat = latency === null ? null : summarizeLatency(latency);
  const ratioMet = base.goalMet;
  const p99Met = lat === null ? null : lat.ours.oneWay.p99Ms < GOAL_P99_MS;
  const r2 = (x: number): number => Math.round(x * 100) / 100;
  const mix = encoding.benchMix;
  const figures = {
    scenario: 'cross-node',
    msgsPerSec: base.figures.msgsPerSec,
    baselineMsgsPerSec: base.figures.baselineMsgsPerSec,
    ratio: base.figures.ratio,
    p50Ms: lat?.ours.oneWay.p50Ms ?? null,
    p99Ms: lat?.ours.oneWay.p99Ms ?? null,
    baselineP50Ms: lat?.baseline.oneWay.p50Ms ?? null,
    baselineP99Ms: lat?.baseline.oneWay.p99Ms ?? null,
    offeredPingsPerSec: lat === null ? null : (options.rate as number),
    offeredMsgsPerSec: lat === null ? null : 2 * (options.rate as number),
    encoding: {
      msgpackBytesPerEnvelope: mix.msgpackBytes,
      jsonBytesPerEnvelope: mix.jsonBytes,
      jsonNamedBytesPerEnvelope: mix.jsonNamedBytes,
      sizeVsJson: r2(mix.msgpackBytes / mix.jsonBytes),
      sizeVsJsonNamed: r2(mix.msgpackBytes / mix.jsonNamedBytes),
      msgpackEncodeDecodeNs: mix.msgpackNs,
      jsonEncodeDecodeNs: mix.jsonNs,
      jsonNamedEncodeDecodeNs: mix.jsonNamedNs,
      samples: encoding.rows,
    },
    wire,
    rounds: base.figures.rounds,
    messagesPerRound: base.figures.messagesPerRound,
    oursPerRound: base.figures.oursPerRound,
    baselinePerRound: base.figures.baselinePerRound,
    latency: lat,
    workersPerNode: setup.workers,
    echoActors: setup.targets,
    window: options.window,
    runMs: setup.runMs,
  };

  const yes = (met: boolean | null): string => (met === null ? 'skipped' : met ? 'yes' : 'NO');
  const rows: (string | number)[][] = [...base.table.rows.map((r) => [...r, ''])];
  rows.push(['throughput goal', '', '', `≥ ${GOAL_RATIO}`, yes(ratioMet)]);
  if (lat !== null) {
    const o = lat.ours;
    const g = lat.baseline;
    rows.push(
      [`one-way p50 / p99 ms at ${formatNumber(options.rate as number)} pings/s`, `${o.oneWay.p50Ms} / ${o.oneWay.p99Ms}`, `${g.oneWay.p50Ms} / ${g.oneWay.p99Ms}`, '', ''],
      ['  pings A → B p50 / p99 ms', `${o.ping.p50Ms} / ${o.ping.p99Ms}`, `${g.ping.p50Ms} / ${g.ping.p99Ms}`, '', ''],
      ['  pongs B → A p50 / p99 ms', `${o.pong.p50Ms} / ${o.pong.p99Ms}`, `${g.pong.p50Ms} / ${g.pong.p99Ms}`, '', ''],
      ['  round trip p50 / p99 ms', `${o.roundTrip.p50Ms} / ${o.roundTrip.p99Ms}`, `${g.roundTrip.p50Ms} / ${g.roundTrip.p99Ms}`, '', ''],
      ['  pings/s achieved', o.achievedPingsPerSec, g.achievedPingsPerSec, '', ''],
      ['latency goal (ours one-way p99)', '', '', `< ${GOAL_P99_MS} ms`, yes(p99Met)],
    );
  }
  const head = ['', 'ours', 'raw streams', 'ratio / goal', 'met?'];
  const encodingTable = renderTable(
    ['encoding (per envelope)', 'msgpack B', 'JSON B', 'JSON named B', 'msgpack ns', 'JSON ns', 'JSON named ns'],
    [...encoding.rows, mix].map((r) => [r.sample, r.msgpackBytes, r.jsonBytes, r.jsonNamedBytes, r.msgpackNs, r.jsonNs, r.jsonNamedNs]),
  );
  const plot = [
    `encoding: msgpackr is ${r2(mix.msgpackBytes / mix.jsonBytes)}× the size of JSON of the same record (${r2(mix.msgpackBytes / mix.jsonNamedBytes)}× JSON with field names); encode+decode in entries of ${ENTRY_ENVELOPES}`,
    encodingTable,
    '',
    `on the wire (last stored entries), bytes per envelope, pings / pongs: ours ${wire.ours.pings.bytesPerEnvelope ?? '—'} / ${wire.ours.pongs.bytesPerEnvelope ?? '—'}, baseline ${wire.baseline.pings.bytesPerEnvelope ?? '—'} / ${wire.baseline.pongs.bytesPerEnvelope ?? '—'}` +
      ` (envelopes per entry: ours ${wire.ours.pings.envelopesPerEntry ?? '—'} / ${wire.ours.pongs.envelopesPerEntry ?? '—'}, baseline ${wire.baseline.pings.envelopesPerEntry ?? '—'} / ${wire.baseline.pongs.envelopesPerEntry ?? '—'})`,
  ];
  if (lat !== null) plot.push('', latencyPlot(latency!));
  return {
    figures,
    goal: `ratio >= ${GOAL_RATIO}; one-way p99 < ${GOAL_P99_MS} ms at ${formatNumber(options.rate as number)} pings/s offered`,
    goalMet: ratioMet && p99Met !== false,
    table: { head, rows },
    bars: base.bars,
    unit: base.unit,
    series: base.series,
    plot: plot.join('\n'),
  };
}

function summarizeLatency(latency: { ours: Side; baseline: Side }) {
  const one = (s: Side) => ({
    oneWay: summarize(...s.pingUs, ...s.pongUs),
    ping: summarize(...s.pingUs),
    pong: summarize(...s.pongUs),
    roundTrip: summarize(...s.roundTripUs),
    achievedPingsPerSec: Math.round(median(s.achieved)),
    achievedPerSlice: s.achieved,
  });
  return { ours: one(latency.ours), baseline: one(latency.baseline) };
}

/** Share of one-way latencies per power-of-two bucket (ms), ours and baseline side by side. */
function latencyPlot(latency: { ours: Side; baseline: Side }): string {
  const values = (s: Side): number[] => [...s.pingUs, ...s.pongUs].flatMap((a) => [...a]);
  const o = values(latency.ours);
  const g = values(latency.baseline);
  let maxMs = 0;
  for (const v of o) maxMs = Math.max(maxMs, v / 1000);
  for (const v of g) maxMs = Math.max(maxMs, v / 1000);
  const bounds: number[] = [];
  for (let b = 0.125; ; b *= 2) {
    bounds.push(b);
    if (b >= maxMs) break;
  }
  const share = (vs: number[]): number[] => {
    const counts = bounds.map(() => 0);
    for (const v of vs) {
      const i = bounds.findIndex((b) => v / 1000 <= b);
      counts[i < 0 ? bounds.length - 1 : i]++;
    }
    return counts.map((c) => (vs.length === 0 ? 0 : c / vs.length));
  };
  const so = share(o);
  const sg = share(g);
  const width = 30;
  const bar = (x: number): string => '\u2588'.repeat(Math.round(x * width)).padEnd(width);
  const lines = ['one-way latency, pings and pongs (share per bucket)', `${'≤ ms'.padStart(8)}  ${'ours'.padEnd(width + 7)}  raw streams`];
  const first = Math.max(0, Math.min(...[so.findIndex((x) => x > 0), sg.findIndex((x) => x > 0)].filter((i) => i >= 0)));
  for (let i = first; i < bounds.length; i++) {
    lines.push(`${String(bounds[i]).padStart(8)}  ${bar(so[i])} ${(so[i] * 100).toFixed(1).padStart(5)}%  ${bar(sg[i])} ${(sg[i] * 100).toFixed(1).padStart(5)}%`);
  }
  return lines.join('\n');
}
