import { GATEWAY_KIND, GlassError } from '../runtime/index.js';
import { defineActor, type ActorContext } from './define-actor.js';
import { ModerationErrors, RoomErrors } from './actor-errors.js';
import type { ModerateMessage } from './override-command.js';
import type { ArchiveMark } from './archive-page.js';
import { afterAppend, archiveHandlers, redactArchived, refuseWhenBehind, resumeArchive, type SpillPolicy } from './archive-spill.js';
import { applyRoomOverride, moderationOf, type ModeratedEvent, type ModeratedLine, type RoomModeration } from './room-moderation.js';

export const ROOM_HISTORY_LIMIT = 50;
/** Lines past the limit go to the archive 50 at a time (actors/archive-spill.ts). */
export const ROOM_SPILL: SpillPolicy = { kind: 'room', limit: ROOM_HISTORY_LIMIT, chunk: 50, maxBehind: 400 };
export const MAX_SAY_LENGTH = 2_000;
/**
 * Presence events list at most this many members (past it they carry `count`): a join or leave in
 * a large room sends each gateway a bounded event, not the whole list, so fan-out stays linear.
 */
export const PRESENCE_LIST_LIMIT = 50;

/**
 * How long a member whose node is down stays listed when the join did not say (the gateway's
 * default resume window): its player may resume on a live node meanwhile, which moves the entry.
 */
export const ROOM_DEPART_AFTER_MS = 60_000;
/** Members removed as departed per handled message at most; the rest follow on the next timer. */
export const DEPART_BATCH = 100;
const DEPART_TIMER = 'depart';
const DAY_MS = 86_400_000;

/** `redacted` lines had their text removed by a moderator; `narration` lines were injected by one. */
export type RoomLine = ModeratedLine;

export interface RoomState {
  /** Player id → id of the node whose gateway holds the player's socket. */
  members: Record<string, string>;
  /** The most recent lines, oldest first, at most ROOM_HISTORY_LIMIT. */
  history: RoomLine[];
  /** Sequence number of the last line said in the room. */
  seq: number;
  /** Mutes, pause and lock set by moderators (absent in rooms saved before any override). */
  moderation?: RoomModeration;
  /** Set by the join that created the room (absent in rooms created before creation was checked). */
  created?: true;
  /** The resume window the last join or resume gave (absent: ROOM_DEPART_AFTER_MS). */
  resumeWindowMs?: number;
  /** How far the lines went to the archive (absent: none yet). */
  archive?: ArchiveMark;
}

/** What a room sends to each gateway node that has members in it; the gateway fans it out. */
export type RoomEvent =
  | { type: 'said'; room: string; line: RoomLine }
  | { type: 'presence'; room: string; joined?: string; left?: string; members: string[]; count?: number }
  | ModeratedEvent;

/** The message a gateway endpoint receives from a room (or, acknowledging an override, a session). */
export type RoomDelivery =
  | { type: 'room-event'; event: RoomEvent }
  | { type: 'override-applied'; target: { kind: 'room' | 'session'; id: string }; audit: { id: number; hash: string } };

/** What `resume` answers: the missed lines, or (`resync` says why) the current state. */
export type ResumeReply =
  | { resync: null; members: string[]; lines: RoomLine[]; seq: number }
  | { resync: 'window' | 'gap' | 'unknown'; members: string[]; history: RoomLine[]; seq: number };

/**
 * One delivery per gateway node with members, not one per player. Members are mostly on one node:
 * the set of nodes is made only when a second one turns up (no set and no value list per line).
 */
function broadcast(ctx: ActorContext<RoomState>, event: RoomEvent, ...alsoTo: string[]): void {
  const members = ctx.state.members;
  let first: string | undefined;
  let nodes: Set<string> | undefined;
  for (const player in members) {
    const node = members[player];
    if (first === undefined) first = node;
    else if (node !== first) (nodes ??= new Set([first])).add(node);
  }
  for (const node of alsoTo) {
    if (first === undefined) first = node;
    else if (node !== first) (nodes ??= new Set([first])).add(node);
  }
  if (first === undefined) return;
  const delivery: RoomDelivery = { type: 'room-event', event };
  if (nodes === undefined) ctx.tell({ kind: GATEWAY_KIND, id: first }, delivery);
  else for (const node of nodes) ctx.tell({ kind: GATEWAY_KIND, id: node }, delivery);
}

