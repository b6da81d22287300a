import { mkdirSync, writeFileSync } from 'node:fs';
import { availableParallelism, release } from 'node:os';
import { fileURLToPath } from 'node:url';

/** One bar of the chart: a labelled value, drawn to scale against the largest. */
export interface Bar {
  readonly label: string;
  readonly value: number;
}

/** What a scenario hands back: its figures (the JSON) and what to draw for people. */
export interface ScenarioResult {
  /** The JSON object: `scenario` first, then the scenario's figures. */
  readonly figures: { readonly scenario: string } & Record<string, unknown>;
  readonly goal: string;
  readonly goalMet: boolean;
  readonly table: { readonly head: readonly string[]; readonly rows: readonly (readonly (string | number)[])[] };
  readonly bars: readonly Bar[];
  readonly unit: string;
  /** Per-round values of the runtime side, drawn as a sparkline. */
  readonly series?: readonly number[];
  /** Extra lines drawn after the chart (e.g. a distribution), already laid out. */
  readonly plot?: string;
}

export interface Machine {
  nproc: number;
  node: string;
  kernel: string;
  date: string;
}

/** Results land in bench/results/ of the source tree (git-ignored), not in dist/. */
const RESULTS_DIR = fileURLToPath(new URL('../../../bench/results/', import.meta.url));

export function machine(): Machine {
  return { nproc: availableParallelism(), node: process.version, kernel: release(), date: new Date().toISOString() };
}

/** The JSON of one run: the figures, whether the goal was met, and where it ran. */
export function resultJson(result: ScenarioResult, options: Record<string, unknown>): Record<string, unknown> {
  return { ...result.figures, goal: result.goal, goalMet: result.goalMet, options, machine: machine() };
}

/** Writes bench/results/<scenario>-<timestamp>.json; returns its path. */
export function writeResult(json: Record<string, unknown>): string {
  mkdirSync(RESULTS_DIR, { recursive: true });
  const stamp = new Date().toISOString().replace(/[:.]/g, '-');
  const path = `${RESULTS_DIR}${String(json.scenario)}-${stamp}.json`;
  writeFileSync(path, JSON.stringify(json, null, 2) + '\n');
  return path;
}

/** The human report: a table, a bar chart and (when there is a series) a sparkline. */
export function renderReport(result: ScenarioResult): string {
  const lines = [
    '',
    `${result.figures.scenario}: goal ${result.goal} — ${result.goalMet ? 'MET' : 'NOT MET'}`,
    '',
    renderTable(result.table.head, result.table.rows),
    '',
    renderBars(result.bars, result.unit),
  ];
  if (result.series !== undefined && result.series.length > 1) {
    lines.push('', `rounds (ours): ${sparkline(result.series)}  ${formatNumber(Math.min(...result.series))} … ${formatNumber(Math.max(...result.series))} ${result.unit}`);
  }
  if (result.plot !== undefined) lines.push('', result.plot);
  return lines.join('\n') + '\n';
}

export function renderTable(head: readonly string[], rows: readonly (readonly (string | number)[])[]): string {
  const cells = [head, ...rows].map((row) => row.map((c) => (typeof c === 'number' ? formatNumber(c) : c)));
  const widths = head.map((_, i) => Math.max(...cells.map((row) => (row[i] ?? '').length)));
  const line = (row: readonly string[]): string =>
    row.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ');
  const rule = widths.map((w) => '-'.repeat(w)).join('  ');
  return [line(cells[0]), rule, ...cells.slice(1).map(line)].join('\n');
}

/** Horizontal bars scaled to the largest value; `width` characters for the largest. */
export function renderBars(bars: readonly Bar[], unit: string, width = 50): string {
  const max = Math.max(...bars.map((b) => b.value), 0);
  const labelWidth = Math.max(...bars.map((b) => b.label.length));
  return bars
    .map((b) => {
      const n = max > 0 ? Math.round((b.value / max) * width) : 0;
      return `${b.label.padEnd(labelWidth)} ${'\u2588'.repeat(n)}${' '.repeat(width - n)} ${formatNumber(b.value)} ${unit}`;
    })
    .join('\n');
}

const SPARKS = '\u2581\u2582\u2583\u2584\u2585\u2586\u2587\u2588';

/** One character per value, from lowest to highest of the series. */
export function sparkline(values: readonly number[]): string {
  const min = Math.min(...values);
  const span = Math.max(...values) - min;
  return values.map((v) => SPARKS[span === 0 ? SPARKS.length - 1 : Math.round(((v - min) / span) * (SPARKS.length - 1))]).join('');
}

/** 12345678 → "12.35 M", 0.5123 → "0.512", 900 → "900". */
export function formatNumber(value: number): string {
  const abs = Math.abs(value);
  if (abs >= 1e9) return `${(value / 1e9).toFixed(2)} G`;
  if (abs >= 1e6) return `${(value / 1e6).toFixed(2)} M`;
  if (abs >= 1e4) return `${(value / 1e3).toFixed(1)} k`;
  if (Number.isInteger(value)) return String(value);
  return abs >= 100 ? value.toFixed(0) : abs >= 1 ? value.toFixed(2) : value.toFixed(3);
}

export function median(values: readonly number[]): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}
