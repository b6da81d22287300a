// The `turns` service: what a session actor runs its turns with (ctx.service<TurnRunner>('turns')).
// Each worker composes the LangGraph turn graph from the node's `narrator`, `rules` and `safety`
// services (declared before it) and a checkpointer over the worker's own state store — the same
// store, and the same code path, as the actors' state. Worker-safe.
import { createStoreCheckpointer, createTurnGraph, type Narrator, type RulesRunner, type SafetyCheck, type TurnRunner } from '../../actors/index.js';
import { integerOption, MAX_TIMER_MS, type WorkerServiceInit } from '../../runtime/index.js';

export interface TurnServiceOptions {
  /** Longest the rules step may take (ms); default the graph's (DEFAULT_RULES_TIMEOUT_MS). */
  rulesTimeoutMs?: number;
}

export const TURN_SERVICE = { module: import.meta.url, export: 'createTurnService' } as const;

export function createTurnService(init: WorkerServiceInit): TurnRunner {
  const options = (init.options ?? {}) as TurnServiceOptions;
  const rulesTimeoutMs = options.rulesTimeoutMs === undefined ? undefined : integerOption('services.turns.rulesTimeoutMs', options.rulesTimeoutMs, 1, MAX_TIMER_MS);
  return createTurnGraph({
    narrator: init.services.get<Narrator>('narrator'),
    rules: init.services.get<RulesRunner>('rules'),
    safety: init.services.get<SafetyCheck>('safety'),
    checkpointer: createStoreCheckpointer(init.store),
    ...(rulesTimeoutMs !== undefined && { rulesTimeoutMs }),
  });
}
