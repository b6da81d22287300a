import type { WebSocket } from 'uWebSockets.js';
import { reachedSeq, type ResumeReply, type RunningTurnView, type SessionResumeReply } from '../../actors/index.js';
import { MAX_TIMER_MS, withEdgeSpan } from '../../runtime/index.js';
import {
  CLIENT_FRAME_TYPES,
  CloseCodes,
  decodeClientFrame,
  FRAME_ROLES,
  PROTOCOL_VERSION,
  ProtocolErrors,
  ProtocolLimits,
  type ClientFrame,
  type ClientFrameType,
  type OverrideFrame,
} from '../protocol/index.js';
import { signResumeToken, verifyResumeToken, type AccessClaims } from '../tokens/index.js';
import { roomTopic, sessionTopic, type ConnectionContext, type SocketData } from './connection-context.js';
import { ConnectionOutput } from './connection-output.js';
import { ConnectionRooms } from './connection-rooms.js';
import type { EdgeLimits } from './edge-limits.js';
import type { RoomListener } from './local-rooms.js';
import { serveHistory, type HistoryAccess } from './connection-history.js';
import { HubHopTimer } from './hub-hop.js';

export { roomTopic, type ConnectionContext, type RoomRef, type SocketData } from './connection-context.js';

/** The gateway span's name per frame type, made once, not per frame. */
const SPAN_NAMES = Object.fromEntries(CLIENT_FRAME_TYPES.map((type) => [type, `glass.gateway ${type}`])) as Record<ClientFrameType, string>;


/**
 * One player's WebSocket: decodes its frames, turns them into asks to room and session actors, and
 * answers. Room lines do not pass through here: they reach the socket through its uWS topic
 * subscriptions, published once per node by the gateway.
 */
export class Connection implements RoomListener {
  readonly player: string;
  readonly character: string;
  readonly #claims: AccessClaims;
  readonly #ws: WebSocket<SocketData>;
  readonly #ctx: ConnectionContext;
  readonly #edge: EdgeLimits;
  /** The client address the upgrade counted for this socket. */
  readonly #address: string;
  /** The rooms this connection is in, as their answers said, and the joins on their way (connection-rooms.ts). */
  readonly #rooms = new ConnectionRooms();
  /** What the socket is sent, and its backpressure (connection-output.ts). */
  readonly #out: ConnectionOutput;
  /** The sessions this connection is in, as their answers said, and the joins on their way. */
  readonly #sessions = new ConnectionRooms();
  /** The hub hop of one say at a time (hub-hop.ts). */
  readonly #hop: HubHopTimer;
  /** The gateway span's attributes, made once (the span copies them): not an object per frame. */
  readonly #spanAttributes: { readonly 'glass.player': string };
  #expiry: NodeJS.Timeout | null = null;
  /** Resume tokens are signed asynchronously; chaining keeps them in the order of the changes. */
  #tokens: Promise<void> = Promise.resolve();

  constructor(ws: WebSocket<SocketData>, claims: AccessClaims, ctx: ConnectionContext) {
    this.#ws = ws;
    this.#claims = claims;
    this.player = claims.player;
    this.character = claims.character;
    this.#spanAttributes = { 'glass.player': claims.player };
    this.#ctx = ctx;
    this.#out = new ConnectionOutput(ws, ctx, claims.player);
    this.#hop = new HubHopTimer(ctx.hubHop, ctx.node.options.askTimeoutMs);
    const data = ws.getUserData();
    this.#edge = data.edge;
    this.#address = data.address;
  }

  get closed(): boolean {
    return this.#out.closed;
  }

