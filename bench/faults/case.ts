// What one fault case is and what it reports: the suite runs each against real processes and
// prints one row per case.
import type { SuiteResources } from './support/resources.js';

export interface FaultRow {
  case: string;
  expected: string;
  observed: string;
  passed: boolean;
  /** Acknowledged messages (lines, asks answered) not found afterwards. */
  lost: number;
  /** Messages found more than once afterwards. */
  duplicated: number;
  /** From the fault to the first sign of service again (ms); null when the case has no recovery to time. */
  recoveryMs: number | null;
}

export interface CaseOutcome {
  observed: string;
  passed: boolean;
  lost?: number;
  duplicated?: number;
  recoveryMs?: number | null;
}

export interface CaseContext {
  /** The quick profile: small counts, the hostile player for ~3 s. */
  quick: boolean;
  /** What the case is doing now (drawn beside the progress bar). */
  note(detail: string): void;
  /** Processes and servers shared by cases (started on first use, closed by the suite). */
  resources: SuiteResources;
}

export interface FaultCase {
  name: string;
  expected: string;
  run(ctx: CaseContext): Promise<CaseOutcome>;
}

/** Collects the checks of a case: passed when every check held; observed lists what was seen. */
export class Checks {
  readonly #seen: string[] = [];
  readonly #failed: string[] = [];

  /** Records `what` (what was observed) and whether it is what was expected. */
  check(ok: boolean, what: string): boolean {
    if (ok) this.#seen.push(what);
    else this.#failed.push(what);
    return ok;
  }

  see(what: string): void {
    this.#seen.push(what);
  }

  outcome(extra: Omit<CaseOutcome, 'observed' | 'passed'> = {}): CaseOutcome {
    const lost = extra.lost ?? 0;
    const duplicated = extra.duplicated ?? 0;
    const failed = [...this.#failed];
    if (lost > 0) failed.push(`${lost} acknowledged lost`);
    if (duplicated > 0) failed.push(`${duplicated} duplicated`);
    const observed = failed.length > 0 ? `FAILED: ${failed.join('; ')}${this.#seen.length > 0 ? ` | ${this.#seen.join('; ')}` : ''}` : this.#seen.join('; ');
    return { observed, passed: failed.length === 0, lost, duplicated, recoveryMs: extra.recoveryMs ?? null };
  }
}
