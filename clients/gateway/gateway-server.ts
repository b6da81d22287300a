import { EventEmitter } from 'node:events';
import uWS from 'uWebSockets.js';
import { room, session, type RoomDelivery, type SessionDelivery } from '../../actors/index.js';
import { ErrorCodes, GATEWAY_KIND, GlassError, type Logger } from '../../runtime/index.js';
import { nodeReadiness, type GlassNode } from '../../runtime/node/index.js';
import { CloseCodes, ProtocolErrors } from '../protocol/index.js';
import { Connection, roomTopic, type ConnectionContext, type RoomRef, type SocketData } from './connection.js';
import { sessionTopic, type SessionRef } from './connection-context.js';
import { SessionOrder } from './session-order.js';
import type { ResolvedGatewayServerOptions } from './gateway-options.js';
import type { GatewayParts, MountContext } from './gateway-parts.js';
import { HeldRooms } from './held-rooms.js';
import { LineOrder } from './line-order.js';
import { LocalRooms } from './local-rooms.js';
import { count, type GatewayEvents, type GatewayStats } from './gateway-stats.js';
import { RateLimiter } from './rate-limiter.js';
import { upgradeWithToken, type UpgradeContext } from './token-upgrade.js';
import { guardedApp } from './guarded-app.js';
import { GmQueueRelay, MODERATORS_TOPIC } from './gm-queue-relay.js';
import { ConnectionSearch } from './connection-search.js';

export type { GatewayEvents, GatewayStats };

export const GatewayErrors = {
  LISTEN_FAILED: 'GLASS_ERR_LISTEN_FAILED',
} as const;

/** How often idle rate-limit buckets are forgotten. */
const SWEEP_INTERVAL_MS = 10_000;

/**
 * The node's WebSocket edge: one uWS app on the main thread. A connection needs a signed access
 * token (see access-token.ts), checked before the upgrade. It serves; it composes nothing: the
 * override handler and the HTTP products mounted beside /ws (moderation API, ops) come from
 * whoever composes the node (clients/serve.ts), through GatewayParts.
 *
 * Room fan-out: a room sends one `room-event` per gateway node that has members; the gateway
 * publishes lines to the uWS topic `room:<id>` (uWS writes them to every subscribed socket) and
 * sends presence socket by socket, so a backed-up socket can skip it.
 */
