// What every Redis client of the cluster layer (streams, membership, the development store, ops)
// shares: where Redis is when nothing says otherwise, and how long to wait before trying again.
import { readFileSync } from 'node:fs';
import { Redis, type RedisOptions } from 'ioredis';
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

/**
 * Every Redis client of the cluster layer is opened here, from a `redis://[user:password@]host:port`
 * or `rediss://` (TLS) URL or ioredis options: ioredis takes the user and password (AUTH, ACL users)
 * and TLS from the URL, so whatever REDIS_URL says reaches streams, membership, ops and the
 * development store alike. `overrides` are each client's own settings (retries, queueing); they
 * never replace what the URL says about where and who.
 */
export function openRedis(target: string | RedisOptions, overrides: RedisOptions): Redis {
  if (typeof target !== 'string') return new Redis({ ...target, ...overrides });
  const tls = target.startsWith('rediss:') ? tlsFromEnv(process.env) : undefined;
  return new Redis(target, tls === undefined ? overrides : { ...overrides, tls });
}

/**
 * For rediss:// URLs: GLASS_REDIS_CA_FILE names the PEM file of the CA that signed Redis's
 * certificate (a private CA, a self-signed certificate); without it Node's own CA list decides.
 * The certificate is always verified: there is no switch to turn that off.
 */
function tlsFromEnv(env: NodeJS.ProcessEnv): { ca: Buffer } | undefined {
  const file = env.GLASS_REDIS_CA_FILE;
  return file === undefined || file === '' ? undefined : { ca: readFileSync(file) };
}

/** Whether the URL or options carry a password (false: anyone who reaches Redis is in). */
export function redisHasPassword(target: string | RedisOptions): boolean {
  if (typeof target !== 'string') return typeof target.password === 'string' && target.password !== '';
  try {
    return new URL(target).password !== '';
  } catch {
    return false;
  }
}

/** Where Redis is, for a log line: scheme, host and port, user if any; never the password. */
export function redisDescription(target: string | RedisOptions): string {
  if (typeof target !== 'string') return `${target.tls ? 'rediss' : 'redis'}://${target.host ?? '127.0.0.1'}:${target.port ?? 6379}`;
  try {
    const u = new URL(target);
    return `${u.protocol}//${u.username === '' ? '' : `${u.username}@`}${u.host}`;
  } catch {
    return '(unparsable Redis URL)';
  }
}
