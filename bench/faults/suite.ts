// `glass faults`: every fault and abuse case against real processes, one after the other, and the
// table (and, with --json, one JSON line) of what each expected and observed.
import { createProgress, silentProgress, type Progress } from '../support/progress.js';
import type { FaultCase, FaultRow } from './case.js';
import { ALL_CASES } from './cases/index.js';
import { renderTable, summarise, type SuiteSummary } from './report.js';
import { SuiteResources } from './support/resources.js';

export interface SuiteOptions {
  quick: boolean;
  /** Case names to run (default: all). */
  only?: readonly string[];
  progress?: boolean;
}

/** A case that neither ends nor fails within this is failed (its processes are closed with the suite's). */
const CASE_TIMEOUT_MS = { quick: 60_000, full: 240_000 };

export function caseNames(): string[] {
  return ALL_CASES.map((c) => c.name);
}

export async function runFaultSuite(options: SuiteOptions): Promise<SuiteSummary> {
  const cases: FaultCase[] = options.only === undefined || options.only.length === 0 ? ALL_CASES : ALL_CASES.filter((c) => options.only!.includes(c.name));
  const progress: Progress = options.progress === false ? silentProgress : createProgress('glass faults');
  const resources = new SuiteResources();
  const rows: FaultRow[] = [];
  const started = performance.now();
  progress.begin('cases', cases.length);
  try {
    for (const c of cases) {
      progress.update(rows.length, c.name);
      let timer: NodeJS.Timeout | undefined;
      const timeoutMs = options.quick ? CASE_TIMEOUT_MS.quick : CASE_TIMEOUT_MS.full;
      try {
        const outcome = await Promise.race([
          c.run({ quick: options.quick, resources, note: (d) => progress.update(rows.length, `${c.name}: ${d}`) }),
          new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`case did not end within ${timeoutMs} ms`)), timeoutMs))),
        ]);
        rows.push({ case: c.name, expected: c.expected, observed: outcome.observed, passed: outcome.passed, lost: outcome.lost ?? 0, duplicated: outcome.duplicated ?? 0, recoveryMs: outcome.recoveryMs ?? null });
      } catch (err) {
        // fetch's "fetch failed" says nothing without its cause (ECONNRESET, other side closed, …).
        const cause = err instanceof Error ? (err.cause as { code?: unknown; message?: unknown } | undefined) : undefined;
        const why = cause === undefined ? '' : ` (${String(cause.code ?? cause.message ?? cause)})`;
        const message = (err instanceof Error ? err.message.split('\n')[0] : String(err)) + why;
        rows.push({ case: c.name, expected: c.expected, observed: `FAILED: ${message}`, passed: false, lost: 0, duplicated: 0, recoveryMs: null });
      } finally {
        clearTimeout(timer);
      }
      progress.tick(c.name);
    }
  } finally {
    progress.update(rows.length, 'closing');
    await resources.close();
    progress.stop();
  }
  return summarise(rows, options.quick ? 'quick' : 'full', performance.now() - started);
}

export { renderTable };
