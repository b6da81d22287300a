// What every Redis client of the cluster layer (streams, membership, the development store, ops)
// shares: where Redis is when nothing says otherwise, and how long to wait before trying again.
import { Jitter, backoffDelayMs, type BackoffPolicy } from '../supervisors/index.js';

export const DEFAULT_REDIS_URL = 'redis://127.0.0.1:6379';

/** The exponential part of a policy alone (supervisors' backoff given no chance). */
export const NO_JITTER = (): number => 0;

/**
 * The delay before retry number `attempt` (0 for the first): supervisors' exponential backoff with
 * its jitter spread ±`policy.randomFactor` around the base (Jitter.AROUND), never below 1 ms. The
 * spread lies on both sides, not only above, so that nodes cut off together (a Redis restart
 * reaches every node at once) stay apart even once their delays have reached the cap.
 */
export function redisRetryDelayMs(policy: BackoffPolicy, attempt: number, random: () => number = Math.random): number {
  return Math.max(1, backoffDelayMs(policy.jitter === Jitter.AROUND ? policy : { ...policy, jitter: Jitter.AROUND }, attempt, random));
}
