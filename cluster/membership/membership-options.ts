import { GlassError, InvalidOptionError } from '../../runtime/index.js';

export interface RedisMembershipOptions {
  /** This node's id, as the placement knows it. */
  readonly nodeId: string;
  /** Worker threads on this node (the placement's second ring). */
  readonly workers: number;
  /** Where this node can be reached (e.g. its gateway URL); informational. */
  readonly address?: string;
  /** Default `redis://127.0.0.1:6379`. */
  readonly redisUrl?: string;
  /** Prefix of every key and of the channel. Default `glass:`. */
  readonly keyPrefix?: string;
  /** Default 500. */
  readonly heartbeatMs?: number;
  /** A member whose last heartbeat is this old is down. Default 2,000; more than heartbeatMs. */
  readonly downAfterMs?: number;
  /** Reconnect backoff: doubles from minMs up to maxMs, retried for ever. Defaults 50 and 2,000. */
  readonly reconnect?: { readonly minMs?: number; readonly maxMs?: number };
  /** A command unanswered this long fails (a stuck Redis must not stall the heartbeat). Default 1,000. */
  readonly commandTimeoutMs?: number;
  /** The local clock, for startedAt and lastHeartbeatAt. Liveness is judged on Redis's clock. */
  readonly now?: () => number;
}

export interface ResolvedMembershipOptions {
  readonly nodeId: string;
  readonly workers: number;
  readonly address: string | undefined;
  readonly redisUrl: string;
  readonly keyPrefix: string;
  readonly heartbeatMs: number;
  readonly downAfterMs: number;
  readonly reconnectMinMs: number;
  readonly reconnectMaxMs: number;
  readonly commandTimeoutMs: number;
  readonly now: () => number;
}

const NODE_ID = /^[A-Za-z0-9._-]{1,64}$/;
const MAX_TIMER_MS = 2 ** 31 - 1;

export function resolveMembershipOptions(options: RedisMembershipOptions): ResolvedMembershipOptions {
  if (options === null || typeof options !== 'object') throw new InvalidOptionError('membership', 'an object', options);
  const o = options;
  if (typeof o.nodeId !== 'string' || !NODE_ID.test(o.nodeId)) {
    throw new InvalidOptionError('nodeId', '1–64 characters of letters, digits, ".", "_" or "-"', o.nodeId);
  }
  if (!Number.isInteger(o.workers) || o.workers < 1 || o.workers > 256) throw new InvalidOptionError('workers', 'an integer from 1 to 256', o.workers);
  if (o.address !== undefined && (typeof o.address !== 'string' || o.address === '')) throw new InvalidOptionError('address', 'a non-empty string', o.address);
  const redisUrl = o.redisUrl ?? 'redis://127.0.0.1:6379';
  if (typeof redisUrl !== 'string' || !/^rediss?:\/\//.test(redisUrl)) throw new InvalidOptionError('redisUrl', 'a redis:// or rediss:// URL', '<redacted>');
  const keyPrefix = o.keyPrefix ?? 'glass:';
  if (typeof keyPrefix !== 'string' || keyPrefix === '' || /\s/.test(keyPrefix)) throw new InvalidOptionError('keyPrefix', 'a non-empty string without spaces', keyPrefix);
  const heartbeatMs = duration('heartbeatMs', o.heartbeatMs, 500);
  const downAfterMs = duration('downAfterMs', o.downAfterMs, 2_000);
  // One missed beat must not be a death: require room for at least one more beat before "down".
  if (downAfterMs < 2 * heartbeatMs) throw new InvalidOptionError('downAfterMs', `at least 2 × heartbeatMs (${2 * heartbeatMs})`, downAfterMs);
  const reconnect = o.reconnect ?? {};
  if (reconnect === null || typeof reconnect !== 'object') throw new InvalidOptionError('reconnect', 'an object', reconnect);
  const reconnectMinMs = duration('reconnect.minMs', reconnect.minMs, 50);
  const reconnectMaxMs = duration('reconnect.maxMs', reconnect.maxMs, 2_000);
  if (reconnectMaxMs < reconnectMinMs) throw new InvalidOptionError('reconnect.maxMs', `at least reconnect.minMs (${reconnectMinMs})`, reconnectMaxMs);
  const commandTimeoutMs = duration('commandTimeoutMs', o.commandTimeoutMs, 1_000);
  const now = o.now ?? Date.now;
  if (typeof now !== 'function') throw new InvalidOptionError('now', 'a function returning milliseconds', now);
  return {
    nodeId: o.nodeId,
    workers: o.workers,
    address: o.address,
    redisUrl,
    keyPrefix,
    heartbeatMs,
    downAfterMs,
    reconnectMinMs,
    reconnectMaxMs,
    commandTimeoutMs,
    now,
  };
}

/** ioredis's retryStrategy: doubling with ±20 % jitter (nodes cut off together do not reconnect in lockstep), bounded, never giving up. */
export function reconnectDelayMs(attempt: number, o: Pick<ResolvedMembershipOptions, 'reconnectMinMs' | 'reconnectMaxMs'>, random = Math.random): number {
  const base = Math.min(o.reconnectMinMs * 2 ** Math.min(Math.max(attempt - 1, 0), 30), o.reconnectMaxMs);
  return Math.max(1, Math.min(o.reconnectMaxMs, Math.round(base * (0.8 + 0.4 * random()))));
}

function duration(option: string, value: unknown, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1 || value > MAX_TIMER_MS) {
    throw new InvalidOptionError(option, `a positive integer of milliseconds up to ${MAX_TIMER_MS}`, value);
  }
  return value;
}

// Defined here until runtime's ErrorCodes (owned by the runtime layer) lists it.
export const MEMBERSHIP_UNAVAILABLE = 'GLASS_ERR_MEMBERSHIP_UNAVAILABLE';

/** start() could not register this node (Redis unreachable); the cause is the Redis error. */
export class MembershipUnavailableError extends GlassError {
  constructor(nodeId: string, cause: unknown) {
    super(MEMBERSHIP_UNAVAILABLE, `node ${nodeId} could not join the membership: Redis is unavailable`, { nodeId }, { cause });
    this.name = 'MembershipUnavailableError';
  }
}
