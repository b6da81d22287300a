import { Redis, type RedisOptions } from 'ioredis';
import { atLeastOption, durationOption, objectOption, positiveIntegerOption, stringOption } from '../../runtime/index.js';
import { backoffDelayMs, type BackoffPolicy } from '../../supervisors/index.js';
import { DEFAULT_REDIS_URL, NO_JITTER, redisRetryDelayMs } from '../redis-connection.js';

export interface RedisStreamsTransportOptions {
  nodeId: string;
  /** A `redis://` URL or ioredis options; the transport opens its own two connections from it. */
  redis?: string | RedisOptions;
  /** Key prefix: this node reads `<prefix>:node:<nodeId>` (default "glass"). */
  prefix?: string;
  /** Consumer group every node's stream is read with (default "glass"). */
  group?: string;
  /** Entries per XREADGROUP (default 128). */
  readCount?: number;
  /** How long one XREADGROUP waits for entries (default 1,000 ms); also bounds how long close waits for the reader. */
  blockMs?: number;
  /** Envelopes per stream entry at most (default 32): one XADD carries up to this many. */
  maxEntryEnvelopes?: number;
  /** Encoded bytes per stream entry at most (default 65,536); a larger single envelope gets an entry alone. */
  maxEntryBytes?: number;
  /** XADDs per pipeline at most (default 512). */
  maxPipelineEntries?: number;
  /** Delivered entries not yet acknowledged before the reader stops reading (default 1,024). */
  maxInFlightEntries?: number;
  /** Envelopes waiting for Redis before `send` refuses more (default 100,000). */
  maxQueuedEnvelopes?: number;
  /** First retry delay after Redis refused or was unreachable (default 20 ms); doubles with jitter. */
  retryMinDelayMs?: number;
  /** Longest retry delay, also for reconnecting (default 1,000 ms). */
  retryMaxDelayMs?: number;
  /** An entry Redis has not taken this long after it was queued is given up (default 10,000 ms). */
  giveUpAfterMs?: number;
  /** How long `start` waits for Redis (default 10,000 ms). */
  startTimeoutMs?: number;
  /** How long `close` waits for queued sends and acknowledgements (default 5,000 ms). */
  closeTimeoutMs?: number;
  /** Trim this node's stream every so often (default 0: only when `trim()` is called). */
  trimIntervalMs?: number;
}

export type ResolvedOptions = Required<Omit<RedisStreamsTransportOptions, 'redis'>> & {
  redis: string | RedisOptions;
  /** retryMinDelayMs to retryMaxDelayMs, spread ±20 % (see redisRetryDelayMs). */
  retry: BackoffPolicy;
};

const RETRY_SPREAD = 0.2;
// A key part with whitespace or a colon would make another node's stream name ambiguous.
const KEY_PART = /^[^\s:]+$/;

const COUNTS = ['readCount', 'maxEntryEnvelopes', 'maxEntryBytes', 'maxPipelineEntries', 'maxInFlightEntries', 'maxQueuedEnvelopes'] as const;
const POSITIVE_MS = ['blockMs', 'retryMinDelayMs', 'retryMaxDelayMs', 'giveUpAfterMs', 'startTimeoutMs', 'closeTimeoutMs'] as const;

/** One guard per option, at the constructor: a wrong option fails there, not at the first outage. */
export function resolveOptions(options: RedisStreamsTransportOptions): ResolvedOptions {
  objectOption('nodeId', options, 'given in an options object');
  const r: Omit<ResolvedOptions, 'retry'> = {
    nodeId: options.nodeId,
    redis: options.redis ?? DEFAULT_REDIS_URL,
    prefix: options.prefix ?? 'glass',
    group: options.group ?? 'glass',
    readCount: options.readCount ?? 128,
    blockMs: options.blockMs ?? 1_000,
    maxEntryEnvelopes: options.maxEntryEnvelopes ?? 32,
    maxEntryBytes: options.maxEntryBytes ?? 65_536,
    maxPipelineEntries: options.maxPipelineEntries ?? 512,
    maxInFlightEntries: options.maxInFlightEntries ?? 1_024,
    maxQueuedEnvelopes: options.maxQueuedEnvelopes ?? 100_000,
    retryMinDelayMs: options.retryMinDelayMs ?? 20,
    retryMaxDelayMs: options.retryMaxDelayMs ?? 1_000,
    giveUpAfterMs: options.giveUpAfterMs ?? 10_000,
    startTimeoutMs: options.startTimeoutMs ?? 10_000,
    closeTimeoutMs: options.closeTimeoutMs ?? 5_000,
    trimIntervalMs: options.trimIntervalMs ?? 0,
  };
  for (const name of ['nodeId', 'prefix', 'group'] as const) stringOption(name, r[name], KEY_PART, 'a non-empty string without spaces or ":"');
  if (typeof r.redis !== 'string') objectOption('redis', r.redis, 'a redis:// URL or an ioredis options object');
  for (const name of COUNTS) positiveIntegerOption(name, r[name]);
  for (const name of POSITIVE_MS) durationOption(name, r[name]);
  durationOption('trimIntervalMs', r.trimIntervalMs, true, '0 (off) or a positive number of milliseconds');
  atLeastOption('retryMaxDelayMs', r.retryMaxDelayMs, 'retryMinDelayMs', r.retryMinDelayMs);
  return { ...r, retry: { minMs: r.retryMinDelayMs, maxMs: r.retryMaxDelayMs, randomFactor: RETRY_SPREAD } };
}

export function streamKey(prefix: string, node: string): string {
  return `${prefix}:node:${node}`;
}

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
  return typeof options.redis === 'string' ? new Redis(options.redis, overrides) : new Redis({ ...options.redis, ...overrides });
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
