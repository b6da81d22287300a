// `glass bench compare a.json b.json`: the key figures of two runs side by side, and b / a.
import { readFile } from 'node:fs/promises';
import { formatNumber, renderTable } from '../../support/report.js';
import { hopComparisonFigures } from './hop-table.js';
import { LoadResultSummary } from './result.js';

export async function readResultSummary(path: string): Promise<LoadResultSummary> {
  let raw: unknown;
  try {
    raw = JSON.parse(await readFile(path, 'utf8'));
  } catch (err) {
    throw new Error(`${path}: ${(err as Error).message}`);
  }
  const parsed = LoadResultSummary.safeParse(raw);
  if (!parsed.success) {
    const first = parsed.error.issues[0];
    throw new Error(`${path}: not a glass bench result (${first.path.map(String).join('.')}: ${first.message})`);
  }
  return parsed.data;
}

/** b / a to two decimals; "—" when a is 0 (nothing to divide by). */
export function ratio(a: number, b: number): string {
  if (a === 0) return b === 0 ? '—' : '∞';
  return (b / a).toFixed(2);
}

export function renderComparison(a: LoadResultSummary, b: LoadResultSummary, names: [string, string]): string {
  const errors = (r: LoadResultSummary): number => Object.values(r.totals.errors).reduce((s, n) => s + n, 0);
  const figures: [string, (r: LoadResultSummary) => number | undefined][] = [
    ['lines sent / s', (r) => r.totals.sentPerSec],
    ['lines heard / s', (r) => r.totals.deliveredPerSec],
    ['hop latency p50 (ms)', (r) => r.latencyMs.p50],
    ['hop latency p90 (ms)', (r) => r.latencyMs.p90],
    ['hop latency p99 (ms)', (r) => r.latencyMs.p99],
    ['hop latency p99.9 (ms)', (r) => r.latencyMs.p999],
    ['hop latency max (ms)', (r) => r.latencyMs.max],
    ['reconnects', (r) => r.totals.reconnects],
    ['errors', errors],
    // Absent from files written before backpressure was counted apart.
    ['refused as backpressure', (r) => (r.totals.backpressure === undefined ? undefined : Object.values(r.totals.backpressure as Record<string, number>).reduce((s, n) => s + n, 0))],
    // Per hop kind, from version 2 on: "—" where a file has none.
    ...hopComparisonFigures(a, b),
  ];
  const show = (v: number | undefined): string => (v === undefined ? '—' : formatNumber(v));
  const rows = figures.map(([label, get]) => {
    const [x, y] = [get(a), get(b)];
    return [label, show(x), show(y), x === undefined || y === undefined ? '—' : ratio(x, y)];
  });
  return `a: ${names[0]} (${a.name})\nb: ${names[1]} (${b.name})\n\n${renderTable(['figure', 'a', 'b', 'b / a'], rows)}\n`;
}
