import type { WebSocket } from 'uWebSockets.js';
import { CloseCodes, encodeServerFrame, ProtocolErrors, type ServerFrame } from '../protocol/index.js';
import type { ConnectionContext, SocketData } from './connection-context.js';

/**
 * What one player's socket is sent, and what happens when it stops reading. Every write checks the
 * hard limit: past it the socket gets one last `error` frame queued behind its backlog and is closed
 * (4008), because uWS would otherwise skip it silently on publish. Presence (a snapshot: it carries
 * the whole member list) is skipped above the soft limit and sent again once the output drains.
 */
export class ConnectionOutput {
  readonly #ws: WebSocket<SocketData>;
  readonly #ctx: ConnectionContext;
  readonly #player: string;
  /** Rooms whose presence was skipped while the socket was backed up: a snapshot follows the drain. */
  readonly #stalePresence = new Set<string>();
  // uWS throws on any call on a socket after its close handler ran; replies to asks arrive later.
  #closed = false;

  constructor(ws: WebSocket<SocketData>, ctx: ConnectionContext, player: string) {
    this.#ws = ws;
    this.#ctx = ctx;
    this.#player = player;
  }

  get closed(): boolean {
    return this.#closed;
  }

  /** The socket's close handler ran: nothing is written from now on. */
  close(): void {
    this.#closed = true;
  }

  write(text: string, check = true): void {
    if (this.#closed) return;
    this.#ws.cork(() => this.#ws.send(text));
    if (check && this.overLimit()) this.closeSlow();
  }

  send(frame: ServerFrame): void {
    this.write(encodeServerFrame(frame));
  }

  sendError(code: string, message: string, ref?: string, retryAfterMs?: number): void {
    this.send({ type: 'error', code, message, retryAfterMs, ref });
  }

  /** A room's presence event, unless the socket is backed up past the soft limit (then owed on drain). */
  presence(roomId: string, text: string): void {
    if (this.#closed) return;
    if (this.#ws.getBufferedAmount() > this.#ctx.softLimitBytes) {
      this.#stalePresence.add(roomId);
      return;
    }
    this.write(text);
  }

  /** The socket left the room: no snapshot is owed for it any more. */
  forget(roomId: string): void {
    this.#stalePresence.delete(roomId);
  }

  /** uWS drain handler: the output went down; the owed presence snapshots of rooms still joined go out. */
  drained(stillIn: (roomId: string) => boolean): void {
    if (this.#closed || this.#stalePresence.size === 0 || this.#ws.getBufferedAmount() > this.#ctx.softLimitBytes) return;
    for (const id of this.#stalePresence) {
      if (stillIn(id)) this.send({ type: 'presence', room: id, members: [...this.#ctx.local.members(id)] });
    }
    this.#stalePresence.clear();
  }

  overLimit(): boolean {
    return !this.#closed && this.#ws.getBufferedAmount() > this.#ctx.hardLimitBytes;
  }

  closeSlow(): void {
    if (this.#closed) return;
    this.#ctx.slowConsumer(this.#player);
    // Queued behind the backlog: a client that reads again sees it, then the close.
    this.write(encodeServerFrame({ type: 'error', code: ProtocolErrors.SLOW_CONSUMER, message: 'output backed up past the limit: reconnect and resume' }), false);
    this.end(CloseCodes.SLOW_CONSUMER, 'slow consumer');
  }

  end(code: number, reason: string): void {
    if (!this.#closed) this.#ws.end(code, reason);
  }
}
