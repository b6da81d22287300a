import type { RestartRecord } from '../runtime/index.js';

/** Erlang's restart intensity: at most maxRestarts restarts within any withinMs. */
export interface RestartIntensity {
  readonly maxRestarts: number;
  readonly withinMs: number;
}

/**
 * Whether one more restart at `at` stays within the intensity; if so it is counted in the record.
 * The window slides (restarts older than withinMs leave it) rather than resetting at fixed
 * periods, so a burst that straddles a period boundary is still seen as one burst.
 */
export function admitRestart(record: RestartRecord, intensity: RestartIntensity, at: number): boolean {
  const windowStart = at - intensity.withinMs;
  while (record.restarts.length > 0 && record.restarts[0] <= windowStart) record.restarts.shift();
  if (record.restarts.length >= intensity.maxRestarts) return false;
  record.restarts.push(at);
  record.total++;
  return true;
}
