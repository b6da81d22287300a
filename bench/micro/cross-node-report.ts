// The cross-node scenario's result: figures, goals, the table and the plots.
import { formatNumber, renderTable, type ScenarioResult } from '../support/report.js';
import type { OptionValues } from '../support/scenario.js';
import { ENTRY_ENVELOPES } from './cross-node-baseline.js';
import type { EncodingRow } from './cross-node-encoding.js';
import { latencyPlot, summarizeLatency, type Side } from './cross-node-latency.js';
import type { Wire } from './cross-node-wire.js';
import { ratioResult, type alternate } from './rounds.js';

export const GOAL_RATIO = 0.6;
export const GOAL_P99_MS = 5;

export function report(
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
