// The public entry of the actors layer, and the module worker threads load for the game's kinds.
// Worker-safe: it imports nothing from the main thread.
import { room } from './room.js';
import { session } from './session.js';

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
export { room, RoomErrors, ROOM_HISTORY_LIMIT, MAX_SAY_LENGTH, type ResumeReply, type RoomDelivery, type RoomEvent, type RoomLine, type RoomState } from './room.js';
export { session, SESSION_TRANSCRIPT_LIMIT, MAX_TURN_LENGTH, type SessionState, type Turn } from './session.js';

/** Loaded by every worker thread of a node on the game's defaults. */
export const actors = [room, session];
