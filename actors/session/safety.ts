// The safety seam: a narration is checked against the Prohibited Capabilities registry before any
// player sees it (safety-registry.ts implements it from configuration).

export type SafetyVerdict = { ok: true } | { ok: false; category: string; pattern: string };

export interface SafetyCheck {
  /** The registry's version (a hash of its content): recorded with each verdict. */
  readonly version: string;
  check(text: string): SafetyVerdict;
}

export { SafetyErrors } from '../actor-errors.js';
