// The `faults` of a run's JSON: each fault as planned and as carried out, with its dip, its
// recovery time, and the errors and reconnects of its window.
import type { CountsLog } from './counts-log.js';
import { faultImpacts, type FaultImpact, type ImpactBucket } from './fault-impact.js';
import type { FiredFault } from './fault-runner.js';
import type { LoadScenario } from '../scenario-file.js';

export interface FaultReport extends Omit<FaultImpact, 'atMs'> {
  action: string;
  /** As planned in the scenario (ms from the start). */
  atMs: number;
  node?: number;
  worker?: number;
  downMs?: number;
  /** When it really began and was done (ms from the start); null when it never ran. */
  firedAtMs: number | null;
  doneAtMs: number | null;
  ok: boolean;
  detail: string;
  error?: string;
  /** Over the window (fault → recovery), from the load processes' counts. */
  errors: Record<string, number>;
  reconnects: number;
}

export function buildFaultReports(fired: readonly FiredFault[], timeline: readonly ImpactBucket[], scenario: LoadScenario, counts: CountsLog): FaultReport[] {
  const carried = fired.filter((f) => f.ok && f.firedAtMs !== null).sort((a, b) => a.firedAtMs! - b.firedAtMs!);
  const impacts = faultImpacts({
    timeline,
    bucketMs: scenario.bucketMs,
    rampUpMs: scenario.rampUpMs,
    durationMs: scenario.durationMs,
    faultsAtMs: carried.map((f) => f.firedAtMs!),
  });
  return fired.map((f) => {
    const { action, atMs, ...where } = f.spec;
    const base = { action, atMs, ...where, firedAtMs: f.firedAtMs, doneAtMs: f.doneAtMs, ok: f.ok, detail: f.detail, ...(f.error === undefined ? {} : { error: f.error }) };
    const i = carried.indexOf(f);
    if (i < 0) {
      const at = f.firedAtMs ?? atMs;
      return { ...base, baselinePerSec: null, dipPerSec: null, dipAtS: null, dipShare: null, recovered: false, recoveryMs: null, reason: `the fault was not carried out (${f.error})`, window: { fromMs: at, toMs: at }, errors: {}, reconnects: 0 };
    }
    const { atMs: _fired, ...impact } = impacts[i];
    return { ...base, ...impact, ...counts.between(impact.window.fromMs, impact.window.toMs) };
  });
}
