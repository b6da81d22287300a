// The WHATWG WebSocket as the SDK needs it, and one connection's link: text frames out, validated
// server frames in, one close report. Works with browsers' WebSocket, Node's
// `--experimental-websocket` global (undici) and the `ws` package.
import { ServerFrame } from '../protocol/index.js';

/** The fields of WebSocket events the SDK reads (open, message, close, error). */
export interface SocketEvent {
  readonly type: string;
  /** message: a string for text frames. */
  readonly data?: unknown;
  /** close */
  readonly code?: number;
  readonly reason?: string;
  /** error: the `ws` package puts e.g. "Unexpected server response: 401" here; browsers give nothing. */
  readonly message?: unknown;
}

/** The part of the WHATWG WebSocket interface the SDK uses. */
export interface WebSocketLike {
  readonly readyState: number;
  send(data: string): void;
  close(code?: number, reason?: string): void;
  addEventListener(type: 'open' | 'message' | 'close' | 'error', listener: (event: SocketEvent) => void): void;
}

/** A WebSocket class: `globalThis.WebSocket`, or `ws`'s default export in Node 20. */
export type WebSocketConstructor = new (url: string) => WebSocketLike;

const OPEN = 1;

export interface LinkClosed {
  code: number;
  reason: string;
  /** The HTTP status of a refused upgrade, when the WebSocket implementation tells (`ws` does). */
  upgradeStatus?: number;
}

export interface LinkHandlers {
  frame(frame: ServerFrame): void;
  /** A frame that is not JSON text of a protocol v1 server frame. */
  badFrame(detail: string): void;
  closed(info: LinkClosed): void;
}

/** One WebSocket connection. Frames after `close()` are not delivered; `closed` is reported once. */
export class Link {
  readonly #socket: WebSocketLike;
  /** Settles when the socket has closed (whoever closed it). */
  readonly ended: Promise<LinkClosed>;
  #upgradeStatus: number | undefined;
  #done = false;

  constructor(WebSocket: WebSocketConstructor, url: string, handlers: LinkHandlers) {
    let ended!: (info: LinkClosed) => void;
    this.ended = new Promise((resolve) => (ended = resolve));
    this.#socket = new WebSocket(url);
    this.#socket.addEventListener('message', (event) => {
      if (!this.#done) this.#receive(event.data, handlers);
    });
    this.#socket.addEventListener('error', (event) => {
      const status = /server response: (\d{3})\b/.exec(typeof event.message === 'string' ? event.message : '');
      if (status !== null && this.#socket.readyState !== OPEN) this.#upgradeStatus = Number(status[1]);
    });
    this.#socket.addEventListener('close', (event) => {
      if (this.#done) return;
      this.#done = true;
      const info: LinkClosed = { code: event.code ?? 1006, reason: event.reason ?? '' };
      if (this.#upgradeStatus !== undefined) info.upgradeStatus = this.#upgradeStatus;
      ended(info);
      handlers.closed(info);
    });
  }

  get open(): boolean {
    return !this.#done && this.#socket.readyState === OPEN;
  }

  send(frame: object): boolean {
    if (!this.open) return false;
    this.#socket.send(JSON.stringify(frame));
    return true;
  }

  /** Closes the socket; its later frames are ignored, and its close is still reported. */
  close(code = 1000, reason = ''): void {
    try {
      this.#socket.close(code, reason);
    } catch {
      // Closing a socket that is still connecting throws in some implementations; it closes anyway.
    }
  }

  #receive(data: unknown, handlers: LinkHandlers): void {
    if (typeof data !== 'string') return handlers.badFrame('a binary frame');
    let json: unknown;
    try {
      json = JSON.parse(data);
    } catch {
      return handlers.badFrame('a frame that is not JSON');
    }
    const parsed = ServerFrame.safeParse(json);
    if (!parsed.success) return handlers.badFrame(`a frame outside protocol v1: ${parsed.error.issues[0]?.message ?? 'invalid'}`);
    handlers.frame(parsed.data);
  }
}
