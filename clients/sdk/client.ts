// GlassClient: one player's connection to a Glass gateway, kept alive across drops. It sends
// requests matched by `ref`, reports room events, and after an unexpected close reconnects with
// backoff and takes its rooms back (resume), so every line reaches the app once, in order.
import { CloseCodes, ProtocolErrors, type ServerFrame, type ServerFrameOf } from '../protocol/index.js';
import { closeCause } from './close-cause.js';
import { deferred, type Deferred } from './deferred.js';
import { reconnectDelay } from './backoff.js';
import { attemptUrl, renewable } from './endpoint.js';
import { ClientErrors, GlassClientError, type GlassClientErrorDetails } from './errors.js';
import { Outbox } from './outbox.js';
import { Emitter, type ClientState, type GlassClientEventName, type Listener, type RoomLine, type RoomSnapshot, type Welcome } from './events.js';
import { resolveOptions, type GlassClientOptions, type ResolvedOptions } from './options.js';
import { planResume, type HeldToken } from './resume-plan.js';
import { sendRepairs } from './resume-repairs.js';
import { RoomBook } from './room-book.js';
import { requestSearch, type SearchHit, type SearchOptions } from './search.js';
import { SessionBook } from './session-book.js';
import { applySessionEvent, type SessionEventFrame } from './session-events.js';
import type { TimerPurpose } from './scheduler.js';
import { Link, type LinkClosed } from './socket.js';
import { requestHistory, type HistoryOptions, type HistoryPageOf, type HistoryTarget } from './history.js';

type TimerSlot = 'reconnect' | 'connect';

export class GlassClient {
  readonly #o: ResolvedOptions;
  readonly #events = new Emitter();
  readonly #outbox: Outbox;
  readonly #rooms = new RoomBook();
  readonly #sessions = new SessionBook();
  /** The sessions the latest resume token covers. */
  #tokenSessions: string[] = [];
  #state: ClientState = 'idle';
  #link: Link | null = null;
  /** `welcome` of the current link; null until it arrives. */
  #welcome: Welcome | null = null;
  #lastWelcome: Welcome | null = null;
  #resumeToken: HeldToken | null = null;
  /** The resume under way on the current link. */
  #resume: { ref: string; timer: unknown; answered: Set<string> } | null = null;
  /** Failed reconnection attempts in a row. */
  #attempt = 0;
  /** Bumped by every attempt and by close(), so a late token or URL lookup is dropped. */
  #generation = 0;
  #connecting: Deferred<Welcome> | null = null;
  readonly #timers: Record<TimerSlot, unknown> = { reconnect: null, connect: null };