/** A presence event: who changed and the members; past PRESENCE_LIST_LIMIT, the first of them and their `count`. */
function presence(room: string, all: string[], change: { joined: string } | { left: string }): RoomEvent {
  if (all.length <= PRESENCE_LIST_LIMIT) return { type: 'presence', room, ...change, members: all };
  return { type: 'presence', room, ...change, members: all.slice(0, PRESENCE_LIST_LIMIT), count: all.length };
}

/** Keeps the resume window a join or resume carries, when it is one. */
function noteWindow(state: RoomState, resumeWindowMs: unknown): void {
  if (typeof resumeWindowMs === 'number' && Number.isInteger(resumeWindowMs) && resumeWindowMs >= 0 && resumeWindowMs <= DAY_MS) state.resumeWindowMs = resumeWindowMs;
}

/**
 * Members whose node has been down (ctx.nodeDownSince) for longer than the resume window leave:
 * removed, and presence `left` broadcast for each, at most DEPART_BATCH per call. A player that
 * resumed on a live node meanwhile points there now and stays. While such members remain, a timer
 * comes back when the next one is due. `apply` false (read-only handlers): only the timer is armed.
 */
function departDown(ctx: ActorContext<RoomState>, apply: boolean): void {
  const state = ctx.state;
  const now = ctx.now();
  const window = state.resumeWindowMs ?? ROOM_DEPART_AFTER_MS;
  let next = Infinity;
  let removed = 0;
  // Members are mostly on a few nodes (often one): each node is asked once per run of its members, not once per member.
  let node: string | undefined;
  let since: number | undefined;
  for (const player in state.members) {
    const of = state.members[player];
    if (of !== node) {
      node = of;
      since = ctx.nodeDownSince(of);
    }
    if (since === undefined) continue;
    const due = since + window;
    if (due > now || !apply || removed >= DEPART_BATCH) {
      next = Math.min(next, due);
      continue;
    }
    removed++;
    delete state.members[player];
    broadcast(ctx, presence(ctx.self.id, Object.keys(state.members), { left: player }));
  }
  if (next !== Infinity) ctx.timers.once(DEPART_TIMER, Math.max(1, next - now), { type: 'depart' });
}

/**
 * `maxMembers` (the gateway's maxRoomMembers): a full room refuses a newcomer. Members coming back
 * and moderators are let in; the cap is per join, so gateways with different settings each apply theirs.
 */
function refuseFull(ctx: ActorContext<RoomState>, player: string, moderator: boolean | undefined, maxMembers: number | undefined): void {
  if (maxMembers === undefined || moderator === true || Object.hasOwn(ctx.state.members, player)) return;
  let n = 0;
  for (const _ in ctx.state.members) if (++n >= maxMembers) throw new GlassError(RoomErrors.ROOM_FULL, `room ${ctx.self.id} has its most members (${maxMembers})`);
}

/**
 * A room nobody made yet: no member, no line, no moderation, not created. `refusal` (from the
 * gateway's creation policy) says why this join may not make it; then nothing is kept.
 */
function create(ctx: ActorContext<RoomState>, refusal: string | undefined): boolean {
  const state = ctx.state;
  if (state.created === true || state.seq > 0 || state.moderation !== undefined) return false;
  for (const _ in state.members) return false;
  if (refusal !== undefined) throw new GlassError(RoomErrors.CREATE_REFUSED, `room ${ctx.self.id} does not exist: ${refusal}`);
  state.created = true;
  return true;
}

function refuseLocked(ctx: ActorContext<RoomState>, player: string, moderator: boolean | undefined): void {
  if (ctx.state.moderation?.locked === true && moderator !== true && !Object.hasOwn(ctx.state.members, player)) {
    throw new GlassError(ModerationErrors.LOCKED, `room ${ctx.self.id} is locked`);
  }
}

