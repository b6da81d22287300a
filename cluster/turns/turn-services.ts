// The services a node on the game's defaults is given, in the order a worker builds them: the
// budgets (cost ceilings and their metrics: cluster/budgets/), the narrator chain, the rules (the node's piscina pool and each worker's client), the safety registry,
// `turns`, which composes the three into the turn graph, and `workflows` (what runs after a turn:
// cluster/workflows/). Data only: workers build each part.
import type { SafetyRegistrySource } from '../../actors/index.js';
import { SCENE_CACHE_SERVICE, WORKFLOW_SERVICE, type ServiceSpec } from '../../runtime/index.js';
import { TURN_SERVICE } from '../../actors/index.js';
import { BUDGET_MAIN, BUDGET_WORKER, type BudgetConfigInput } from '../budgets/index.js';
import { OBJECTS_SERVICE } from '../../runtime/index.js';
import { DEFAULT_OBJECTS_DIR, OBJECT_STORE_SERVICE, type ObjectStoreConfig } from '../archive/index.js';
import { NARRATOR_SERVICE, type NarratorConfig } from '../narrators/index.js';
import { RULES_CLIENT, RULES_POOL, SAFETY_SERVICE, type RulesPoolOptions } from '../rules/index.js';
import { TURN_GRAPH_SERVICE, type TurnServiceOptions } from './turn-service.js';
import { WORKFLOW_FRONT, WORKFLOW_STARTER, type WorkflowConfig } from '../workflows/index.js';
import { SCENE_CACHE_MODULE, type SceneCacheServiceOptions } from '../scene-cache/index.js';

export interface TurnServicesOptions {
  /** The narrator chain (narratorConfig / narratorConfigFromEnv); default: the offline narrator at its default pace. */
  narrator?: NarratorConfig;
  /** The rules pool (threads is the node's rules pool size). */
  rules?: RulesPoolOptions;
  /** The Prohibited Capabilities registry (an object, or its JSON text); default the documented one. */
  safety?: SafetyRegistrySource | string;
  turns?: TurnServiceOptions;
  /** Where the workflows after a turn run (workflowConfigFromEnv); default in process, world "glass". */
  workflows?: Partial<WorkflowConfig>;
  /** Cost ceilings and weekly budgets (budgetLimits / budgetLimitsFromEnv, docs/BUDGETS.md); default none, metrics only. */
  budget?: BudgetConfigInput;
  /** The scene cache: Redis with `redisUrl` (shared by the cluster), else in-process per worker (the default). */
  sceneCache?: SceneCacheServiceOptions;
  /** The archive's ObjectStore (objectStoreConfigFromEnv); default the filesystem under .data/objects; false: none (rooms and sessions drop what ages out). */
  objects?: ObjectStoreConfig | false;
}

export function turnServices(options: TurnServicesOptions = {}): Record<string, ServiceSpec> {
  return {
    budget: { main: BUDGET_MAIN, worker: { ...BUDGET_WORKER, options: options.budget ?? {} } },
    narrator: { worker: { ...NARRATOR_SERVICE, options: options.narrator ?? {} } },
    rules: { main: { ...RULES_POOL, options: options.rules ?? {} }, worker: RULES_CLIENT },
    safety: { worker: { ...SAFETY_SERVICE, options: options.safety } },
    [SCENE_CACHE_SERVICE]: { worker: { ...SCENE_CACHE_MODULE, options: options.sceneCache ?? {} } },
    [TURN_SERVICE]: { worker: { ...TURN_GRAPH_SERVICE, options: options.turns ?? {} } },
    [WORKFLOW_SERVICE]: { main: { ...WORKFLOW_FRONT, options: options.workflows ?? {} }, worker: { ...WORKFLOW_STARTER, options: options.workflows ?? {} } },
    ...(options.objects !== false && { [OBJECTS_SERVICE]: { worker: { ...OBJECT_STORE_SERVICE, options: options.objects ?? { kind: 'fs', dir: DEFAULT_OBJECTS_DIR } } } }),
  };
}
