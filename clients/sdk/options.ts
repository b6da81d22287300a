// The options of `new GlassClient`, their defaults and their checks.
import { DEFAULT_RECONNECT, type ReconnectPolicy } from './backoff.js';
import type { TokenSource, UrlSource } from './endpoint.js';
import { ClientErrors, GlassClientError } from './errors.js';
import { realScheduler, type Scheduler } from './scheduler.js';
import type { WebSocketConstructor } from './socket.js';

export interface GlassClientOptions {
  /** The gateway's WebSocket URL, e.g. `ws://localhost:9001/ws`, or a function choosing one per attempt. */
  url: UrlSource;
  /** The access token, or a function returning a fresh one (called on every connection attempt). */
  token: TokenSource;
  /** The WebSocket class: `globalThis.WebSocket` by default; in Node 20 pass `ws`'s default export. */
  WebSocket?: WebSocketConstructor;
  /** Reconnection after an unexpected close; `false` turns it off (the client closes instead). */
  reconnect?: Partial<ReconnectPolicy> | false;
  /** How long a request may wait for its answer, queued time included. Default 10000. */
  requestTimeoutMs?: number;
  /** How long one connection attempt may take to reach `welcome`. Default 10000. */
  connectTimeoutMs?: number;
  /** Requests that may wait for a connection (while reconnecting) before new ones are refused (`GLASS_CLIENT_ERR_QUEUE_FULL`). Default 64. */
  maxQueued?: number;
  /** Times a request refused with `GLASS_ERR_RATE_LIMITED` is sent again after `retryAfterMs`, within its timeout. Default 3. */
  rateLimitRetries?: number;
  /** Timers, clock and randomness (for tests); any part left out is the host's. */
  scheduler?: Partial<Scheduler>;
}

export interface ResolvedOptions {
  url: UrlSource;
  token: TokenSource;
  WebSocket: WebSocketConstructor;
  reconnect: ReconnectPolicy | null;
  requestTimeoutMs: number;
  connectTimeoutMs: number;
  maxQueued: number;
  rateLimitRetries: number;
  scheduler: Scheduler;
}

export function resolveOptions(options: GlassClientOptions): ResolvedOptions {
  if (typeof options.url !== 'string' && typeof options.url !== 'function') invalid('url', 'a ws:// or wss:// URL or a function returning one');
  if (typeof options.url === 'string' && !/^wss?:\/\//.test(options.url)) invalid('url', 'a ws:// or wss:// URL');
  if (!(typeof options.token === 'function' || (typeof options.token === 'string' && options.token !== ''))) {
    invalid('token', 'a non-empty string or a function returning one');
  }
  const WebSocket = options.WebSocket ?? (globalThis as { WebSocket?: WebSocketConstructor }).WebSocket;
  if (typeof WebSocket !== 'function') {
    invalid('WebSocket', 'a WebSocket class: this runtime has no global WebSocket (in Node 20, pass the `ws` package)');
  }
  let reconnect: ReconnectPolicy | null = null;
  if (options.reconnect !== false) {
    reconnect = { ...DEFAULT_RECONNECT, ...options.reconnect };
    number('reconnect.minMs', reconnect.minMs, 0);
    number('reconnect.maxMs', reconnect.maxMs, reconnect.minMs);
    number('reconnect.factor', reconnect.factor, 1);
    number('reconnect.jitter', reconnect.jitter, 0, 1);
    if (!(reconnect.maxAttempts === Infinity || (Number.isInteger(reconnect.maxAttempts) && reconnect.maxAttempts >= 0))) {
      invalid('reconnect.maxAttempts', 'a whole number ≥ 0, or Infinity');
    }
  }
  const resolved: ResolvedOptions = {
    url: options.url,
    token: options.token,
    WebSocket,
    reconnect,
    requestTimeoutMs: options.requestTimeoutMs ?? 10_000,
    connectTimeoutMs: options.connectTimeoutMs ?? 10_000,
    maxQueued: options.maxQueued ?? 64,
    rateLimitRetries: options.rateLimitRetries ?? 3,
    scheduler: schedulerOf(options.scheduler ?? {}),
  };
  number('requestTimeoutMs', resolved.requestTimeoutMs, 1);
  number('connectTimeoutMs', resolved.connectTimeoutMs, 1);
  number('maxQueued', resolved.maxQueued, 0);
  number('rateLimitRetries', resolved.rateLimitRetries, 0);
  return resolved;
}

/** The given scheduler's methods (bound: it may be a class instance), the host's for the rest. */
function schedulerOf(given: Partial<Scheduler>): Scheduler {
  return {
    setTimeout: given.setTimeout?.bind(given) ?? realScheduler.setTimeout,
    clearTimeout: given.clearTimeout?.bind(given) ?? realScheduler.clearTimeout,
    now: given.now?.bind(given) ?? realScheduler.now,
    random: given.random?.bind(given) ?? realScheduler.random,
  };
}

function number(name: string, value: number, min: number, max = Number.MAX_SAFE_INTEGER): void {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < min || value > max) invalid(name, `a number from ${min} to ${max}`);
}

function invalid(name: string, expected: string): never {
  throw new GlassClientError(ClientErrors.INVALID_OPTION, `option ${name} must be ${expected}`);
}