/** A hub room: members join and leave, `say` is broadcast to every member, recent history kept. */
export const room = defineActor({
  kind: 'room',
  // Members and lines are saved before the sayer hears back: a restart or a crashed worker
  // brings the room back exactly as its members last saw it (saves of many rooms share one bulk write).
  persistence: { save: 'every-message' },
  readOnly: ['members', 'moderation', 'lines', 'history'],
  initialState: (): RoomState => ({ members: {}, history: [], seq: 0 }),
  onActivate: (ctx) => resumeArchive(ctx, ctx.state.history, ROOM_SPILL),
  handlers: {
    /** `moderator`: the joiner's token has the moderator role; moderators may enter a locked room. */
    /** `cannotCreate`: why this join may not create the room if it does not exist (absent: it may). */
    /** `resumeWindowMs`: the gateway's resume window; members on a node down longer than it leave. */
    join(ctx, msg: { player: string; node: string; moderator?: boolean; maxMembers?: number; cannotCreate?: string; resumeWindowMs?: number }) {
      departDown(ctx, true);
      refuseLocked(ctx, msg.player, msg.moderator);
      refuseFull(ctx, msg.player, msg.moderator, msg.maxMembers);
      const created = create(ctx, msg.cannotCreate);
      const state = ctx.state;
      noteWindow(state, msg.resumeWindowMs);
      const rejoin = Object.hasOwn(state.members, msg.player);
      state.members[msg.player] = msg.node;
      const members = Object.keys(state.members);
      if (!rejoin) broadcast(ctx, presence(ctx.self.id, members, { joined: msg.player }));
      // A copy: the reply is cloned only when its batch is posted, after later messages of the same
      // turn may have appended to the live array (then history would run past `seq`).
      return { room: ctx.self.id, members, history: state.history.slice(-ROOM_HISTORY_LIMIT), seq: state.seq, created };
    },

    /**
     * A player's connection, on `node`, takes over the membership of an earlier one (on any node)
     * and asks for the lines after `after`. They are replayed only if the player is still a member
     * (its old gateway holds the membership for the resume window, then leaves) and they are all
     * still in the history; otherwise the answer is a resync: the room's current state, as a join.
     */
    resume(ctx, msg: { player: string; node: string; after: number; maxMembers?: number; resumeWindowMs?: number }): ResumeReply {
      departDown(ctx, true);
      refuseLocked(ctx, msg.player, false);
      refuseFull(ctx, msg.player, false, msg.maxMembers);
      const state = ctx.state;
      noteWindow(state, msg.resumeWindowMs);
      const wasMember = Object.hasOwn(state.members, msg.player);
      state.members[msg.player] = msg.node;
      const members = Object.keys(state.members);
      if (!wasMember) broadcast(ctx, presence(ctx.self.id, members, { joined: msg.player }));
      const after = msg.after;
      // Replayed from the newest ROOM_HISTORY_LIMIT lines only: those still on their way to the archive are not counted.
      const oldest = state.history.length > 0 ? state.history[Math.max(0, state.history.length - ROOM_HISTORY_LIMIT)].seq : state.seq + 1;
      if (!wasMember) return { resync: 'window', members, history: state.history.slice(-ROOM_HISTORY_LIMIT), seq: state.seq };
      if (!Number.isInteger(after) || after < 0 || after > state.seq) return { resync: 'unknown', members, history: state.history.slice(-ROOM_HISTORY_LIMIT), seq: state.seq };
      if (after < oldest - 1) return { resync: 'gap', members, history: state.history.slice(-ROOM_HISTORY_LIMIT), seq: state.seq };
      return { resync: null, members, lines: state.history.filter((line) => line.seq > after), seq: state.seq };
    },

    /**
     * `node`: the gateway node asking. A leave from a node that no longer holds the player (it
     * resumed elsewhere since) is ignored, so a late leave of an old connection never removes it.
     */
    leave(ctx, msg: { player: string; node?: string }) {
      departDown(ctx, true);
      const state = ctx.state;
      if (!Object.hasOwn(state.members, msg.player)) return { left: false };
      const node = state.members[msg.player];
      if (msg.node !== undefined && msg.node !== node) return { left: false };
      delete state.members[msg.player];
      // The leaver's own node hears it too, so its gateway can unsubscribe the socket.
      broadcast(ctx, presence(ctx.self.id, Object.keys(state.members), { left: msg.player }), node);
      return { left: true };
    },

    say(ctx, msg: { player: string; text: string }) {
      departDown(ctx, true);
      const state = ctx.state;
      if (!Object.hasOwn(state.members, msg.player)) {
        throw new GlassError(RoomErrors.NOT_MEMBER, `${msg.player} is not in room ${ctx.self.id}`);
      }
      if (typeof msg.text !== 'string' || msg.text.length > MAX_SAY_LENGTH) {
        throw new GlassError(RoomErrors.TEXT_TOO_LONG, `text must be a string of at most ${MAX_SAY_LENGTH} characters`);
      }
      const moderation = state.moderation;
      if (moderation !== undefined) {
        if (moderation.paused) throw new GlassError(ModerationErrors.PAUSED, `room ${ctx.self.id} is paused by a moderator`);
        if (Object.hasOwn(moderation.muted, msg.player)) throw new GlassError(ModerationErrors.MUTED, `${msg.player} is muted in room ${ctx.self.id}`);
      }
      refuseWhenBehind(ctx, state.history, ROOM_SPILL);
      // Frozen: lines are replaced, never edited (see redact), so stores reuse their JSON (runtime/state-json.ts).
      const line: RoomLine = Object.freeze({ seq: ++state.seq, from: msg.player, text: msg.text, at: ctx.now() });
      state.history.push(line);
      afterAppend(ctx, state.history, ROOM_SPILL);
      broadcast(ctx, { type: 'said', room: ctx.self.id, line });
      return { seq: line.seq };
    },

    /**
     * A moderator's override, from the room's override actor on the system lane (it overtakes queued
     * player messages). Applied, saved, then broadcast with its audit ref to every member's node and
     * to the node waiting for the acknowledgement (`replyTo`).
     */
    moderate(ctx, msg: ModerateMessage) {
      const state = ctx.state;
      const { event, kicked } = applyRoomOverride(state, ctx.self.id, msg, ctx.now(), Infinity);
      afterAppend(ctx, state.history, ROOM_SPILL);
      if (msg.command.command === 'redact') redactArchived(ctx, msg.command.seq!, state.history, ROOM_SPILL);
      if (kicked === undefined) broadcast(ctx, event, msg.replyTo);
      else {
        // The kicked player's node hears the event too, so that its gateway drops the subscription.
        broadcast(ctx, event, msg.replyTo, kicked.node);
        broadcast(ctx, presence(ctx.self.id, Object.keys(state.members), { left: kicked.player }), kicked.node);
      }
      return { audit: msg.audit.id };
    },

    /** What moderators set, for a moderator's view (read-only). */
    moderation(ctx, _msg: {}) {
      const m = moderationOf({ ...ctx.state });
      return { muted: Object.keys(m.muted), paused: m.paused, locked: m.locked };
    },

    /** The lines after `after` still in the history: what a gateway that missed some asks for (clients/line-order.ts). */
    lines(ctx, msg: { after: number }) {
      return { lines: ctx.state.history.filter((line) => line.seq > msg.after), seq: ctx.state.seq };
    },

    // history (a page of the lines' hot part) and archive-done: actors/archive-spill.ts.
    ...archiveHandlers((state: RoomState) => state.history, ROOM_SPILL),

    // `{}`, not Record<string, never>: MessageOf omits "type" from it, and an index signature of never made this message unsendable.
    members(ctx, _msg: {}) {
      departDown(ctx, false);
      return { members: Object.keys(ctx.state.members) };
    },

    /** From the host when a node went down (NODES_DOWN_MESSAGE): its members leave once the resume window is past. */
    'nodes-down'(ctx, _msg: {}) {
      departDown(ctx, true);
    },

    /** The departure timer (departDown): members on nodes down past the resume window leave. */
    depart(ctx, _msg: {}) {
      departDown(ctx, true);
    },
  },
});
