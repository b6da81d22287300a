// The session kind and its parts: the actor, and the seams its turns go through.
export { session, SESSION_TRANSCRIPT_LIMIT, MAX_TURN_LENGTH, type SessionModeration, type SessionState, type Turn } from './session-actor.js';
export type { NarrateOptions, NarrationEvent, NarrationFailureReason, NarrationRequest, NarrationResult, NarrationUsage, Narrator, RecentTurn } from './narrator.js';
export { NarrationErrors } from './narrator.js';
export type { CheckOutcome, CheckRequest, CheckResult, Modifiers, RulesRunner } from './rules.js';
export { RulesErrors } from './rules.js';
export { EMPTY_SCENE, SCENE_SUMMARY_LIMIT, type Scene } from './scene.js';
export type { RunTurnOptions, TurnEvent, TurnInput, TurnOutcome, TurnRunner } from './turn.js';
export { SafetyErrors, type SafetyCheck, type SafetyVerdict } from './safety.js';
