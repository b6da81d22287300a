// The terminal table of a run's CPU and memory: one row per sampled process (nodes first).
import { renderTable } from '../../support/report.js';
import type { ResourceReport } from '../resources/resource-series.js';

const ORDER = { node: 0, redis: 1, store: 2, load: 3, harness: 4 } as const;
const cell = (v: number | null): string => (v === null ? '—' : v.toFixed(1));

export function renderResourceTable(r: ResourceReport): string {
  const rows = [...r.series]
    .sort((a, b) => ORDER[a.role] - ORDER[b.role])
    .map((s) => [s.name, s.role, s.source, cell(s.summary.meanCpuPct), cell(s.summary.maxCpuPct), cell(s.summary.maxRssMb)]);
  const note = r.missedSamples > 0 ? `\n(${r.missedSamples} samples could not be taken)` : '';
  return `CPU (% of one core, per ${r.intervalMs} ms) and memory, sampled during the run:\n${renderTable(['process', 'role', 'from', 'CPU mean %', 'CPU max %', 'RSS max MB'], rows)}${note}`;
}
