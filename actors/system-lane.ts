import { ErrorCodes, GlassError } from '../runtime/index.js';
import type { ActorRef, MessageOf } from './define-actor.js';

/**
 * Tells `msg` on the system lane: it is taken before every user message queued in the receiver's
 * mailbox (moderator overrides overtake player traffic). Typed refs are runtime Refs underneath;
 * the narrow ActorRef type leaves the lane out so that game code does not reach for it casually.
 */
export function tellSystem<D>(ref: ActorRef<D>, msg: MessageOf<D>): void {
  const lane = ref as unknown as { tellSystem?: (msg: unknown) => void };
  if (typeof lane.tellSystem !== 'function') throw new GlassError(ErrorCodes.INVALID_MESSAGE, `${ref.key} cannot take system messages from this sender`);
  lane.tellSystem(msg);
}