  open(): void {
    const { limiter, maxFrameBytes, resumeWindowMs } = this.#ctx;
    this.#out.send({
      type: 'welcome',
      v: PROTOCOL_VERSION,
      player: this.player,
      character: this.character,
      roles: [...this.#claims.roles],
      node: this.#ctx.node.id,
      expiresAt: this.#claims.expiresAt,
      limits: { maxFrameBytes, burst: limiter.limit.burst, perSecond: limiter.limit.perSecond, resumeWindowMs },
    });
    this.#armExpiry();
  }

  onMessage(data: ArrayBuffer, isBinary: boolean): void {
    // Every frame costs a token, refused ones too: a flood of garbage is limited like any other.
    const waitMs = this.#ctx.limiter.take(this.character);
    const decoded = decodeClientFrame(data, isBinary, this.#ctx.maxFrameBytes);
    if (waitMs > 0) {
      return this.#refuse(ProtocolErrors.RATE_LIMITED, `too many frames: retry in ${waitMs} ms`, decoded.ok ? decoded.frame.ref : decoded.ref, waitMs);
    }
    if (!decoded.ok) {
      // Every override attempt is audited, a malformed one too (without its unchecked content).
      // It is answered once the refusal is written (or could not be).
      const audited = decoded.code === ProtocolErrors.BAD_FRAME_SCHEMA ? this.#ctx.overrides.refuseRaw(this.#claims, data, decoded.code) : null;
      if (audited !== null) return this.#answerAfter(audited, decoded.code, decoded.message, decoded.ref);
      return this.#refuse(decoded.code, decoded.message, decoded.ref);
    }
    const frame = decoded.frame;
    if (!FRAME_ROLES[frame.type].some((role) => this.#claims.roles.includes(role))) {
      const message = `"${frame.type}" needs one of the roles ${FRAME_ROLES[frame.type].join(', ')}`;
      if (frame.type === 'override') return this.#refuseOverride(frame, ProtocolErrors.FORBIDDEN, message, frame.ref);
      return this.#refuse(ProtocolErrors.FORBIDDEN, message, frame.ref);
    }
    // The gateway hop of a trace (when an SDK traces): the actors' spans are its children.
    withEdgeSpan(SPAN_NAMES[frame.type], this.#spanAttributes, () => this.#dispatch(frame));
  }

  #dispatch(frame: ClientFrame): void {
    const node = this.#ctx.node;
    switch (frame.type) {
      case 'join': {
        const { room: id, ref } = frame;
        if (!this.#rooms.known(id) && this.#rooms.count >= ProtocolLimits.RESUME_MAX_ROOMS) {
          return this.#refuse(ProtocolErrors.TOO_MANY_ROOMS, `a connection may be in at most ${ProtocolLimits.RESUME_MAX_ROOMS} rooms`, ref);
        }
        const adopted = this.#begin(id);
        // .then directly on the router's promise, not await: see Gateway #onRoomDelivery for why
        // the number of microtask hops between the reply and this callback matters.
        const maxMembers = this.#edge.settings.maxRoomMembers;
        const moderator = this.#claims.roles.includes('moderator');
        const cannotCreate = this.#edge.cannotCreate(this.player, moderator, id);
        const join = moderator ? { type: 'join', player: this.player, node: node.id, maxMembers, moderator: true, resumeWindowMs: this.#ctx.resumeWindowMs } as const : { type: 'join', player: this.player, node: node.id, maxMembers, cannotCreate, resumeWindowMs: this.#ctx.resumeWindowMs } as const;
        this.#ctx.local.ref(id).ask(join).then(
          (reply) => {
            if (reply.created === true) this.#edge.created(this.player);
            if (!this.#accepted(id, reply.members, reply.seq)) return;
            this.#out.send({ type: 'joined', room: id, members: reply.members, history: reply.history, seq: reply.seq, ref });
            this.#issueResumeToken();
          },
          (err: unknown) => {
            this.#refusedBy(id, adopted);
            this.#failed('join', err, ref);
          },
        );
        return;
      }
      case 'leave': {
        const { room: id, ref } = frame;
        if (!this.#rooms.known(id)) return this.#notInRoom(id, ref);
        // The socket stays subscribed until the room answers: what the room sequenced before the
        // leave (this connection's own last `say` included) still reaches it, then `left`.
        this.#ctx.local.ref(id).ask({ type: 'leave', player: this.player, node: node.id }).then(
          () => {
            if (this.#out.closed) return;
            // Not accepted: the join sent before this leave was refused. Nothing was left.
            if (!this.#rooms.has(id)) return this.#notInRoom(id, ref);
            // `left` first: a send drains what uWS still queues for this socket on its topics (the
            // lines the room published before the leave), then the socket leaves the topic.
            this.#out.send({ type: 'left', room: id, ref });
            this.#detach(id);
            this.#issueResumeToken();
          },
          (err: unknown) => this.#failed('leave', err, ref), // outcome unknown: the room stays, so close still leaves
        );
        return;
      }
      case 'say': {
        const { room: id, text, ref } = frame;
        if (!this.#rooms.known(id)) return this.#notInRoom(id, ref);
        if (!this.#spend(text, ref)) return;
        // Success needs no answer: the line comes back to every member, the sender included, as `said`.
        this.#ctx.local.ref(id).ask({ type: 'say', player: this.player, text }).then(this.#hop.begin(), (err: unknown) => this.#failed('say', err, ref));
        return;
      }
      case 'turn': {
        const { session: id, text, ref } = frame;
        if (!this.#sessions.known(id)) return this.#notInSession(id, ref);
        if (!this.#spend(text, ref)) return;
        // Answered once queued: the narration streams to every member afterwards.
        this.#ctx.sessions.ref(id).ask({ type: 'turn', player: this.player, text }).then(
          (reply) => {
            this.#out.send({ type: 'turn-accepted', session: id, turn: reply.turn, position: reply.position, ref });
          },
          (err: unknown) => {
            this.#failed('turn', err, ref);
          },
        );
        return;
      }
      case 'join-session': {
        const { session: id, access, world, ref } = frame;
        if (!this.#sessions.known(id) && this.#sessions.count >= ProtocolLimits.RESUME_MAX_SESSIONS) {
          return this.#refuse(ProtocolErrors.TOO_MANY_SESSIONS, `a connection may be in at most ${ProtocolLimits.RESUME_MAX_SESSIONS} sessions`, ref);
        }
        const adopted = this.#beginSession(id);
        const moderator = this.#claims.roles.includes('moderator');
        const cannotCreate = this.#edge.cannotCreate(this.player, moderator, id);
        const join = { type: 'join-session', player: this.player, node: node.id, maxMembers: this.#edge.settings.maxRoomMembers, moderator, cannotCreate, access, world } as const;
        this.#ctx.sessions.ref(id).ask(join).then(
          (reply) => {
            if (reply.created === true) this.#edge.created(this.player);
            if (!this.#sessionAccepted(id, reply.members, reply.running)) return;
            this.#out.send({ type: 'session-joined', session: id, members: reply.members, seq: reply.seq, transcript: reply.transcript, running: reply.running, access: reply.access, ref });
            this.#issueResumeToken();
          },
          (err: unknown) => {
            this.#sessionRefusedBy(id, adopted);
            this.#failed('join-session', err, ref);
          },
        );
        return;
      }
      case 'leave-session': {
        const { session: id, ref } = frame;
        if (!this.#sessions.known(id)) return this.#notInSession(id, ref);
        this.#ctx.sessions.ref(id).ask({ type: 'leave-session', player: this.player, node: node.id }).then(
          () => {
            if (this.#out.closed) return;
            if (!this.#sessions.has(id)) return this.#notInSession(id, ref);
            this.#out.send({ type: 'session-left', session: id, ref });
            this.#sessions.accepted.delete(id);
            this.#ws.unsubscribe(sessionTopic(id));
            this.#ctx.sessions.remove(id, this);
            this.#issueResumeToken();
          },
          (err: unknown) => this.#failed('leave-session', err, ref),
        );
        return;
      }
      case 'invite': {
        const { session: id, player, ref } = frame;
        if (!this.#sessions.known(id)) return this.#notInSession(id, ref);
        const moderator = this.#claims.roles.includes('moderator');
        this.#ctx.sessions.ref(id).ask({ type: 'invite', player: this.player, invitee: player, moderator }).then(
          () => this.#out.send({ type: 'invited', session: id, player, ref }),
          (err: unknown) => this.#failed('invite', err, ref),
        );
        return;
      }
      case 'resume':
        verifyResumeToken(this.#ctx.key, frame.token).then(
          (check) => {
            if (this.#out.closed) return;
            if (!check.ok) return this.#refuse(check.code, check.message, frame.ref);
            const { player, character, rooms, sessions } = check.claims;
            if (player !== this.player || character !== this.character) {
              return this.#refuse(ProtocolErrors.RESUME_INVALID, 'the resume token is for another player or character', frame.ref);
            }
            const unknown = Object.keys(frame.rooms).find((id) => !rooms.includes(id));
            if (unknown !== undefined) return this.#refuse(ProtocolErrors.RESUME_INVALID, `room ${unknown} is not in the resume token`, frame.ref);
            const seenSessions = frame.sessions ?? {};
            const stray = Object.keys(seenSessions).find((id) => !sessions.includes(id));
            if (stray !== undefined) return this.#refuse(ProtocolErrors.RESUME_INVALID, `session ${stray} is not in the resume token`, frame.ref);
            this.#resume(rooms, frame.rooms, sessions, seenSessions, frame.ref);
          },
          (err: unknown) => this.#failed('resume', err, frame.ref),
        );
        return;
      case 'ping':
        return this.#out.send({ type: 'pong', ref: frame.ref });
      case 'history':
        return serveHistory(frame, this.#historyAccess());
      case 'override': {
        if (frame.command === 'redact') return this.#redactReached(frame);
        return this.#submitOverride(frame);
      }
      case 'search':
        return this.#ctx.search.handle(this.#claims, this.character, frame, this.#out);
    }
  }

  /**
   * A `redact` names a line (or turn) by its number: one the target has not reached yet is refused
   * (audited) before anything is sent. Numbers only grow, so a seq reached now is reached when the
   * override arrives.
   */
  #redactReached(frame: OverrideFrame): void {
    const seq = frame.seq!;
    const target = frame.room !== undefined ? { kind: 'room', id: frame.room } as const : { kind: 'session', id: frame.session! } as const;
    reachedSeq(this.#ctx.node, target).then(
      (last) => {
        if (seq <= last) return this.#submitOverride(frame);
        this.#refuseOverride(frame, ProtocolErrors.SEQ_NOT_REACHED, `seq ${seq} is past the last one (${last}): nothing to redact`, frame.ref);
      },
      (err: unknown) => this.#failed('override', err, frame.ref),
    );
  }

  #submitOverride(frame: OverrideFrame): void {
    const { type: _type, ref, ...request } = frame;
    this.#ctx.overrides.submit(this.#claims, request).then(
      (outcome) => this.#out.send({ type: 'override-applied', [outcome.target.kind]: outcome.target.id, command: outcome.command, audit: outcome.audit, ref }),
      (err: unknown) => this.#failed('override', err, ref),
    );
  }

  /** Takes over the token's rooms: each room replays what was missed after the client's seq, or resyncs. */
  #resume(rooms: readonly string[], seen: Readonly<Record<string, number>>, sessions: readonly string[], seenSessions: Readonly<Record<string, number>>, ref: string | undefined): void {
    const node = this.#ctx.node;
    let pending = rooms.length + sessions.length;
    const settled = (): void => {
      if (--pending === 0) this.#issueResumeToken(ref);
    };
    if (pending === 0) return this.#issueResumeToken(ref);
    const moderator = this.#claims.roles.includes('moderator');
    for (const id of sessions) {
      const adopted = this.#beginSession(id);
      const after = Object.hasOwn(seenSessions, id) ? seenSessions[id] : -1;
      this.#ctx.sessions.ref(id).ask({ type: 'resume', player: this.player, node: node.id, after, maxMembers: this.#edge.settings.maxRoomMembers, moderator }).then(
        (reply: SessionResumeReply) => {
          const running = reply.resync === null ? undefined : reply.running;
          if (!this.#sessionAccepted(id, reply.members, running)) return;
          if (reply.resync === null) this.#out.send({ type: 'session-resumed', session: id, members: reply.members, events: reply.events, seq: reply.seq, access: reply.access, ref });
          else this.#out.send({ type: 'session-resync', session: id, reason: reply.resync, members: reply.members, seq: reply.seq, transcript: reply.transcript as never, running, access: reply.access, ref });
          settled();
        },
        (err: unknown) => {
          this.#sessionRefusedBy(id, adopted);
          this.#failed('resume', err, ref);
          settled();
        },
      );
    }
    for (const id of rooms) {
      if (!this.#rooms.known(id) && this.#rooms.count >= ProtocolLimits.RESUME_MAX_ROOMS) {
        this.#refuse(ProtocolErrors.TOO_MANY_ROOMS, `a connection may be in at most ${ProtocolLimits.RESUME_MAX_ROOMS} rooms`, ref);
        settled();
        continue;
      }
      const adopted = this.#begin(id);
      const after = Object.hasOwn(seen, id) ? seen[id] : -1;
      this.#ctx.local.ref(id).ask({ type: 'resume', player: this.player, node: node.id, after, maxMembers: this.#edge.settings.maxRoomMembers, resumeWindowMs: this.#ctx.resumeWindowMs }).then(
        (reply: ResumeReply) => {
          if (!this.#accepted(id, reply.members, reply.seq)) return;
          if (reply.resync === null) this.#out.send({ type: 'resumed', room: id, members: reply.members, lines: reply.lines, seq: reply.seq, ref });
          else this.#out.send({ type: 'resync', room: id, reason: reply.resync, members: reply.members, history: reply.history, seq: reply.seq, ref });
          settled();
        },
        (err: unknown) => {
          this.#refusedBy(id, adopted);
          this.#failed('resume', err, ref);
          settled();
        },
      );
    }
  }

  #beginSession(id: string): boolean {
    this.#sessions.begin(id);
    return this.#ctx.heldSessions.adopt(this.player, id);
  }

  /** A session accepted a join or resume: its events reach this socket from now on. */
  #sessionAccepted(id: string, members: readonly string[], running: RunningTurnView | undefined): boolean {
    this.#sessions.settle(id);
    if (this.#out.closed) return false;
    if (!this.#ctx.sessions.has(id)) this.#ctx.sessionSeen(id, running);
    if (!this.#sessions.has(id)) {
      this.#sessions.accepted.add(id);
      this.#ws.subscribe(sessionTopic(id));
    }
    this.#ctx.sessions.add(id, this, members);
    return true;
  }

  #sessionRefusedBy(id: string, adopted: boolean): void {
    this.#sessions.settle(id);
    if (adopted && !this.#sessions.has(id) && !this.#out.closed) this.#ctx.heldSessions.hold(this.player, [id]);
  }

  /** A join or resume leaves for the room; true if it took back a membership held for this player. */
  #begin(id: string): boolean {
    this.#rooms.begin(id);
    return this.#ctx.held.adopt(this.player, id);
  }

  /**
   * A room accepted a join or resume (its lines up to `seq` came with it): it is this connection's
   * now, and its lines and presence reach this socket. False if the socket closed meanwhile (its
   * close held the room, pending joins included).
   */
  #accepted(id: string, members: readonly string[], seq: number): boolean {
    this.#rooms.settle(id);
    if (this.#out.closed) return false;
    // First socket of the room here: nobody here is owed a line up to `seq`. Otherwise the others
    // may be (a gap the next line repairs), and this socket then gets again what it has.
    if (!this.#ctx.local.has(id)) this.#ctx.linesSeen(id, seq);
    if (!this.#rooms.has(id)) {
      this.#rooms.accepted.add(id);
      this.#ws.subscribe(roomTopic(id));
    }
    this.#ctx.local.add(id, this, members);
    return true;
  }

  /** A room refused a join or resume (or did not answer): nothing of it stays on the connection. */
  #refusedBy(id: string, adopted: boolean): void {
    this.#rooms.settle(id);
    // A membership taken back from the hold and not confirmed goes back to the hold.
    if (adopted && !this.#rooms.has(id) && !this.#out.closed) this.#ctx.held.hold(this.player, [id]);
  }

  #detach(id: string): void {
    this.#rooms.accepted.delete(id);
    this.#out.forget(id);
    this.#ws.unsubscribe(roomTopic(id));
    this.#ctx.local.remove(id, this);
  }

  /** A fresh resume token for the rooms as they are now, after the answers that changed them. */
  #issueResumeToken(ref?: string): void {
    const rooms = [...this.#rooms.accepted];
    const sessions = [...this.#sessions.accepted];
    const { key, resumeTokenTtlMs } = this.#ctx;
    this.#tokens = this.#tokens
      .then(() => signResumeToken(key, { player: this.player, character: this.character, rooms, sessions }, resumeTokenTtlMs))
      .then(
        (token) => this.#out.send(sessions.length === 0 ? { type: 'resume-token', token, rooms, ref } : { type: 'resume-token', token, rooms, sessions, ref }),
        (err: unknown) => this.#failed('resume', err, ref),
      );
  }

  // ---- called by the gateway ----

  presence(text: string, roomId: string, subject: string | undefined): void {
    if (this.#out.closed || subject === this.player || !this.#rooms.has(roomId)) return;
    // Presence is a snapshot: skipping one loses nothing once a later one, or the snapshot sent on
    // drain, arrives. Lines are never skipped.
    this.#out.presence(roomId, text);
  }

  /**
   * A moderator kicked this player out of a room: `text` (the `moderated` frame) is the last it gets
   * of the room, and the next resume token leaves the room out.
   */
  kicked(roomId: string, text: string): void {
    if (this.#out.closed || !this.#rooms.has(roomId)) return;
    this.#detach(roomId);
    this.#out.write(text);
    this.#issueResumeToken();
  }

  /** uWS drain handler: the socket's output went down; owed presence snapshots go out. */
  onDrain(): void {
    this.#out.drained((id) => this.#rooms.has(id));
  }

  overLimit(): boolean {
    return this.#out.overLimit();
  }

  closeSlow(): void {
    this.#out.closeSlow();
  }

  /** The socket is gone (uWS close handler): its rooms are held for the resume window, then left. */
  onClose(): void {
    if (this.#out.closed) return;
    this.#out.close();
    this.#edge.release(this.#address);
    if (this.#expiry !== null) clearTimeout(this.#expiry);
    for (const id of this.#rooms.accepted) this.#ctx.local.remove(id, this);
    // Joins still on their way may be accepted after the close: held (or left) like the others.
    const rooms = this.#rooms.takeAll();
    if (this.#ctx.closing) for (const id of rooms) this.#ctx.leave(this.player, id);
    else this.#ctx.held.hold(this.player, rooms);
    for (const id of this.#sessions.accepted) this.#ctx.sessions.remove(id, this);
    const sessions = this.#sessions.takeAll();
    if (this.#ctx.closing) for (const id of sessions) this.#ctx.leaveSession(this.player, id);
    else this.#ctx.heldSessions.hold(this.player, sessions);
  }

  /** Closes the socket because the same player connected again; the close handler does the rest. */
  replace(): void {
    this.#out.sendError(ProtocolErrors.REPLACED, 'this player connected again; this connection is closed');
    this.end(CloseCodes.REPLACED, 'replaced');
  }

  end(code: number, reason: string): void {
    this.#out.end(code, reason);
  }

  // ---- helpers ----

  #armExpiry(): void {
    const left = this.#claims.expiresAt - Date.now();
    this.#expiry = setTimeout(() => {
      if (this.#claims.expiresAt > Date.now()) return this.#armExpiry();
      this.#out.sendError(ProtocolErrors.TOKEN_EXPIRED, 'the access token expired: reconnect with a new one and resume');
      this.end(CloseCodes.TOKEN_EXPIRED, 'token expired');
    }, Math.min(Math.max(left, 0), MAX_TIMER_MS));
    this.#expiry.unref();
  }

  /** Takes the text's UTF-8 bytes from the player's text budget; false (refused, answered) if it is spent. */
  #spend(text: string, ref: string | undefined): boolean {
    const waitMs = this.#edge.text.take(this.player, Buffer.byteLength(text, 'utf8'));
    if (waitMs === 0) return true;
    this.#refuse(ProtocolErrors.TEXT_RATE_LIMITED, `too much text: retry in ${waitMs} ms`, ref, waitMs);
    return false;
  }

  #history: HistoryAccess | undefined;

  #historyAccess(): HistoryAccess {
    return (this.#history ??= {
      member: (kind, id) => (kind === 'room' ? this.#rooms.has(id) : this.#sessions.has(id)),
      moderator: this.#claims.roles.includes('moderator'),
      ask: (kind, id, msg) => (kind === 'room' ? this.#ctx.local.ref(id).ask(msg) : this.#ctx.sessions.ref(id).ask(msg)),
      archive: this.#ctx.archive,
      send: (frame) => this.#out.send(frame as never),
      refuse: (code, message, ref) => this.#refuse(code, message, ref),
      failed: (err, ref) => this.#failed('history', err, ref),
    });
  }

  #notInSession(id: string, ref: string | undefined): void {
    this.#refuse(ProtocolErrors.NOT_IN_SESSION, `not in session ${id}: join it first`, ref);
  }

  #notInRoom(roomId: string, ref: string | undefined): void {
    this.#refuse(ProtocolErrors.NOT_IN_ROOM, `not in room ${roomId}: join it first`, ref);
  }

  /** A refusal the gateway decides: counted, logged at debug, answered. */
  #refuse(code: string, message: string, ref: string | undefined, retryAfterMs?: number): void {
    this.#ctx.refused(code);
    this.#ctx.log.debug({ player: this.player, code }, 'frame refused');
    this.#out.sendError(code, message, ref, retryAfterMs);
  }

  /** An override refused before it reached the desk: audited first, then answered. */
  #refuseOverride(frame: OverrideFrame, code: string, message: string, ref: string | undefined): void {
    this.#answerAfter(this.#ctx.overrides.refuse(this.#claims, frame, code), code, message, ref);
  }

  #answerAfter(audited: Promise<void>, code: string, message: string, ref: string | undefined): void {
    audited.then(() => this.#refuse(code, message, ref));
  }


  /** A rejected ask: its runtime or actor code goes to the client as is. */
  #failed(frameType: ClientFrameType, err: unknown, ref: string | undefined): void {
    const code = typeof (err as { code?: unknown })?.code === 'string' ? (err as { code: string }).code : ProtocolErrors.INTERNAL;
    // An actor crash's message is the thrown error's: internal, so the client only gets the code.
    const internal = code === ProtocolErrors.INTERNAL || code === ProtocolErrors.ACTOR_FAILED;
    const message = internal ? 'the request failed inside the server' : (err as Error).message;
    this.#ctx.log.debug({ player: this.player, frameType, code }, 'request refused');
    this.#out.sendError(code, message, ref);
  }

}
