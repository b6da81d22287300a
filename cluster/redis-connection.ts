// What every Redis client of the cluster layer (streams, membership, the development store, ops)
// shares: where Redis is when nothing says otherwise, and how long to wait before trying again.
import { backoffDelayMs, type BackoffPolicy } from '../supervisors/index.js';

export const DEFAULT_REDIS_URL = 'redis://127.0.0.1:6379';

/** The exponential part of a policy alone (supervisors' backoff given no chance). */
export const NO_JITTER = (): number => 0;

/**
 * The delay before retry number `attempt` (0 for the first): supervisors' exponential backoff
 * (`policy.minMs` doubled, capped at `policy.maxMs`), spread ±`policy.randomFactor` around that
 * value, and never above `maxMs` nor below 1 ms. The spread lies on both sides, not only above, so
 * that nodes cut off together (a Redis restart reaches every node at once) stay apart even once
 * their delays have reached the cap.
 */
export function redisRetryDelayMs(policy: BackoffPolicy, attempt: number, random: () => number = Math.random): number {
  const base = backoffDelayMs(policy, attempt, NO_JITTER);
  const spread = policy.randomFactor;
  return Math.max(1, Math.min(policy.maxMs, Math.round(base * (1 - spread + 2 * spread * random()))));
}
