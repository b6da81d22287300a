// Who is in a session and who may come in: members (player → gateway node), the access rule set
// by the join that created it, invitations, the member cap, and the one-delivery-per-node broadcast.
import { GATEWAY_KIND, GlassError } from '../../runtime/index.js';
import type { ActorContext } from '../define-actor.js';
import { RoomErrors, SessionErrors } from '../actor-errors.js';
import type { SessionAccess, SessionDelivery, SessionEvent } from './session-events.js';

/** Presence events list at most this many members (past it they carry `count`), as rooms' do. */
export const SESSION_PRESENCE_LIST_LIMIT = 50;
/** Invitations one session keeps. */
export const SESSION_INVITE_LIMIT = 256;

/** The part of a session's state this file reads and writes. */
export interface SessionMembership {
  /** Player id → id of the node whose gateway holds the player's socket. */
  members: Record<string, string>;
  access?: SessionAccess;
  /** The player whose join created the session. */
  creator?: string;
  invited?: string[];
  seq: number;
  created?: true;
  turn: number;
  moderation?: unknown;
}

/** One delivery per gateway node with members (and `alsoTo`), not one per player. */
export function broadcast(ctx: ActorContext<SessionMembership>, event: SessionEvent, ...alsoTo: string[]): void {
  const nodes = new Set(Object.values(ctx.state.members));
  for (const node of alsoTo) nodes.add(node);
  const delivery: SessionDelivery = { type: 'session-event', event };
  for (const node of nodes) ctx.tell({ kind: GATEWAY_KIND, id: node }, delivery);
}

/** A presence event, numbered in the session's seq. */
export function presenceEvent(ctx: ActorContext<SessionMembership>, change: { joined: string } | { left: string }): SessionEvent {
  const all = Object.keys(ctx.state.members);
  const seq = ++ctx.state.seq;
  if (all.length <= SESSION_PRESENCE_LIST_LIMIT) return { type: 'session-presence', session: ctx.self.id, seq, ...change, members: all };
  return { type: 'session-presence', session: ctx.self.id, seq, ...change, members: all.slice(0, SESSION_PRESENCE_LIST_LIMIT), count: all.length };
}

/** A session nobody made yet: no member, no turn, no moderation, not created. */
export function isNew(state: SessionMembership): boolean {
  if (state.created === true || state.turn > 0 || state.seq > 0 || state.moderation !== undefined) return false;
  for (const _ in state.members) return false;
  return true;
}

/**
 * Refuses a join (or resume) before anything is registered: a full session refuses a newcomer
 * (members coming back and moderators are let in), an invite-only one everybody but its members,
 * its creator, the invited and moderators. A new session is checked against `cannotCreate`.
 */
export function refuseJoin(ctx: ActorContext<SessionMembership>, player: string, opts: { moderator?: boolean; maxMembers?: number; cannotCreate?: string }): void {
  const state = ctx.state;
  if (Object.hasOwn(state.members, player)) return;
  if (isNew(state)) {
    if (opts.cannotCreate !== undefined && opts.moderator !== true) throw new GlassError(RoomErrors.CREATE_REFUSED, `session ${ctx.self.id} does not exist: ${opts.cannotCreate}`);
    return;
  }
  if (opts.moderator === true) return;
  if (opts.maxMembers !== undefined) {
    let n = 0;
    for (const _ in state.members) if (++n >= opts.maxMembers) throw new GlassError(RoomErrors.ROOM_FULL, `session ${ctx.self.id} has its most members (${opts.maxMembers})`);
  }
  if (state.access === 'invite' && state.creator !== player && !(state.invited ?? []).includes(player)) {
    throw new GlassError(SessionErrors.NOT_INVITED, `session ${ctx.self.id} is invite-only`);
  }
}

/** Creates the session for its first joiner (after refuseJoin); true if this join created it. */
export function createFor(state: SessionMembership, player: string, access: SessionAccess | undefined): boolean {
  if (!isNew(state)) return false;
  state.created = true;
  state.creator = player;
  state.access = access ?? 'open';
  return true;
}

/** An invitation, from the session's creator (a member) or a moderator. */
export function invite(ctx: ActorContext<SessionMembership>, by: string, invitee: string, moderator: boolean | undefined): boolean {
  const state = ctx.state;
  const creator = state.creator === by && Object.hasOwn(state.members, by);
  if (!creator && moderator !== true) throw new GlassError(SessionErrors.INVITE_FORBIDDEN, `only the creator of session ${ctx.self.id} or a moderator may invite to it`);
  const invited = (state.invited ??= []);
  if (invited.includes(invitee)) return false;
  if (invited.length >= SESSION_INVITE_LIMIT) throw new GlassError(SessionErrors.INVITES_FULL, `session ${ctx.self.id} has its most invitations (${SESSION_INVITE_LIMIT})`);
  invited.push(invitee);
  return true;
}
