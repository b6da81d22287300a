// What a player's connection needs of its gateway, and what uWS keeps per socket.
import type { room, RunningTurnView, session } from '../../actors/index.js';
import type { Logger, ObjectStore } from '../../runtime/index.js';
import type { GlassNode } from '../../runtime/node/index.js';
import type { AccessClaims } from '../tokens/index.js';
import type { Connection } from './connection.js';
import type { ConnectionSearch } from './connection-search.js';
import type { EdgeLimits } from './edge-limits.js';
import type { OverrideHandler } from './gateway-parts.js';
import type { HeldRooms } from './held-rooms.js';
import type { HubHopSink } from './hub-hop.js';
import type { LocalRooms } from './local-rooms.js';
import type { RateLimiter } from './rate-limiter.js';

export type RoomRef = ReturnType<typeof room.ref>;
export type SessionRef = ReturnType<typeof session.ref>;

/** What uWS keeps per socket: set at upgrade, the connection attached on open. */
export interface SocketData {
  readonly claims: AccessClaims;
  connection: Connection | null;
  /** The client's address as the upgrade counted it (released when the socket closes). */
  readonly address: string;
  /** The gateway's edge limits, shared by every socket. */
  readonly edge: EdgeLimits;
}

/** What a connection needs from its gateway. */
export interface ConnectionContext {
  readonly node: GlassNode;
  readonly log: Logger;
  /** The node-held resume-token secret (never the access-token key). */
  readonly key: Uint8Array;
  readonly maxFrameBytes: number;
  readonly limiter: RateLimiter;
  readonly held: HeldRooms;
  readonly local: LocalRooms<Connection, RoomRef>;
  readonly resumeWindowMs: number;
  readonly resumeTokenTtlMs: number;
  /** Unsent bytes above which presence is skipped (and sent as a snapshot once drained). */
  readonly softLimitBytes: number;
  /** Unsent bytes above which the connection is closed (4008). */
  readonly hardLimitBytes: number;
  /** Overrides: audit, send on the system lane, wait for the target (the moderation desk's). */
  readonly overrides: OverrideHandler;
  /** The archive `history` pages read older entries from (null: hot entries only). */
  readonly archive: ObjectStore | null;
  /** True once the gateway is shutting down: memberships are then left at once, not held. */
  readonly closing: boolean;
  /** Leaves a room for the player if this node still holds it there (tracked until it settles). */
  leave(player: string, roomId: string): void;
  /** Counts a refusal (for stats). */
  refused(code: string): void;
  /** Reports a connection closed for not reading. */
  slowConsumer(player: string): void;
  /** The first socket of a room here joined (or resumed) it with its lines up to `seq` (see LineOrder.seen). */
  linesSeen(room: string, seq: number): void;
  /** This node's connections per session (fan-out over the `session:<id>` topic). */
  readonly sessions: LocalRooms<Connection, SessionRef>;
  /** Session memberships of closed connections, for the resume window. */
  readonly heldSessions: HeldRooms;
  /** Leaves a session for the player if this node still holds it there. */
  leaveSession(player: string, sessionId: string): void;
  /** The first socket of a session here joined it with this running turn (see SessionOrder.seen). */
  sessionSeen(sessionId: string, running: RunningTurnView | undefined): void;
  /** The `search` frame's handler (its index, its own rate limit). */
  readonly search: ConnectionSearch;
  /** Where the hub hops of says go (glass_hub_hop_seconds); null: not measured. */
  readonly hubHop: HubHopSink | null;
}

export function sessionTopic(sessionId: string): string {
  return 'session:' + sessionId;
}

export function roomTopic(roomId: string): string {
  return 'room:' + roomId;
}
