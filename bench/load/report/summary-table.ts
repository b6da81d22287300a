// The terminal table printed at the end of a `glass bench run`.
import { formatNumber, renderTable } from '../../support/report.js';
import { renderHopSummary } from './hop-table.js';
import { renderFaultTable } from './fault-table.js';
import { renderResourceTable } from './resource-table.js';
import type { LoadResult } from './result.js';

export function renderSummary(r: LoadResult, files: { json: string; html: string }): string {
  const l = r.latencyMs;
  const t = r.totals;
  const rows: (string | number)[][] = [
    ['lines sent', t.sent],
    ['lines sent / s', t.sentPerSec],
    ['lines heard by others', t.delivered],
    ['lines heard / s', t.deliveredPerSec],
    ['hop latency p50 (ms)', l.p50],
    ['hop latency p90 (ms)', l.p90],
    ['hop latency p99 (ms)', l.p99],
    ['hop latency p99.9 (ms)', l.p999],
    ['hop latency max (ms)', l.max],
    ['reconnects', t.reconnects],
    ['lines replayed on resume', t.replayed],
    ['resyncs', t.resyncs],
    ['errors', t.errorCount],
    ...Object.entries(t.errors).map(([code, n]) => [`  ${code}`, n]),
    ['refused as backpressure (not errors)', Object.values(t.backpressure ?? {}).reduce((a, n) => a + n, 0)],
    ...Object.entries(t.backpressure ?? {}).map(([code, n]) => [`  ${code}`, n]),
    ['max send lag (ms)', t.maxSendLagMs],
  ];
  if (r.localNode !== undefined) rows.push(['local node CPU (%)', r.localNode.cpuPct], ['local node RSS (MB)', r.localNode.rssMb]);
  return [
    '',
    `${r.name}: ${r.scenario.players} players in ${r.scenario.rooms} rooms, ${r.scenario.linesPerSecondPerPlayer} lines/s each, ${formatNumber(r.scenario.durationMs / 1000)} s against ${r.target.url}`,
    '',
    renderTable(['figure', 'value'], rows),
    // Per hop kind and moderation (bench/load/report/hop-table.ts).
    renderHopSummary(r),
    '',
    // Resources and faults, when the run has them.
    ...(r.resources === undefined || r.resources.series.length === 0 ? [] : [renderResourceTable(r.resources), '']),
    ...(r.faults === undefined || r.faults.length === 0 ? [] : [renderFaultTable(r.faults), '']),
    `json: ${files.json}`,
    `html: ${files.html}`,
    '',
  ].join('\n');
}
