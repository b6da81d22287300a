// The self-contained HTML report of a `glass bench run`: the key figures and three inline SVG
// plots (hop latency over time, throughput over time, latency distribution). No script, no link.
import { formatNumber } from '../../support/report.js';
import { renderHopHtml } from './hop-table.js';
import { faultMarkers, resourceAndFaultTables, resourceCharts } from './html-sections.js';
import type { LoadResult } from './result.js';
import { escapeXml, lineChart } from './svg-chart.js';

/** The distribution's x axis: percentile p at -log10(1 - p/100), so that the tail gets room. */
const tailX = (p: number): number => -Math.log10(Math.max(1e-6, 1 - p / 100));

export function renderHtml(r: LoadResult): string {
  const markers = faultMarkers(r);
  const latency = lineChart({
    title: 'Hop latency over time (send → heard by another member)',
    xLabel: 'seconds from start',
    yLabel: 'ms',
    series: [
      { name: 'p50', color: '#1f77b4', points: r.timeline.map((b) => [b.t, b.p50] as const) },
      { name: 'p99', color: '#d62728', points: r.timeline.map((b) => [b.t, b.p99] as const) },
    ],
    markers,
  });
  const throughput = lineChart({
    title: 'Throughput over time',
    xLabel: 'seconds from start',
    yLabel: 'per second',
    series: [
      { name: 'lines sent', color: '#2ca02c', points: r.timeline.map((b) => [b.t, b.sentPerSec] as const) },
      { name: 'lines heard', color: '#9467bd', points: r.timeline.map((b) => [b.t, b.deliveredPerSec] as const) },
    ],
    markers,
  });
  const shown = r.distribution.filter((d) => d.percentile < 100);
  const distribution = lineChart({
    title: 'Hop latency distribution',
    xLabel: 'percentile',
    yLabel: 'ms',
    series: [{ name: 'latency', color: '#ff7f0e', points: shown.map((d) => [tailX(d.percentile), d.ms] as const) }],
    xTicks: [0, 90, 99, 99.9, 99.99, 99.999].map((p) => ({ x: tailX(p), label: String(p) })),
  });
  const l = r.latencyMs;
  const t = r.totals;
  const rows: [string, string][] = [
    ['target', `${r.target.url}${r.target.local ? ' (local node)' : ''}`],
    ['players / rooms / load processes', `${r.scenario.players} / ${r.scenario.rooms} / ${r.scenario.loadProcesses}`],
    ['lines per second per player', String(r.scenario.linesPerSecondPerPlayer)],
    ['duration (ramp-up)', `${r.scenario.durationMs} ms (${r.scenario.rampUpMs} ms)`],
    ['lines sent (per second)', `${t.sent} (${formatNumber(t.sentPerSec)})`],
    ['lines heard by other members (per second)', `${t.delivered} (${formatNumber(t.deliveredPerSec)})`],
    ['hop latency p50 / p90 / p99 / p99.9 / max', `${l.p50} / ${l.p90} / ${l.p99} / ${l.p999} / ${l.max} ms`],
    ['reconnects (lines replayed, resyncs)', `${t.reconnects} (${t.replayed}, ${t.resyncs})`],
    ['errors', t.errorCount === 0 ? 'none' : Object.entries(t.errors).map(([c, n]) => `${c}: ${n}`).join(', ')],
    ['refused as backpressure', Object.keys(t.backpressure ?? {}).length === 0 ? 'none' : Object.entries(t.backpressure ?? {}).map(([c, n]) => `${c}: ${n}`).join(', ')],
  ];
  if (r.localNode !== undefined) rows.push(['local node CPU / RSS', `${r.localNode.cpuPct.toFixed(1)} % / ${r.localNode.rssMb.toFixed(0)} MB`]);
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>glass bench: ${escapeXml(r.name)}</title>
<style>body{font-family:sans-serif;margin:2em;max-width:780px}table{border-collapse:collapse}td{padding:2px 12px 2px 0}td:first-child{color:#555}svg{display:block;margin:1.5em 0}</style>
</head><body>
<h1>glass bench: ${escapeXml(r.name)}</h1>
<p>${escapeXml(r.startedAt)} on ${r.machine.nproc} cores, Node ${escapeXml(r.machine.node)}</p>
<table>
${rows.map(([k, v]) => `<tr><td>${escapeXml(k)}</td><td>${escapeXml(v)}</td></tr>`).join('\n')}
</table>
${renderHopHtml(r)}
${latency}
${throughput}
${distribution}
${resourceCharts(r)}
${resourceAndFaultTables(r)}
</body></html>
`;
}
