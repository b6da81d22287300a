// The terminal table of a run's faults: when, what, the dip, the recovery time, and the errors and
// reconnects of its window.
import { renderTable } from '../../support/report.js';
import type { FaultReport } from '../faults/fault-report.js';

/** kill-worker node 0 worker 1 / kill-node node 1 / restart-redis (down 500 ms). */
export function faultLabel(f: FaultReport): string {
  if (f.action === 'kill-worker') return `kill-worker node ${f.node} worker ${f.worker}`;
  if (f.action === 'kill-node') return `kill-node node ${f.node}`;
  return f.downMs ? `restart-redis (down ${f.downMs} ms)` : 'restart-redis';
}

const seconds = (ms: number | null): string => (ms === null ? '—' : (ms / 1000).toFixed(2));

export function renderFaultTable(faults: readonly FaultReport[]): string {
  const rows = faults.map((f) => [
    seconds(f.firedAtMs),
    faultLabel(f),
    f.baselinePerSec === null ? '—' : f.baselinePerSec.toFixed(0),
    f.dipPerSec === null ? '—' : `${f.dipPerSec.toFixed(0)} (${f.dipShare === null ? '—' : Math.round(f.dipShare * 100) + ' %'})`,
    f.recovered ? seconds(f.recoveryMs) : 'not recovered',
    Object.entries(f.errors).map(([code, n]) => `${code} ${n}`).join(', ') || '0',
    String(f.reconnects),
  ]);
  const notes = faults.flatMap((f) => (f.recovered ? [] : [`  ${faultLabel(f)}: ${f.reason}`]));
  return [
    'Faults (heard/s: the mean before the fault; dip: the lowest bucket after it; recovery: until heard/s stays >= 90 % of that mean):',
    renderTable(['at (s)', 'fault', 'heard/s before', 'dip heard/s', 'recovery (s)', 'errors in window', 'reconnects'], rows),
    ...notes,
  ].join('\n');
}
