// The one registry of what worker threads load by reference. A worker receives data, not functions,
// so each part it builds itself is named by module URL and export; every such module names itself
// (its own import.meta.url beside the factory), and the imports below are real, so the graph shows them.
export { GAME_ACTORS } from '../actors/index.js';
export { WORKER_SUPERVISOR } from '../supervisors/index.js';
export { MEMORY_STORE } from '../runtime/index.js';
export { HASHRING_PLACEMENT } from './placement/hashring-placement.js';
export { COUCH_STATE_STORE_MODULE } from './couch/couch-state-store.js';
export { NARRATOR_SERVICE } from './narrators/narrator-service.js';
export { RULES_CLIENT } from './rules/rules-client.js';
export { SAFETY_SERVICE } from './rules/safety-service.js';
export { TURN_GRAPH_SERVICE } from './turns/turn-service.js';
export { WORKFLOW_STARTER } from './workflows/workflow-starter-client.js';
export { BUDGET_WORKER } from './budgets/budget-service.js';
export { SCENE_CACHE_MODULE } from './scene-cache/scene-cache-service.js';
export { OBJECT_STORE_SERVICE } from './archive/object-store-config.js';
export { TELEMETRY_SERVICE } from './telemetry/telemetry-service.js';
export { WORKER_STREAMS } from './streams/worker-streams.js';
