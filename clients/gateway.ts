import uWS from 'uWebSockets.js';
import type { RoomDelivery } from '../actors/index.js';
import { ErrorCodes, GlassError, InvalidOptionError, type GlassNode, type Logger } from '../runtime/index.js';
import { Connection, roomTopic, type ConnectionContext, type SocketData } from './connection.js';
import { CloseCodes, IdSchema, ProtocolErrors, ProtocolLimits } from './protocol.js';

export interface GatewayOptions {
  node: GlassNode;
  /** 0 picks a free port; `Gateway.port` tells which. */
  port: number;
  /** Default 0.0.0.0. */
  host?: string;
  /** Largest client frame read, in bytes; larger ones get GLASS_ERR_FRAME_TOO_LARGE. Default 16384. */
  maxFrameBytes?: number;
  /** Default: a child of the node's logger. */
  logger?: Logger;
}

export const GatewayErrors = {
  LISTEN_FAILED: 'GLASS_ERR_LISTEN_FAILED',
} as const;

/** uWS closes the socket on frames above its own limit; ours is lower so most get an error frame instead. */
const UWS_PAYLOAD_FACTOR = 4;
/** Unsent bytes a socket may queue; beyond it the socket is closed rather than silently skipped by publish. */
const MAX_BACKPRESSURE_BYTES = 1024 * 1024;

/**
 * The node's WebSocket edge: one uWS app on the main thread. Identity comes from `?player=<id>`
 * for now; signed tokens replace it in a later issue (until then, anyone can claim any id).
 *
 * Room fan-out: a room sends one `room-event` per gateway node that has members; the gateway
 * publishes it to the uWS topic `room:<id>`, and uWS writes it to every subscribed socket.
 */
export class Gateway {
  readonly node: GlassNode;
  readonly #log: Logger;
  readonly #app: uWS.TemplatedApp;
  readonly #maxFrameBytes: number;
  /** One connection per player on this node: rooms key members by player, not by socket. */
  readonly #players = new Map<string, Connection>();
  readonly #pendingLeaves = new Set<Promise<unknown>>();
  readonly #context: ConnectionContext;
  #listenSocket: uWS.us_listen_socket | null = null;
  #unbind: (() => void) | null = null;
  #port = 0;
  #closed = false;

  private constructor(options: GatewayOptions) {
    this.node = options.node;
    this.#log = options.logger ?? options.node.log.child({ component: 'gateway' });
    this.#maxFrameBytes = options.maxFrameBytes ?? ProtocolLimits.DEFAULT_MAX_FRAME_BYTES;
    this.#context = {
      node: this.node,
      log: this.#log,
      maxFrameBytes: this.#maxFrameBytes,
      trackLeave: (pending) => {
        const settled = pending.then(noop, noop).finally(() => this.#pendingLeaves.delete(settled));
        this.#pendingLeaves.add(settled);
      },
    };
    this.#app = uWS.App();
    this.#routes();
  }

