// The suite's report: a table for people (stdout) and, with --json, one JSON object as the last line.
import type { FaultRow } from './case.js';

export interface SuiteSummary {
  suite: 'faults';
  profile: 'quick' | 'full';
  cases: number;
  passed: number;
  failed: number;
  lost: number;
  duplicated: number;
  durationMs: number;
  rows: FaultRow[];
}

export function summarise(rows: FaultRow[], profile: 'quick' | 'full', durationMs: number): SuiteSummary {
  const passed = rows.filter((r) => r.passed).length;
  return {
    suite: 'faults',
    profile,
    cases: rows.length,
    passed,
    failed: rows.length - passed,
    lost: rows.reduce((a, r) => a + r.lost, 0),
    duplicated: rows.reduce((a, r) => a + r.duplicated, 0),
    durationMs: Math.round(durationMs),
    rows,
  };
}

const HEAD = ['case', 'result', 'expected', 'observed', 'lost', 'duplicated', 'recovery (ms)'];

/** A Markdown table (readable on a terminal, pasteable into docs/RELIABILITY.md). */
export function renderTable(s: SuiteSummary): string {
  const cell = (v: string): string => v.replace(/\|/g, '\\|').replace(/\n/g, ' ');
  const lines = [`| ${HEAD.join(' | ')} |`, `| ${HEAD.map(() => '---').join(' | ')} |`];
  for (const r of s.rows) {
    lines.push(`| ${[r.case, r.passed ? 'pass' : 'FAIL', r.expected, r.observed, String(r.lost), String(r.duplicated), r.recoveryMs === null ? '–' : String(r.recoveryMs)].map(cell).join(' | ')} |`);
  }
  lines.push('');
  lines.push(`${s.profile} profile: ${s.passed}/${s.cases} cases passed, ${s.failed} failed, ${s.lost} acknowledged lost, ${s.duplicated} duplicated, in ${(s.durationMs / 1000).toFixed(1)} s`);
  return lines.join('\n') + '\n';
}
