// The public entry of the actors layer, and the module worker threads load for the game's kinds.
// Worker-safe: it imports nothing from the main thread.
import { override } from './override.js';
import { room } from './room.js';
import { session } from './session/index.js';
import { budget, gmQueue } from './budget/index.js';

export {
  defineActor,
  type ActorContext,
  type ActorDefinition,
  type ActorRef,
  type ActorSpec,
  type AnyActorDefinition,
  type MessageOf,
  type RefSource,
  type ReplyOf,
  type StateOf,
} from './define-actor.js';
export { ArchiveErrors, BudgetErrors, ModerationErrors, RoomErrors, SessionErrors } from './actor-errors.js';
export {
  ArchiveCorruptError,
  MAX_CHUNK_ITEMS,
  archivePrefix,
  chunkKey,
  chunkRange,
  listChunks,
  parseChunk,
  readChunk,
  writeChunk,
  type ArchiveChunk,
  type ArchiveItem,
  type ArchiveKind,
} from './archive-chunk.js';
export { DEFAULT_HISTORY_PAGE, MAX_HISTORY_PAGE, archivedPage, historyPage, hotPage, type ArchiveMark, type HistoryPage, type HotPage } from './archive-page.js';
export { MAX_PENDING_REDACTIONS, rewriteRedacted, type ArchiveDone, type SpillPolicy } from './archive-spill.js';
export { room, ROOM_HISTORY_LIMIT, ROOM_SPILL, MAX_SAY_LENGTH, type ResumeReply, type RoomDelivery, type RoomEvent, type RoomLine, type RoomState } from './room.js';
export * from './budget/index.js';
export * from './session/index.js';
export { override, OVERRIDE_RECORD_LIMIT, reachedSeq, type AppliedOverride, type OverrideState } from './override.js';
export {
  GM_SPEAKER,
  OVERRIDE_COMMANDS,
  OVERRIDE_TARGET_KINDS,
  SESSION_COMMANDS,
  overrideId,
  targetOfOverrideId,
  type AuditRef,
  type ModerateMessage,
  type OverrideApply,
  type OverrideCommand,
  type OverrideCommandName,
  type OverrideTarget,
  type OverrideTargetKind,
} from './override-command.js';
export { moderationOf, type ModeratedEvent, type ModeratedLine, type RoomModeration } from './room-moderation.js';
export { tellSystem } from './system-lane.js';
export { MAX_PENDING_WORKFLOWS, requestWorkflow, resumeWorkflows, WORKFLOW_HANDLERS, workflowHandlers, type PendingWorkflows, type WorkflowReleaseMessage, type WorkflowResultHook, type WorkflowStartedMessage } from './workflow-starts.js';

/** This module, as a worker loads it (NodeOptions.actorModules). */
export const GAME_ACTORS = import.meta.url;

/** Loaded by every worker thread of a node on the game's defaults. */
export const actors = [room, session, override, budget, gmQueue];
