// The transport's Redis connections: how they are opened, how long to wait before a retry, when
// they are ready again, and the consumer group every read needs.
import type { Redis, RedisOptions } from 'ioredis';
import { backoffDelayMs } from '../../supervisors/index.js';
import { NO_JITTER, openRedis, redisRetryDelayMs } from '../redis-connection.js';
import type { ResolvedOptions } from './redis-streams-options.js';

/**
 * A connection the transport owns. Every retry is the transport's own, so ioredis must neither
 * queue commands while disconnected nor resend them after a reconnect: a resent XADD behind the
 * transport's back would overtake, or duplicate, what the transport retries itself in order; a
 * resent XREADGROUP would deliver entries to nobody. ioredis keeps reconnecting, with our backoff.
 */
export function openConnection(options: ResolvedOptions, role: 'commands' | 'reader'): Redis {
  const overrides: RedisOptions = {
    lazyConnect: true,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    autoResendUnfulfilledCommands: false,
    // RESP2 shapes: XREADGROUP and XAUTOCLAIM replies are parsed by position.
    protocol: 2,
    connectionName: `${options.prefix}:${options.nodeId}:${role}`,
    // Unspread, as it was: it only paces reconnecting; the sends, reads and acknowledgements waiting
    // on the connection retry on backoffMs, which is spread.
    retryStrategy: (times: number) => backoffDelayMs(options.retry, times, NO_JITTER),
  };
  return openRedis(options.redis, overrides);
}

/** The wait before retry `attempt` of a send, a read or an acknowledgement: spread, so that nodes cut off together do not retry in lockstep. */
export function backoffMs(options: ResolvedOptions, attempt: number): number {
  return redisRetryDelayMs(options.retry, attempt);
}

/**
 * Resolves true when `redis` is ready, false if `signal` aborted first. Waits on the connection's
 * own event, so recovery starts the moment ioredis has reconnected. Not `events.once`: it rejects
 * on the first 'error' event, and every failed reconnect attempt emits one.
 */
export function whenReady(redis: Redis, signal: AbortSignal): Promise<boolean> {
  if (redis.status === 'ready') return Promise.resolve(true);
  if (signal.aborted) return Promise.resolve(false);
  return new Promise((resolve) => {
    const settle = (ready: boolean): void => {
      redis.off('ready', onReady);
      signal.removeEventListener('abort', onAbort);
      resolve(ready);
    };
    const onReady = (): void => settle(true);
    const onAbort = (): void => settle(false);
    redis.on('ready', onReady);
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

/** A reply error naming a missing stream or consumer group (the stream vanished with a Redis restart). */
export function isNoGroup(err: unknown): boolean {
  return err instanceof Error && err.message.startsWith('NOGROUP');
}

/** Creates the group reading `stream` from its first entry; false if it was there already. */
export async function ensureGroup(redis: Redis, stream: string, group: string, makeStream: boolean): Promise<boolean> {
  try {
    // From id 0, not $: a stream recreated by a sender's XADD after a Redis restart already holds
    // entries for this node, and they must be read too.
    if (makeStream) await redis.call('XGROUP', 'CREATE', stream, group, '0', 'MKSTREAM');
    else await redis.call('XGROUP', 'CREATE', stream, group, '0');
    return true;
  } catch (err) {
    if (err instanceof Error && err.message.startsWith('BUSYGROUP')) return false;
    throw err;
  }
}
