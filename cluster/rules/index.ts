// The rules room: the node's piscina pool that runs the check model (main thread), the RulesRunner
// each worker asks it with, and the safety registry's worker service. Workers load rules-client.ts
// and safety-service.ts by reference (cluster/worker-modules.ts), never this entry: it names the pool.
export { RULES_POOL, RULES_POOL_DEFAULTS, createRulesPoolService, type RulesPoolOptions } from './rules-pool.js';
export { RULES_CLIENT, RULES_CLIENT_DEFAULTS, createRulesClient, type RulesClientOptions } from './rules-client.js';
export { RULES_TASK, RULES_TASK_EXPORT, rulesTask } from './rules-task.js';
export { SAFETY_SERVICE, createSafetyService } from './safety-service.js';
