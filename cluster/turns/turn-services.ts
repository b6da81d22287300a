// The services a node on the game's defaults is given, in the order a worker builds them: the
// narrator chain, the rules (the node's piscina pool and each worker's client), the safety registry,
// and `turns`, which composes the three into the turn graph. Data only: workers build each part.
import type { SafetyRegistrySource } from '../../actors/index.js';
import type { ServiceSpec } from '../../runtime/index.js';
import { TURN_SERVICE } from '../../actors/index.js';
import { OBJECTS_SERVICE } from '../../runtime/index.js';
import { DEFAULT_OBJECTS_DIR, OBJECT_STORE_SERVICE, type ObjectStoreConfig } from '../archive/index.js';
import { NARRATOR_SERVICE, type NarratorConfig } from '../narrators/index.js';
import { RULES_CLIENT, RULES_POOL, SAFETY_SERVICE, type RulesPoolOptions } from '../rules/index.js';
import { TURN_GRAPH_SERVICE, type TurnServiceOptions } from './turn-service.js';

export interface TurnServicesOptions {
  /** The narrator chain (narratorConfig / narratorConfigFromEnv); default: the offline narrator at its default pace. */
  narrator?: NarratorConfig;
  /** The rules pool (threads is the node's rules pool size). */
  rules?: RulesPoolOptions;
  /** The Prohibited Capabilities registry (an object, or its JSON text); default the documented one. */
  safety?: SafetyRegistrySource | string;
  turns?: TurnServiceOptions;
  /** The archive's ObjectStore (objectStoreConfigFromEnv); default the filesystem under .data/objects; false: none (rooms and sessions drop what ages out). */
  objects?: ObjectStoreConfig | false;
}

export function turnServices(options: TurnServicesOptions = {}): Record<string, ServiceSpec> {
  return {
    narrator: { worker: { ...NARRATOR_SERVICE, options: options.narrator ?? {} } },
    rules: { main: { ...RULES_POOL, options: options.rules ?? {} }, worker: RULES_CLIENT },
    safety: { worker: { ...SAFETY_SERVICE, options: options.safety } },
    [TURN_SERVICE]: { worker: { ...TURN_GRAPH_SERVICE, options: options.turns ?? {} } },
    ...(options.objects !== false && { [OBJECTS_SERVICE]: { worker: { ...OBJECT_STORE_SERVICE, options: options.objects ?? { kind: 'fs', dir: DEFAULT_OBJECTS_DIR } } } }),
  };
}