export class GatewayServer {
  readonly node: GlassNode;
  readonly #o: ResolvedGatewayServerOptions;
  readonly #parts: GatewayParts;
  readonly #log: Logger;
  readonly #app: uWS.TemplatedApp;
  /** One connection per player on this node: rooms key members by player, not by socket. */
  readonly #players = new Map<string, Connection>();
  readonly #local: LocalRooms<Connection, RoomRef>;
  /** Each room's lines published once and in order, gaps repaired from the room's history. */
  readonly #lines = new LineOrder(
    (id, after) =>
      this.#local.ref(id).ask({ type: 'lines', after }).then((reply) => reply.lines.map((line) => ({ seq: line.seq, text: JSON.stringify({ type: 'said', room: id, line }) }))),
    (id, text) => this.#publish(id, text),
  );
  readonly #held: HeldRooms;
  readonly #sessions: LocalRooms<Connection, SessionRef>;
  readonly #heldSessions: HeldRooms;
  /** What of each session was published here: no narration chunk twice, across a session's resume. */
  readonly #sessionOrder = new SessionOrder();
  #unwatch: (() => void) | null = null;
  readonly #limiter: RateLimiter;
  readonly #pendingLeaves = new Set<Promise<unknown>>();
  readonly #context: ConnectionContext;
  readonly #events = new EventEmitter();
  readonly #stats: GatewayStats = { connections: 0, heldRooms: 0, refused: {}, upgradesRefused: {}, slowConsumerCloses: 0, handlerFailures: {} };
  readonly #sweep: NodeJS.Timeout;
  /** The human GM queue's changes, to this node's moderator sockets. */
  readonly #gm: GmQueueRelay;
  #listenSocket: uWS.us_listen_socket | null = null;
  #unbind: (() => void) | null = null;
  #port = 0;
  #closed = false;

  private constructor(o: ResolvedGatewayServerOptions, parts: GatewayParts) {
    this.#o = o;
    this.#parts = parts;
    this.node = o.node;
    this.#log = o.log;
    this.#local = new LocalRooms<Connection, RoomRef>((id) => room.ref(o.node, id));
    this.#limiter = new RateLimiter(o.rateLimit);
    this.#gm = new GmQueueRelay(o.node, o.log);
    this.#held = new HeldRooms(o.resumeWindowMs, (player, id) => this.#leave(player, id, true));
    this.#sessions = new LocalRooms<Connection, SessionRef>((id) => session.ref(o.node, id));
    this.#heldSessions = new HeldRooms(o.resumeWindowMs, (player, id) => this.#leaveSession(player, id));
    const gateway = this;
    this.#context = {
      node: o.node,
      log: o.log,
      key: o.resumeKey,
      maxFrameBytes: o.maxFrameBytes,
      limiter: this.#limiter,
      held: this.#held,
      local: this.#local,
      resumeWindowMs: o.resumeWindowMs,
      resumeTokenTtlMs: o.resumeTokenTtlMs,
      softLimitBytes: o.softLimitBytes,
      hardLimitBytes: o.hardLimitBytes,
      overrides: parts.overrides,
      archive: parts.archive ?? null,
      get closing() {
        return gateway.#closed;
      },
      leave: (player, id) => this.#leave(player, id, false),
      refused: (code) => count(this.#stats.refused, code),
      slowConsumer: (player) => {
        this.#stats.slowConsumerCloses++;
        this.#log.info({ player }, 'slow consumer closed');
        this.#events.emit('slow-consumer', player);
      },
      linesSeen: (id, seq) => gateway.#lines.seen(id, seq),
      sessions: this.#sessions,
      heldSessions: this.#heldSessions,
      leaveSession: (player, id) => this.#leaveSession(player, id),
      sessionSeen: (id, running) => gateway.#sessionOrder.seen(id, running),
      search: new ConnectionSearch(parts.search ?? null, (code) => count(this.#stats.refused, code)),
      hubHop: parts.observeHubHop === undefined ? null : (seconds) => parts.observeHubHop!(seconds),
    };
    this.#app = guardedApp(uWS.App(), { log: this.#log, caught: (where) => count(this.#stats.handlerFailures, where) });
    this.#routes();
    this.#sweep = setInterval(() => {
      this.#limiter.sweep();
      this.#lines.prune((id) => this.#local.has(id));
      this.#sessionOrder.prune((id) => this.#sessions.has(id));
    }, SWEEP_INTERVAL_MS);
    this.#sweep.unref();
  }

  /** Options as resolveGatewayServerOptions returns them; the parts are mounted before it listens. */
  static async start(options: ResolvedGatewayServerOptions, parts: GatewayParts): Promise<GatewayServer> {
    const gateway = new GatewayServer(options, parts);
    gateway.#unbind = gateway.node.bind({ kind: GATEWAY_KIND, id: gateway.node.id }, gateway.#onRoomDelivery);
    // A worker died: its sessions come back only when a message reaches them. Those with sockets
    // here are woken, so a turn that was running resumes (the session's onActivate) and streams on.
    gateway.#unwatch = gateway.node.supervisor.onRestart(() => {
      for (const id of gateway.#sessions.ids()) gateway.#sessions.ref(id).tell({ type: 'wake' });
    });
    try {
      await gateway.#listen(gateway.#o.host, gateway.#o.port);
    } catch (err) {
      clearInterval(gateway.#sweep);
      gateway.#unbind();
      throw err;
    }
    gateway.#log.info({ port: gateway.port }, 'gateway listening');
    return gateway;
  }

  get port(): number {
    return this.#port;
  }

  get connections(): number {
    return this.#players.size;
  }

  stats(): GatewayStats {
    return {
      ...this.#stats,
      connections: this.#players.size,
      heldRooms: this.#held.size,
      refused: { ...this.#stats.refused },
      upgradesRefused: { ...this.#stats.upgradesRefused },
      handlerFailures: { ...this.#stats.handlerFailures },
    };
  }

  /** Listens to a gateway event; returns the function that stops listening. */
  on<E extends keyof GatewayEvents>(event: E, listener: (...args: GatewayEvents[E]) => void): () => void {
    this.#events.on(event, listener as (...args: unknown[]) => void);
    return () => this.#events.off(event, listener as (...args: unknown[]) => void);
  }

  #listen(host: string, port: number): Promise<void> {
    return new Promise((resolve, reject) => {
      this.#app.listen(host, port, (socket) => {
        if (socket === false) {
          return reject(new GlassError(GatewayErrors.LISTEN_FAILED, `gateway could not listen on ${host}:${port}`, { host, port }));
        }
        this.#listenSocket = socket;
        this.#port = uWS.us_socket_local_port(socket as unknown as uWS.us_socket);
        resolve();
      });
    });
  }

  #routes(): void {
    const o = this.#o;
    const upgrades: UpgradeContext = { key: o.key, closing: () => this.#closed, refused: (code) => count(this.#stats.upgradesRefused, code), edge: o.edge };
    this.#app.ws<SocketData>('/ws', {
      // Frames up to the limit plus headroom are read, so an oversized one is answered with an
      // error frame; only larger ones make uWS drop the socket (1006), as it does invalid UTF-8.
      maxPayloadLength: o.maxReadBytes,
      // Our hard limit closes a socket (4008) before uWS's would skip it silently on publish: uWS's
      // is set well above ours, and every send and publish checks ours.
      maxBackpressure: o.hardLimitBytes * 4,
      closeOnBackpressureLimit: 0,
      idleTimeout: 120,
      sendPingsAutomatically: true,
      upgrade: (res, req, context) => upgradeWithToken(res, req, context, upgrades),
      open: (ws) => {
        const data = ws.getUserData();
        const connection = new Connection(ws, data.claims, this.#context);
        data.connection = connection;
        this.#players.get(connection.player)?.replace();
        this.#players.set(connection.player, connection);
        connection.open();
        if (data.claims.roles.includes('moderator')) {
          ws.subscribe(MODERATORS_TOPIC);
          this.#gm.moderatorConnected();
        }
        this.#log.debug({ player: connection.player }, 'connected');
      },
      message: (ws, message, isBinary) => {
        const connection = ws.getUserData().connection;
        if (connection === null) return;
        try {
          connection.onMessage(message, isBinary);
        } catch (err) {
          // Decoding never throws; this is a bug in dispatch. The socket survives it.
          this.#log.error({ player: connection.player, err: err instanceof Error ? err.message : String(err) }, 'frame handling failed');
        }
      },
      drain: (ws) => ws.getUserData().connection?.onDrain(),
      close: (ws, code, message) => {
        const connection = ws.getUserData().connection;
        if (connection === null) return;
        connection.onClose();
        if (this.#players.get(connection.player) === connection) this.#players.delete(connection.player);
        // uWS's own refusals (a frame over maxReadBytes, invalid UTF-8) arrive here as 1006 and a reason.
        const reason = code === 1006 ? Buffer.from(message).toString('utf8').slice(0, 64) : undefined;
        this.#log.debug({ player: connection.player, code, reason }, 'disconnected');
      },
    });
    this.#app.get('/healthz', (res) => {
      const workers = this.node.supervisor.live().length;
      res.writeHeader('content-type', 'application/json').end(JSON.stringify({ node: this.node.id, workers }));
    });
    // Readiness, not liveness: 503 with the parts that are not ready (a worker down, the store
    // restarting, Redis unreachable in a cluster), so a balancer sends players elsewhere meanwhile.
    this.#app.get('/readyz', (res) => {
      const readiness = nodeReadiness(this.node);
      res
        .writeStatus(readiness.ready ? '200 OK' : '503 Service Unavailable')
        .writeHeader('content-type', 'application/json')
        .writeHeader('cache-control', 'no-store')
        .end(JSON.stringify({ node: this.node.id, ...readiness }));
    });
    const mountContext: MountContext = {
      app: this.#app,
      limiter: this.#limiter,
      closing: () => this.#closed,
      refused: (code) => count(this.#stats.refused, code),
    };
    for (const part of this.#parts.mounts) part.mount(mountContext);
    this.#app.any('/*', (res) => {
      res.writeStatus('404 Not Found').end();
    });
  }

  /**
   * Delivers a room's event one microtask later. Why later: a room sends its events and its
   * replies over one FIFO port, so a `join` reply is received before every line said after that
   * join. Settling the reply queues the join callback (which subscribes the socket) as a
   * microtask; deferring each delivery by exactly one microtask keeps that order, so a joiner gets
   * every line after its `joined` seq and none before it.
   */
  readonly #onRoomDelivery = (msg: RoomDelivery | SessionDelivery): void => {
    if (msg?.type === 'override-applied') return this.#parts.overrides.applied(msg.audit.id);
    const gm = this.#gm.frameOf(msg);
    if (gm !== null) {
      if (!this.#closed) this.#app.publish(MODERATORS_TOPIC, gm);
      return;
    }
    if (msg?.type === 'session-event') {
      const event = msg.event;
      // Deferred one microtask, as room events are: a join's answer subscribes its socket first.
      queueMicrotask(() => {
        if (this.#closed || !this.#sessionOrder.admit(event)) return;
        // The ops turn-latency signal reads real turns: acceptance to commit, as the session measured it.
        if ((event.type === 'turn-committed' || event.type === 'turn-failed') && event.ms !== undefined) this.#parts.observeTurnLatency?.(event.ms);
        // Everything, presence included, goes over the topic: one seq-ordered stream per session.
        this.#app.publish(sessionTopic(event.session), JSON.stringify(event));
        this.#sessions.checkBackpressure(event.session);
      });
      return;
    }
    if (msg?.type !== 'room-event') throw new GlassError(ErrorCodes.UNKNOWN_MESSAGE, 'a gateway only takes room-event and override-applied messages');
    const event = msg.event;
    const id = event.room;
    const text = JSON.stringify(event);
    if (event.type === 'said') {
      const seq = event.line.seq;
      queueMicrotask(() => this.#lines.line(id, seq, text));
    } else if (event.type === 'moderated') {
      // Published like a line (same order as the room's lines). A kicked player's socket leaves the
      // topic first and gets the event directly: uWS delivers topic messages later, after the
      // unsubscription. The moderator waiting on this node hears back by the audit id.
      queueMicrotask(() => {
        if (!this.#closed) {
          if (event.command === 'kick' && event.player !== undefined) {
            this.#held.adopt(event.player, id);
            this.#players.get(event.player)?.kicked(id, text);
          }
          // A narration is a numbered line: it takes its place in the room's order.
          if (event.line !== undefined) this.#lines.line(id, event.line.seq, text);
          else this.#publish(id, text);
        }
        this.#parts.overrides.applied(event.audit.id);
      });
    } else {
      const subject = event.joined ?? event.left;
      queueMicrotask(() => {
        if (!this.#closed) this.#local.presence(id, text, event.members, subject);
      });
    }
  };

  /** Sends a frame to the room's sockets on this node, then closes those backed up past the hard limit. */
  #publish(id: string, text: string): void {
    if (this.#closed) return;
    this.#app.publish(roomTopic(id), text);
    this.#local.checkBackpressure(id);
  }

  /** Leaves a session for a player, if this node still holds it there; tracked so close can wait. */
  #leaveSession(player: string, id: string): void {
    const settled = this.#sessions.ref(id).ask({ type: 'leave-session', player, node: this.node.id }).then(noop, noop).finally(() => this.#pendingLeaves.delete(settled));
    this.#pendingLeaves.add(settled);
  }

  /** Leaves a room for a player, if this node still holds it there; tracked so close can wait. */
  #leave(player: string, id: string, endOfHold: boolean): void {
    const pending = this.#local.ref(id).ask({ type: 'leave', player, node: this.node.id });
    if (endOfHold) {
      pending.then(
        (reply) => this.#events.emit('hold-ended', player, id, reply.left),
        (err: unknown) => this.#log.warn({ player, room: id, code: (err as { code?: string })?.code }, 'leave at the end of a hold failed'),
      );
    }
    const settled = pending.then(noop, noop).finally(() => this.#pendingLeaves.delete(settled));
    this.#pendingLeaves.add(settled);
  }

  /**
   * Stops listening, closes every socket (1001: clients resume on another node), leaves their rooms
   * and the held ones, and waits for those leaves. The node stays up. Idempotent.
   */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    clearInterval(this.#sweep);
    if (this.#listenSocket !== null) uWS.us_listen_socket_close(this.#listenSocket);
    this.#listenSocket = null;
    for (const part of this.#parts.mounts) part.close?.();
    for (const connection of [...this.#players.values()]) connection.end(CloseCodes.GOING_AWAY, 'server shutting down');
    this.#players.clear();
    for (const [player, id] of this.#held.releaseAll()) this.#leave(player, id, false);
    for (const [player, id] of this.#heldSessions.releaseAll()) this.#leaveSession(player, id);
    this.#unwatch?.();
    // Also drops idle HTTP keep-alive connections (health checkers), which would otherwise keep
    // the process alive. Missing from the package's types, present in the 20.30 binary.
    const app = this.#app as unknown as { close?: () => void };
    if (typeof app.close === 'function') app.close();
    await Promise.allSettled([...this.#pendingLeaves]);
    this.#parts.overrides.close();
    this.#unbind?.();
    this.#log.info('gateway closed');
  }
}

function noop(): void {}
