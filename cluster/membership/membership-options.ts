import type { ClusterKeyInput } from '../cluster-key.js';
import {
  GlassError,
  InvalidOptionError,
  MAX_TIMER_MS,
  atLeastOption,
  integerOption,
  nonEmptyStringOption,
  objectOption,
  stringOption,
  urlOption,
} from '../../runtime/index.js';
import { DEFAULT_REDIS_URL, redisRetryDelayMs } from '../redis-connection.js';

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
  /** Member records are signed and verified with it; default: the configured cluster key (see cluster-key.ts). */
  readonly clusterKey?: ClusterKeyInput;
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
const KEY_PREFIX = /^\S+$/;
/** Reconnect delays spread ±20 % (see redisRetryDelayMs). */
const RECONNECT_SPREAD = 0.2;

export function resolveMembershipOptions(options: RedisMembershipOptions): ResolvedMembershipOptions {
  const o = objectOption('membership', options);
  stringOption('nodeId', o.nodeId, NODE_ID, '1–64 characters of letters, digits, ".", "_" or "-"');
  integerOption('workers', o.workers, 1, 256);
  if (o.address !== undefined) nonEmptyStringOption('address', o.address);
  const redisUrl = o.redisUrl ?? DEFAULT_REDIS_URL;
  urlOption('redisUrl', redisUrl, ['redis:', 'rediss:'], 'a redis:// or rediss:// URL', '<redacted>');
  const keyPrefix = stringOption('keyPrefix', o.keyPrefix ?? 'glass:', KEY_PREFIX, 'a non-empty string without spaces');
  const heartbeatMs = duration('heartbeatMs', o.heartbeatMs, 500);
  // One missed beat must not be a death: require room for at least one more beat before "down".
  const downAfterMs = atLeastOption('downAfterMs', duration('downAfterMs', o.downAfterMs, 2_000), '2 × heartbeatMs', 2 * heartbeatMs);
  const reconnect = objectOption('reconnect', o.reconnect ?? {});
  const reconnectMinMs = duration('reconnect.minMs', reconnect.minMs, 50);
  const reconnectMaxMs = atLeastOption('reconnect.maxMs', duration('reconnect.maxMs', reconnect.maxMs, 2_000), 'reconnect.minMs', reconnectMinMs);
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

/** ioredis's retryStrategy (`attempt` from 1): doubling with ±20 % spread, bounded, never giving up. */
export function reconnectDelayMs(attempt: number, o: Pick<ResolvedMembershipOptions, 'reconnectMinMs' | 'reconnectMaxMs'>, random = Math.random): number {
  return redisRetryDelayMs({ minMs: o.reconnectMinMs, maxMs: o.reconnectMaxMs, randomFactor: RECONNECT_SPREAD }, Math.max(attempt - 1, 0), random);
}

function duration(option: string, value: unknown, fallback: number): number {
  if (value === undefined) return fallback;
  return integerOption(option, value, 1, MAX_TIMER_MS, `a positive integer of milliseconds up to ${MAX_TIMER_MS}`);
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