  constructor(options: GlassClientOptions) {
    this.#o = resolveOptions(options);
    const client = this;
    this.#outbox = new Outbox(this.#o, {
      get state() {
        return client.#state;
      },
      get link() {
        return client.#link;
      },
    });
  }

  get state(): ClientState {
    return this.#state;
  }

  /** The `welcome` of the current connection, or of the last one while reconnecting. */
  get welcome(): Welcome | null {
    return this.#lastWelcome;
  }

  /** The rooms the client is in (taken back after each reconnect). */
  rooms(): string[] {
    return this.#rooms.rooms();
  }

  /** The members of a room the client is in, as last reported. */
  members(room: string): string[] | undefined {
    return this.#rooms.members(room);
  }

  /** Listens to an event; returns the function that stops listening. */
  on<E extends GlassClientEventName>(event: E, listener: Listener<E>): () => void {
    return this.#events.on(event, listener);
  }

  off<E extends GlassClientEventName>(event: E, listener: Listener<E>): void {
    this.#events.off(event, listener);
  }

  /**
   * Opens the connection; resolves with its `welcome`. A first connection that fails rejects with
   * `GLASS_CLIENT_ERR_CONNECT_FAILED` (the client goes back to `idle`, and `connect()` may be called
   * again); drops after that are repaired by reconnection.
   */
  connect(): Promise<Welcome> {
    if (this.#state === 'closed') return Promise.reject(new GlassClientError(ClientErrors.CLOSED, 'the client is closed'));
    if (this.#connecting !== null) return this.#connecting.promise;
    if (this.#state !== 'idle' && this.#lastWelcome !== null) return Promise.resolve(this.#lastWelcome);
    this.#connecting = deferred<Welcome>();
    this.#setState('connecting');
    void this.#attemptConnection();
    return this.#connecting.promise;
  }

  /** Joins a room; resolves with its members, recent lines and last seq. Lines after that seq arrive as `said`. */
  async join(room: string): Promise<RoomSnapshot> {
    const joined = (await this.#outbox.request({ type: 'join', room })) as ServerFrameOf<'joined'>;
    return { room: joined.room, members: joined.members, history: joined.history, seq: joined.seq };
  }

  async leave(room: string): Promise<void> {
    await this.#outbox.request({ type: 'leave', room });
  }

  /** Says a line; resolves with it as the room numbered it (its `said`, which listeners also get). */
  async say(room: string, text: string): Promise<RoomLine> {
    const said = (await this.#outbox.request({ type: 'say', room, text })) as ServerFrameOf<'said'>;
    return said.line;
  }

  /**
   * Joins a narrative session (`access` only counts for the join that creates it); resolves with its
   * members, recent transcript and running turn. Its events then arrive as `narration`,
   * `turn-committed`, `turn-failed`, `session-presence` (each once, in order, across reconnects).
   */
  async joinSession(session: string, options: { access?: 'open' | 'invite'; world?: string } = {}): Promise<Omit<ServerFrameOf<'session-joined'>, 'type' | 'ref'>> {
    const frame = { type: 'join-session', session, ...(options.access !== undefined && { access: options.access }), ...(options.world !== undefined && { world: options.world }) } as const;
    const { type: _type, ref: _ref, ...joined } = (await this.#outbox.request(frame)) as ServerFrameOf<'session-joined'>;
    return joined;
  }

  async leaveSession(session: string): Promise<void> {
    await this.#outbox.request({ type: 'leave-session', session });
  }

  /** Invites a player to an invite-only session this player created (or, as a moderator, any). */
  async invite(session: string, player: string): Promise<void> {
    await this.#outbox.request({ type: 'invite', session, player });
  }

  /** The sessions the client is in. */
  get sessions(): string[] {
    return this.#sessions.sessions();
  }

  /** Takes a turn in a session the client joined; resolves with the turn's number once it is queued (`turn-accepted`). */
  async turn(session: string, text: string): Promise<number> {
    const accepted = (await this.#outbox.request({ type: 'turn', session, text })) as ServerFrameOf<'turn-accepted'>;
    return accepted.turn;
  }

  /** Searches lore (and, for moderators, transcripts): the hits, best first (docs/SDK.md). */
  search(text: string, options?: SearchOptions): Promise<SearchHit[]> {
    return requestSearch((frame) => this.#outbox.request(frame), text, options);
  }

  /** One page of a room's (or, `{ session }`, a session's) whole history, archived part included (see history.ts, historyPages). */
  history<T extends HistoryTarget>(target: T, options: HistoryOptions = {}): Promise<HistoryPageOf<T>> {
    return requestHistory((frame) => this.#outbox.request(frame), target, options);
  }

  /** A round trip to the gateway; resolves with its duration in ms. */
  async ping(): Promise<number> {
    const start = this.#o.scheduler.now();
    await this.#outbox.request({ type: 'ping' });
    return this.#o.scheduler.now() - start;
  }

  /**
   * Closes for good: no reconnection; waiting requests reject with `GLASS_CLIENT_ERR_CLOSED`. The
   * server holds the rooms for its resume window, then leaves them (`leave` first to go at once).
   * Resolves once the socket is closed.
   */
  async close(): Promise<void> {
    if (this.#state === 'closed') return;
    const link = this.#link;
    this.#shutdown(new GlassClientError(ClientErrors.CLOSED, 'the client was closed'), false);
    if (link !== null) await link.ended;
  }

  // ---- connection lifecycle ----

  async #attemptConnection(): Promise<void> {
    const generation = ++this.#generation;
    let url: string;
    try {
      url = await attemptUrl(this.#o.url, this.#o.token);
    } catch (err) {
      if (generation !== this.#generation) return;
      const error = err instanceof GlassClientError ? err : new GlassClientError(ClientErrors.CONNECT_FAILED, 'no URL to connect to', { cause: err });
      return this.#lost(error, null);
    }
    if (generation !== this.#generation) return;
    let link: Link;
    try {
      link = new Link(this.#o.WebSocket, url, {
        frame: (frame) => {
          if (link === this.#link) this.#onFrame(frame);
        },
        badFrame: (detail) => {
          if (link === this.#link) this.#events.emit('error', new GlassClientError(ClientErrors.BAD_SERVER_FRAME, `the server sent ${detail}; it was ignored`));
        },
        closed: (info) => {
          if (link !== this.#link) return;
          this.#link = null;
          this.#lost(closeCause(info, renewable(this.#o.token)), info);
        },
      });
    } catch (err) {
      return this.#lost(new GlassClientError(ClientErrors.CONNECT_FAILED, 'the WebSocket could not be created', { cause: err }), null);
    }
    this.#link = link;
    this.#timers.connect = this.#timer(
      () => {
        this.#timers.connect = null;
        if (this.#welcome === null) this.#dropLink(`no welcome within ${this.#o.connectTimeoutMs} ms`);
      },
      this.#o.connectTimeoutMs,
      'connect',
    );
  }

  /** Abandons the current link (it is closed; its events are ignored) as if it had dropped. */
  #dropLink(reason: string): void {
    const link = this.#link;
    if (link === null) return;
    this.#link = null;
    link.close(1000, reason);
    this.#lost(new GlassClientError(ClientErrors.CONNECTION_LOST, reason), { code: 1006, reason });
  }

  /** The current link is gone (or an attempt failed before it had one): decide what comes next. */
  #lost(cause: GlassClientError, info: LinkClosed | null): void {
    const hadWelcome = this.#welcome !== null;
    this.#welcome = null;
    this.#cancel('connect');
    this.#outbox.cancelPace();
    this.#endResume();
    for (const request of this.#outbox.requests.takeSent()) {
      this.#o.scheduler.clearTimeout(request.timer);
      request.reject(this.#outbox.error(ClientErrors.CONNECTION_LOST, `the connection closed before the answer to ${request.frame.type}: its outcome is unknown`, request, { closeCode: info?.code }));
    }
    if (this.#state === 'closed') return;
    if (this.#connecting !== null) {
      const failed = new GlassClientError(ClientErrors.CONNECT_FAILED, `could not connect: ${cause.message}`, {
        cause,
        closeCode: info?.code,
        upgradeStatus: info?.upgradeStatus,
      });
      for (const request of this.#outbox.requests.takeAll()) this.#outbox.reject(request, failed);
      this.#connecting.reject(failed);
      this.#connecting = null;
      return this.#setState('idle', { error: failed });
    }
    if (info?.code === CloseCodes.REPLACED) return this.#shutdown(cause);
    if (!renewable(this.#o.token) && (info?.code === CloseCodes.TOKEN_EXPIRED || (!hadWelcome && info?.upgradeStatus === 401))) {
      return this.#shutdown(cause);
    }
    if (this.#o.reconnect === null) return this.#shutdown(cause);
    this.#scheduleReconnect(cause);
  }

  #scheduleReconnect(cause: GlassClientError): void {
    const policy = this.#o.reconnect;
    if (policy === null) return;
    if (this.#attempt >= policy.maxAttempts) {
      return this.#shutdown(new GlassClientError(ClientErrors.RECONNECT_FAILED, `gave up after ${this.#attempt} failed reconnection attempts: ${cause.message}`, { cause }));
    }
    const delayMs = reconnectDelay(policy, this.#attempt, this.#o.scheduler.random());
    this.#attempt++;
    this.#setState('reconnecting', { attempt: this.#attempt, delayMs, error: cause });
    this.#timers.reconnect = this.#timer(
      () => {
        this.#timers.reconnect = null;
        void this.#attemptConnection();
      },
      delayMs,
      'reconnect',
    );
  }

  /** Closes for good with `cause`: every waiting request rejects with it (its code), nothing reconnects. */
  #shutdown(cause: GlassClientError, report = true): void {
    if (this.#state === 'closed') return;
    this.#generation++;
    for (const purpose of ['reconnect', 'connect'] as const) this.#cancel(purpose);
    this.#outbox.cancelPace();
    this.#endResume();
    const link = this.#link;
    this.#link = null;
    this.#welcome = null;
    link?.close(1000, 'client closed');
    for (const request of this.#outbox.requests.takeAll()) this.#outbox.reject(request, cause);
    this.#connecting?.reject(cause);
    this.#connecting = null;
    this.#setState('closed', { error: cause });
    if (report) this.#events.emit('error', cause);
  }

  // ---- frames from the server ----

  #onFrame(frame: ServerFrame): void {
    switch (frame.type) {
      case 'welcome':
        return this.#onWelcome(frame);
      case 'joined':
        this.#rooms.reset(frame.room, frame.seq, frame.members);
        return this.#outbox.answer(frame.ref, frame);
      case 'left':
        this.#rooms.remove(frame.room);
        return this.#outbox.answer(frame.ref, frame);
      case 'session-joined':
        this.#sessions.reset(frame.session, frame.seq, frame.members, frame.running);
        return this.#outbox.answer(frame.ref, frame);
      case 'session-left':
        this.#sessions.remove(frame.session);
        return this.#outbox.answer(frame.ref, frame);
      case 'session-presence':
      case 'turn-started':
      case 'narration':
      case 'narration-degraded':
      case 'turn-committed':
      case 'turn-failed':
      case 'turn-checks':
      case 'turn-cancelled':
      case 'session-moderated':
      case 'turn-held':
        return applySessionEvent(this.#sessions, this.#events, frame, false);
      case 'gm-queue': {
        const { type: _type, ...change } = frame;
        return this.#events.emit('gm-queue', change);
      }
      case 'session-resumed': {
        this.#resume?.answered.add('session:' + frame.session);
        if (!this.#sessions.has(frame.session)) return;
        for (const event of frame.events) applySessionEvent(this.#sessions, this.#events, event, true);
        this.#sessions.setMembers(frame.session, frame.members);
        return this.#sessions.saw(frame.session, frame.seq);
      }
      case 'session-resync': {
        this.#resume?.answered.add('session:' + frame.session);
        if (!this.#sessions.has(frame.session)) return;
        this.#sessions.reset(frame.session, frame.seq, frame.members, frame.running);
        const { type: _type, ref: _ref, ...state } = frame;
        return this.#events.emit('session-resync', state);
      }
      case 'invited':
      case 'turn-accepted':
      case 'pong':
      case 'search-results':
      case 'history-page':
        return this.#outbox.answer(frame.ref, frame);
      case 'said':
        return this.#onSaid(frame);
      case 'presence': {
        const { type: _type, ...presence } = frame;
        this.#rooms.setMembers(frame.room, frame.members);
        return this.#events.emit('presence', presence);
      }
      case 'resumed':
        return this.#onResumed(frame);
      case 'resync':
        this.#resume?.answered.add(frame.room);
        if (!this.#rooms.has(frame.room)) return; // a room the client left since the token: left again after the resume
        this.#rooms.reset(frame.room, frame.seq, frame.members);
        return this.#events.emit('resync', { room: frame.room, reason: frame.reason, members: frame.members, history: frame.history, seq: frame.seq });
      case 'resume-token':
        this.#resumeToken = { token: frame.token, rooms: frame.rooms };
        this.#tokenSessions = frame.sessions ?? [];
        this.#events.emit('resumable', { rooms: [...frame.rooms] });
        if (this.#resume !== null && frame.ref === this.#resume.ref) this.#finishResume(frame.rooms, this.#resume.answered);
        return;
      case 'error':
        return this.#onError(frame);
    }
  }

  #onWelcome(frame: ServerFrameOf<'welcome'>): void {
    const { type: _type, ...welcome } = frame;
    this.#cancel('connect');
    this.#welcome = welcome;
    this.#lastWelcome = welcome;
    this.#outbox.pacer.configure(welcome.limits.burst, welcome.limits.perSecond);
    this.#events.emit('welcome', welcome);
    if (this.#connecting !== null) {
      const connecting = this.#connecting;
      this.#connecting = null;
      this.#setState('open');
      connecting.resolve(welcome);
      return this.#outbox.flush();
    }
    this.#setState('resuming');
    this.#startResume();
  }

  #onSaid(frame: ServerFrameOf<'said'>): void {
    const fresh = this.#rooms.accept(frame.room, frame.line);
    if (fresh) this.#events.emit('said', { room: frame.room, line: frame.line, replayed: false });
    if (frame.line.from !== this.#welcome?.player) return;
    const say = this.#outbox.requests.sayFor(frame.room, frame.line.text);
    if (say !== undefined) this.#outbox.settle(say).resolve(frame);
  }

  #onResumed(frame: ServerFrameOf<'resumed'>): void {
    this.#resume?.answered.add(frame.room);
    if (!this.#rooms.has(frame.room)) return;
    const missed = frame.lines.filter((line) => this.#rooms.accept(frame.room, line));
    this.#rooms.reset(frame.room, Math.max(frame.seq, this.#rooms.seqs()[frame.room] ?? 0), frame.members);
    for (const line of missed) this.#events.emit('said', { room: frame.room, line, replayed: true });
    this.#events.emit('resumed', { room: frame.room, members: frame.members, seq: frame.seq, missed });
  }

  #onError(frame: ServerFrameOf<'error'>): void {
    const details: GlassClientErrorDetails = frame.retryAfterMs === undefined ? {} : { retryAfterMs: frame.retryAfterMs };
    if (frame.ref !== undefined && this.#resume !== null && frame.ref === this.#resume.ref) {
      if (frame.code !== ProtocolErrors.RESUME_INVALID) {
        // One room's actor refused; the resume goes on, and the room is joined again after it.
        return this.#events.emit('error', new GlassClientError(frame.code, frame.message, details));
      }
      this.#resumeToken = null;
      return this.#finishResume([], new Set());
    }
    const request = frame.ref === undefined ? undefined : this.#outbox.requests.get(frame.ref);
    if (request === undefined) return this.#events.emit('error', new GlassClientError(frame.code, frame.message, details));
    if (frame.code === ProtocolErrors.RATE_LIMITED && request.rateLimitRetries < this.#o.rateLimitRetries) {
      // The frame was not acted on: send it again first once the bucket has refilled.
      request.rateLimitRetries++;
      this.#outbox.requests.requeue(request);
      this.#outbox.pacer.pause(frame.retryAfterMs ?? 0);
      return this.#outbox.flush();
    }
    this.#outbox.settle(request).reject(this.#outbox.error(frame.code, frame.message, request, details));
  }

  // ---- resume ----

  #startResume(): void {
    const { resume: planned } = planResume(this.#resumeToken, this.#rooms.seqs());
    const sessions: Record<string, number> = {};
    for (const [id, seq] of Object.entries(this.#sessions.seqs())) if (this.#tokenSessions.includes(id)) sessions[id] = seq;
    const withSessions = Object.keys(sessions).length > 0;
    const resume = planned ?? (withSessions && this.#resumeToken !== null ? { token: this.#resumeToken.token, rooms: {} } : null);
    if (resume === null) return this.#finishResume([], new Set());
    const { ref } = this.#outbox.requests.nextRef();
    const timer = this.#timer(() => this.#dropLink(`no answer to the resume within ${this.#o.requestTimeoutMs} ms`), this.#o.requestTimeoutMs, 'request');
    this.#resume = { ref, timer, answered: new Set() };
    this.#outbox.pacer.spend();
    this.#link?.send(withSessions ? { type: 'resume', token: resume.token, rooms: resume.rooms, sessions, ref } : { type: 'resume', token: resume.token, rooms: resume.rooms, ref });
  }

  /** The connection holds `held` (`answered` were taken back): join what it lacks, leave what the client left, then send what waited. */
  #finishResume(held: readonly string[], answered: ReadonlySet<string>): void {
    this.#endResume();
    sendRepairs({ outbox: this.#outbox, rooms: this.#rooms, sessions: this.#sessions, events: this.#events, closed: () => this.#state === 'closed' }, held, answered);
    this.#attempt = 0;
    this.#setState('open');
    this.#outbox.flush();
  }

  #endResume(): void {
    if (this.#resume === null) return;
    this.#o.scheduler.clearTimeout(this.#resume.timer);
    this.#resume = null;
  }

  // ---- helpers ----

  #setState(state: ClientState, extra: { attempt?: number; delayMs?: number; error?: GlassClientError } = {}): void {
    const previous = this.#state;
    if (previous === state && state !== 'reconnecting') return;
    this.#state = state;
    this.#events.emit('state', { state, previous, ...extra });
  }

  #timer(callback: () => void, ms: number, purpose: TimerPurpose): unknown {
    return this.#o.scheduler.setTimeout(callback, ms, purpose);
  }

  #cancel(purpose: TimerSlot): void {
    const handle = this.#timers[purpose];
    if (handle === null) return;
    this.#o.scheduler.clearTimeout(handle);
    this.#timers[purpose] = null;
  }
}
