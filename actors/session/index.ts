// The session kind and its parts: the actor, and the seams its turns go through.
export { session } from './session-actor.js';
export {
  SESSION_TRANSCRIPT_LIMIT,
  SESSION_SPILL,
  SESSION_TURN_QUEUE_LIMIT,
  SESSION_JOIN_TRANSCRIPT,
  type QueuedTurn,
  type RunningTurn,
  type SessionModeration,
  type SessionState,
  type SessionUsage,
  type Turn,
} from './session-state.js';
export { MAX_TURN_LENGTH } from './turn-limits.js';
export { SESSION_ACCESS, type NarrationChunk, type RunningTurnView, type SessionAccess, type SessionDelivery, type SessionEvent, type SessionModeratedEvent, type SessionResumeReply } from './session-events.js';
export { SESSION_INVITE_LIMIT, SESSION_PRESENCE_LIST_LIMIT } from './session-members.js';
export { MAX_TURN_EVENTS, TURN_SERVICE } from './turn-runs.js';
export { CONSOLIDATION_NARRATION_LIMIT, checkRunnerStart, consolidationStart, type ConsolidationInput } from './session-workflows.js';
export { CANCELLED_TURNS_KEPT, PREEMPTING_COMMANDS, TurnCancelledError, isTurnCancelled, type CancelledTurn, type TurnCancelledEvent } from './turn-preemption.js';
export { TURN_CANCEL_REASONS, type TurnCancelReason } from './session-events.js';
export type { NarrateOptions, NarrationEvent, NarrationFailureReason, NarrationRequest, NarrationResult, NarrationUsage, Narrator, RecentTurn } from './narrator.js';
export { NarrationErrors } from './narrator.js';
export type { CheckOutcome, CheckRequest, CheckResult, Modifiers, RulesRunner } from './rules.js';
export { RulesErrors } from './rules.js';
export { EMPTY_SCENE, SCENE_SUMMARY_LIMIT, type Scene } from './scene.js';
export type { RunTurnOptions, TurnEvent, TurnInput, TurnOutcome, TurnRunner } from './turn.js';
export { SafetyErrors, type SafetyCheck, type SafetyVerdict } from './safety.js';
export { TurnErrors } from './turn.js';
export { nextScene, firstSentence, MIN_MOMENTUM, MAX_MOMENTUM, SCENE_SENTENCE_LIMIT } from './scene-update.js';
export { createOfflineNarrator, offlineNarration, offlineChunks, OFFLINE_PHRASES, type OfflineNarratorOptions } from './offline-narrator.js';
export { buildNarrationPrompt, cleanText, estimateTokens, promptChars, NARRATOR_SYSTEM_PROMPT, DEFAULT_PROMPT_LIMITS, type NarrationPrompt, type ChatMessage, type PromptLimits } from './prompt.js';
export { runChecks, checkRequestOf, CHECK_MODEL, SKILL_KEYWORDS, SKILLS } from './check-model.js';
export { SafetyRegistry, loadSafetyRegistry, defaultSafetyRegistry, DEFAULT_SAFETY_REGISTRY, SAFETY_LIMITS, type SafetyRegistrySource, type SafetyCategory } from './safety-registry.js';
// The turn graph and its checkpointer load LangGraph (≈ 0.5 s): they are the actors layer's second
// entry, actors/turn-graph.ts, imported on demand by the `turns` service, not by every worker.
export type { TurnGraphServices } from './turn-graph.js';
