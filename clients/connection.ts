import type { WebSocket } from 'uWebSockets.js';
import { room, session } from '../actors/index.js';
import type { GlassNode, Logger } from '../runtime/index.js';
import { decodeClientFrame, encodeServerFrame } from './frame-codec.js';
import { CloseCodes, PROTOCOL_VERSION, ProtocolErrors, type ClientFrameType, type ServerFrame } from './protocol.js';

/** What uWS keeps per socket: set at upgrade, the connection attached on open. */
export interface SocketData {
  readonly player: string;
  connection: Connection | null;
}

/** What a connection needs from its gateway. */
export interface ConnectionContext {
  readonly node: GlassNode;
  readonly log: Logger;
  readonly maxFrameBytes: number;
  /** Keeps a leave in flight visible to Gateway.close, which waits for them before the node closes. */
  trackLeave(pending: Promise<unknown>): void;
}

export function roomTopic(roomId: string): string {
  return 'room:' + roomId;
}

/**
 * One player's WebSocket: decodes its frames, turns them into asks to room and session actors, and
 * answers. Room lines do not pass through here: they reach the socket through its uWS topic
 * subscriptions, published once per node by the gateway.
 */
export class Connection {
  readonly player: string;
  readonly #ws: WebSocket<SocketData>;
  readonly #ctx: ConnectionContext;
  /**
   * Rooms this connection asked to join and has not asked to leave. It may over-approximate the
   * room's own member list (a join that failed stays in it): that only costs a harmless `leave`
   * on close and a room-side GLASS_ERR_NOT_MEMBER instead of our GLASS_ERR_NOT_IN_ROOM.
   */
  readonly #rooms = new Set<string>();
  // uWS throws on any call on a socket after its close handler ran; replies to asks arrive later.
  #closed = false;

  constructor(ws: WebSocket<SocketData>, player: string, ctx: ConnectionContext) {
    this.#ws = ws;
    this.player = player;
    this.#ctx = ctx;
  }

  get closed(): boolean {
    return this.#closed;
  }

  open(): void {
    this.#send({ type: 'welcome', v: PROTOCOL_VERSION, player: this.player, node: this.#ctx.node.id });
  }

  onMessage(data: ArrayBuffer, isBinary: boolean): void {
    const decoded = decodeClientFrame(data, isBinary, this.#ctx.maxFrameBytes);
    if (!decoded.ok) {
      this.#ctx.log.debug({ player: this.player, code: decoded.code }, 'frame refused');
      return this.#sendError(decoded.code, decoded.message, decoded.ref);
    }
    const frame = decoded.frame;
    const node = this.#ctx.node;
    switch (frame.type) {
      case 'join': {
        const { room: id, ref } = frame;
        this.#rooms.add(id);
        // .then directly on the router's promise, not await: see Gateway #onRoomDelivery for why
        // the number of microtask hops between the reply and this callback matters.
        room.ref(node, id).ask({ type: 'join', player: this.player, node: node.id }).then(
          (reply) => {
            if (this.#closed) return;
            if (this.#rooms.has(id)) this.#ws.subscribe(roomTopic(id));
            this.#send({ type: 'joined', room: id, members: reply.members, history: reply.history, seq: reply.seq, ref });
          },
          (err: unknown) => this.#refused('join', err, ref),
        );
        return;
      }
      case 'leave': {
        const { room: id, ref } = frame;
        if (!this.#rooms.has(id)) return this.#notInRoom(id, ref);
        // Unsubscribe first: the leaver does not need its own presence frame nor later lines.
        this.#rooms.delete(id);
        this.#ws.unsubscribe(roomTopic(id));
        room.ref(node, id).ask({ type: 'leave', player: this.player }).then(
          () => this.#send({ type: 'left', room: id, ref }),
          (err: unknown) => {
            this.#rooms.add(id); // outcome unknown: keep it so close still leaves
            this.#refused('leave', err, ref);
          },
        );
        return;
      }
      case 'say': {
        const { room: id, text, ref } = frame;
        if (!this.#rooms.has(id)) return this.#notInRoom(id, ref);
        // Success needs no answer: the line comes back to every member, the sender included, as `said`.
        room.ref(node, id).ask({ type: 'say', player: this.player, text }).then(undefined, (err: unknown) => this.#refused('say', err, ref));
        return;
      }
      case 'turn': {
        const { session: id, text, ref } = frame;
        session.ref(node, id).ask({ type: 'turn', player: this.player, text }).then(
          (reply) => this.#send({ type: 'turn-accepted', session: id, turn: reply.turn, ref }),
          (err: unknown) => this.#refused('turn', err, ref),
        );
        return;
      }
      case 'ping':
        return this.#send({ type: 'pong', ref: frame.ref });
    }
  }

  /** The socket is gone (uWS close handler): leave every room this connection may be in. */
  onClose(): void {
    if (this.#closed) return;
    this.#closed = true;
    const node = this.#ctx.node;
    for (const id of this.#rooms) {
      this.#ctx.trackLeave(room.ref(node, id).ask({ type: 'leave', player: this.player }));
    }
    this.#rooms.clear();
  }

  /** Closes the socket because the same player connected again; the close handler does the rest. */
  replace(): void {
    this.#sendError(ProtocolErrors.REPLACED, 'this player connected again; this connection is closed');
    this.end(CloseCodes.REPLACED, 'replaced');
  }

  end(code: number, reason: string): void {
    if (!this.#closed) this.#ws.end(code, reason);
  }

  #notInRoom(roomId: string, ref: string | undefined): void {
    this.#sendError(ProtocolErrors.NOT_IN_ROOM, `not in room ${roomId}: join it first`, ref);
  }

  /** A rejected ask: its runtime or actor code goes to the client as is. */
  #refused(frameType: ClientFrameType, err: unknown, ref: string | undefined): void {
    const code = typeof (err as { code?: unknown })?.code === 'string' ? (err as { code: string }).code : ProtocolErrors.INTERNAL;
    // An actor crash's message is the thrown error's: internal, so the client only gets the code.
    const internal = code === ProtocolErrors.INTERNAL || code === ProtocolErrors.ACTOR_FAILED;
    const message = internal ? 'the request failed inside the server' : (err as Error).message;
    this.#ctx.log.debug({ player: this.player, frameType, code }, 'request refused');
    this.#sendError(code, message, ref);
  }

  #sendError(code: string, message: string, ref?: string): void {
    this.#send({ type: 'error', code, message, ref });
  }

  #send(frame: ServerFrame): void {
    if (this.#closed) return;
    const text = encodeServerFrame(frame);
    this.#ws.cork(() => this.#ws.send(text));
  }
}
