// The public entry of the cluster layer: the implementations of runtime's seams (couch/, streams/,
// membership/, placement/), the ops presence (ops/) and the composition of a node (compose/).
// Other layers import from here only; the rooms import each other through their own entries.
export { COUCH_STATE_STORE_MODULE, GAME_ACTORS, HASHRING_PLACEMENT, MEMORY_STORE, WORKER_SUPERVISOR } from './worker-modules.js';
export { DEFAULT_REDIS_URL } from './redis-connection.js';
export * from './archive/index.js';
export * from './budgets/index.js';
export * from './cluster-key.js';
export * from './checkpoints/index.js';
export * from './compose/index.js';
export * from './couch/index.js';
export * from './membership/index.js';
export * from './narrators/index.js';
export * from './ops/index.js';
export * from './placement/index.js';
export * from './postgres/index.js';
export * from './rules/index.js';
export * from './scene-cache/index.js';
export * from './search/index.js';
export * from './turns/index.js';
export * from './streams/index.js';
export * from './telemetry/index.js';
export * from './workflows/index.js';
