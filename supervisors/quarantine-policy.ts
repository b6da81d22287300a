import type { FailureReport, SupervisionSpec } from '../runtime/index.js';

/**
 * Whether the failing message is poison: it has now failed its actor poisonAfter times in a row.
 * It is then quarantined (kept with its context, for a look and a re-drive once the bug is fixed)
 * instead of being retried after yet another restart, whatever the directive: a crash loop on one
 * message would otherwise hold up every message queued behind it.
 */
export function isPoison(spec: SupervisionSpec, failure: FailureReport): boolean {
  return failure.attempt >= spec.poisonAfter;
}
