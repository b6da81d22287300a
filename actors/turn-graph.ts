// The actors layer's second entry: the LangGraph turn graph and its checkpointer over the StateStore.
// Kept out of actors/index.ts because importing LangGraph costs about half a second: every worker
// loads the game's kinds at start, and only the first turn a worker runs needs this (cluster/turns
// imports it then).
export { createTurnGraph, DEFAULT_RULES_TIMEOUT_MS, type TurnGraphServices } from './session/turn-graph.js';
export { StoreCheckpointer, createStoreCheckpointer, CHECKPOINT_KIND, type StoreCheckpointerOptions } from './session/store-checkpointer.js';
