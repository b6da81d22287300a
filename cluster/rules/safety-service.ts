// The `safety` service: every worker builds the Prohibited Capabilities registry from the node's
// options (the registry object; absent: the documented default) and actors check narrations with
// `ctx.service<SafetyCheck>('safety').check(text)`. No main-thread part. Worker-safe.
import type { WorkerServiceInit } from '../../runtime/index.js';
import { defaultSafetyRegistry, loadSafetyRegistry } from '../../actors/index.js';
import type { SafetyCheck } from '../../actors/index.js';

export const SAFETY_SERVICE = { module: import.meta.url, export: 'createSafetyService' } as const;

/** Throws InvalidOptionError (GLASS_ERR_INVALID_OPTION) naming the field of a bad registry. */
export function createSafetyService(init: WorkerServiceInit): SafetyCheck {
  return init.options === undefined || init.options === null ? defaultSafetyRegistry() : loadSafetyRegistry(init.options as object | string);
}
