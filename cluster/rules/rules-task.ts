// The task a thread of the node's rules pool runs: the check model, nothing else. piscina loads
// this file in each pool thread and calls the export named RULES_TASK_EXPORT (the house has no
// default exports; piscina's `name` option picks a named one). Worker-safe.
import { runChecks } from '../../actors/index.js';
import type { CheckResult } from '../../actors/index.js';

/** This file's URL: the pool's default `filename`. */
export const RULES_TASK = import.meta.url;
export const RULES_TASK_EXPORT = 'rulesTask';

/** The checks of one request (already validated by the pool; runChecks checks it again). */
export function rulesTask(request: unknown): CheckResult[] {
  return runChecks(request as Parameters<typeof runChecks>[0]);
}