  static async start(options: GatewayOptions): Promise<Gateway> {
    validate(options);
    const gateway = new Gateway(options);
    gateway.#unbind = gateway.node.bind({ kind: 'gateway', id: gateway.node.id }, gateway.#onRoomDelivery);
    try {
      await gateway.#listen(options.host ?? '0.0.0.0', options.port);
    } catch (err) {
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
    this.#app.ws<SocketData>('/ws', {
      maxPayloadLength: this.#maxFrameBytes * UWS_PAYLOAD_FACTOR,
      maxBackpressure: MAX_BACKPRESSURE_BYTES,
      closeOnBackpressureLimit: 1, // typed as a number by the package, read as a boolean by uWS
      idleTimeout: 120,
      sendPingsAutomatically: true,
      upgrade: (res, req, context) => {
        // getQuery(key) is typed string but is undefined when absent in some uWS builds.
        const player = req.getQuery('player') ?? '';
        if (this.#closed || !IdSchema.safeParse(player).success) {
          const status = this.#closed ? '503 Service Unavailable' : '400 Bad Request';
          const body = this.#closed
            ? { code: ProtocolErrors.NODE_CLOSED, message: 'the server is shutting down' }
            : { code: ProtocolErrors.BAD_PLAYER, message: 'query parameter "player" must be 1 to 128 of A-Z a-z 0-9 . _ -' };
          res.writeStatus(status).writeHeader('content-type', 'application/json').end(JSON.stringify(body));
          return;
        }
        const data: SocketData = { player, connection: null };
        res.upgrade(data, req.getHeader('sec-websocket-key'), req.getHeader('sec-websocket-protocol'), req.getHeader('sec-websocket-extensions'), context);
      },
      open: (ws) => {
        const data = ws.getUserData();
        const connection = new Connection(ws, data.player, this.#context);
        data.connection = connection;
        this.#players.get(data.player)?.replace();
        this.#players.set(data.player, connection);
        connection.open();
        this.#log.debug({ player: data.player }, 'connected');
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
      close: (ws, code) => {
        const data = ws.getUserData();
        const connection = data.connection;
        if (connection === null) return;
        connection.onClose();
        if (this.#players.get(data.player) === connection) this.#players.delete(data.player);
        this.#log.debug({ player: data.player, code }, 'disconnected');
      },
    });
    this.#app.get('/healthz', (res) => {
      const workers = this.node.supervisor.live().length;
      res.writeHeader('content-type', 'application/json').end(JSON.stringify({ node: this.node.id, workers }));
    });
    this.#app.any('/*', (res) => {
      res.writeStatus('404 Not Found').end();
    });
  }

  /**
   * Publishes a room's event to the room's topic, one microtask later. Why later: a room sends its
   * events and its replies over one FIFO port, so a `join` reply is received before every line said
   * after that join. Settling the reply queues the join callback (which subscribes the socket) as
   * a microtask; deferring each publish by exactly one microtask keeps that order, so a joiner
   * gets every line after its `joined` seq and none before it. Publishing synchronously would
   * drop the lines that arrive in the same batch as the join reply (a room that handles the join
   * and a later say in one turn, as rooms did before they saved after every message).
   */
  readonly #onRoomDelivery = (msg: RoomDelivery): void => {
    if (msg?.type !== 'room-event') throw new GlassError(ErrorCodes.UNKNOWN_MESSAGE, 'a gateway only takes room-event messages');
    const topic = roomTopic(msg.event.room);
    const text = JSON.stringify(msg.event);
    queueMicrotask(() => {
      if (!this.#closed) this.#app.publish(topic, text);
    });
  };

  /** Stops listening, closes every socket, waits for their rooms to be left. The node stays up. Idempotent. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    if (this.#listenSocket !== null) uWS.us_listen_socket_close(this.#listenSocket);
    this.#listenSocket = null;
    for (const connection of [...this.#players.values()]) connection.end(CloseCodes.GOING_AWAY, 'server shutting down');
    this.#players.clear();
    // Also drops idle HTTP keep-alive connections (health checkers), which would otherwise keep
    // the process alive. Missing from the package's types, present in the 20.30 binary.
    const app = this.#app as unknown as { close?: () => void };
    if (typeof app.close === 'function') app.close();
    await Promise.allSettled([...this.#pendingLeaves]);
    this.#unbind?.();
    this.#log.info('gateway closed');
  }
}

function noop(): void {}

function validate(options: GatewayOptions): void {
  if (options === null || typeof options !== 'object') throw new InvalidOptionError('', 'an object', options);
  if (options.node === null || typeof options.node !== 'object' || typeof options.node.bind !== 'function') {
    throw new InvalidOptionError('node', 'a started GlassNode', options.node);
  }
  if (!Number.isInteger(options.port) || options.port < 0 || options.port > 65_535) {
    throw new InvalidOptionError('port', 'an integer from 0 to 65535', options.port);
  }
  if (options.host !== undefined && (typeof options.host !== 'string' || options.host.length === 0)) {
    throw new InvalidOptionError('host', 'a non-empty string', options.host);
  }
  const max = options.maxFrameBytes;
  if (max !== undefined && (!Number.isInteger(max) || max < 64 || max > 16 * 1024 * 1024)) {
    throw new InvalidOptionError('maxFrameBytes', 'an integer from 64 to 16777216', max);
  }
}

export function startGateway(options: GatewayOptions): Promise<Gateway> {
  return Gateway.start(options);
}
