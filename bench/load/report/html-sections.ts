// The HTML report's parts about nodes and faults: fault markers for the time plots, CPU and RSS
// per node over time, and the fault table.
import { escapeXml, lineChart, type Series } from './svg-chart.js';
import { faultLabel } from './fault-table.js';
import type { LoadResult } from './result.js';

const COLORS = ['#1f77b4', '#d62728', '#2ca02c', '#9467bd', '#ff7f0e', '#8c564b', '#e377c2', '#17becf', '#bcbd22', '#7f7f7f'];

/** A dashed vertical line per fault carried out, at the time it happened. */
export function faultMarkers(r: LoadResult): { x: number; label: string }[] {
  return (r.faults ?? []).filter((f) => f.firedAtMs !== null).map((f) => ({ x: f.firedAtMs! / 1000, label: f.action }));
}

/** CPU per node over time, and RSS per node over time (nodes, Redis and the store of a local cluster). */
export function resourceCharts(r: LoadResult): string {
  const shown = (r.resources?.series ?? []).filter((s) => s.role === 'node' || s.role === 'redis' || s.role === 'store');
  if (shown.length === 0) return '';
  const loads = (r.resources?.series ?? []).filter((s) => s.role === 'load');
  const series = (value: 'cpuPct' | 'rssMb'): Series[] => {
    const out: Series[] = shown.map((s, i) => ({ name: s.name, color: COLORS[i % COLORS.length], points: s.samples.map((p) => [p.t, p[value]] as const) }));
    // The load processes together: whether the generators, not the nodes, were the limit.
    if (value === 'cpuPct' && loads.length > 0) {
      const times = loads[0].samples.map((p) => p.t);
      const sum = times.map((t, k) => [t, loads.reduce((a, s) => a + (s.samples[k]?.cpuPct ?? 0), 0)] as const);
      out.push({ name: 'load processes', color: '#7f7f7f', points: sum });
    }
    return out;
  };
  const markers = faultMarkers(r);
  return [
    lineChart({ title: 'CPU per node over time (% of one core)', xLabel: 'seconds from start', yLabel: '%', series: series('cpuPct'), markers }),
    lineChart({ title: 'Resident memory per node over time', xLabel: 'seconds from start', yLabel: 'MB', series: series('rssMb'), markers }),
  ].join('\n');
}

/** Per process: mean and max CPU, max RSS; then the faults. */
export function resourceAndFaultTables(r: LoadResult): string {
  const parts: string[] = [];
  const series = r.resources?.series ?? [];
  if (series.length > 0) {
    const cell = (v: number | null): string => (v === null ? '—' : v.toFixed(1));
    parts.push(
      '<h2>CPU and memory</h2>',
      '<table><tr><th>process</th><th>role</th><th>CPU mean %</th><th>CPU max %</th><th>RSS max MB</th></tr>',
      ...series.map((s) => `<tr><td>${escapeXml(s.name)}</td><td>${s.role}</td><td>${cell(s.summary.meanCpuPct)}</td><td>${cell(s.summary.maxCpuPct)}</td><td>${cell(s.summary.maxRssMb)}</td></tr>`),
      '</table>',
    );
  }
  const faults = r.faults ?? [];
  if (faults.length > 0) {
    parts.push(
      '<h2>Faults</h2>',
      '<p>Dip: the lowest bucket of heard lines/s after the fault, as a share of the mean before it. Recovery: from the fault to the first bucket from which heard lines/s stay at or above 90 % of that mean.</p>',
      '<table><tr><th>at (s)</th><th>fault</th><th>heard/s before</th><th>dip</th><th>recovery (s)</th><th>errors</th><th>reconnects</th></tr>',
      ...faults.map((f) => {
        const dip = f.dipPerSec === null ? '—' : `${f.dipPerSec.toFixed(0)}/s (${f.dipShare === null ? '—' : Math.round(f.dipShare * 100) + ' %'})`;
        const recovery = f.recovered ? (f.recoveryMs! / 1000).toFixed(2) : `not recovered: ${f.reason}`;
        const errors = Object.entries(f.errors).map(([c, n]) => `${c}: ${n}`).join(', ') || 'none';
        const at = f.firedAtMs === null ? '—' : (f.firedAtMs / 1000).toFixed(2);
        return `<tr><td>${at}</td><td>${escapeXml(faultLabel(f))}</td><td>${f.baselinePerSec === null ? '—' : f.baselinePerSec.toFixed(0)}</td><td>${dip}</td><td>${escapeXml(recovery)}</td><td>${escapeXml(errors)}</td><td>${f.reconnects}</td></tr>`;
      }),
      '</table>',
    );
  }
  return parts.join('\n');
}
