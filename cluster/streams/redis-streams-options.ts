import type { RedisOptions } from 'ioredis';
import { atLeastOption, durationOption, objectOption, positiveIntegerOption, stringOption } from '../../runtime/index.js';
import type { BackoffPolicy } from '../../supervisors/index.js';
import { clusterKeyFrom, type ClusterKey, type ClusterKeyInput } from '../cluster-key.js';
import { DEFAULT_REDIS_URL } from '../redis-connection.js';

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
  /**
   * The cluster key entries are signed and verified with (see cluster-key.ts); default: the
   * configured one (GLASS_CLUSTER_KEY, else the file GLASS_CLUSTER_KEY_FILE or .data/cluster-key).
   */
  clusterKey?: ClusterKeyInput;
  /** Trim this node's stream every so often (default 0: only when `trim()` is called). */
  trimIntervalMs?: number;
  /**
   * At start, entries of this reader's own pending list already delivered this often are not
   * delivered again but reported (`exhausted`): what killed the readers before it (default 0: off).
   */
  maxDeliveries?: number;
}

export type ResolvedOptions = Required<Omit<RedisStreamsTransportOptions, 'redis' | 'clusterKey'>> & {
  redis: string | RedisOptions;
  clusterKey: ClusterKey;
  /** retryMinDelayMs to retryMaxDelayMs, spread ±20 % (see redisRetryDelayMs). */
  retry: BackoffPolicy;
};

const RETRY_SPREAD = 0.2;
// A key part with whitespace or a colon would make another node's stream name ambiguous.
const KEY_PART = /^[^\s:]+$/;
/** A worker's own transport (worker-streams.ts) reads `<prefix>:node:<node>:w<thread>`: its id is `<node>:w<thread>`. */
const NODE_OR_WORKER = /^[^\s:]+(:w[1-9][0-9]{0,3})?$/;

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
    maxDeliveries: options.maxDeliveries ?? 0,
    clusterKey: clusterKeyFrom(options.clusterKey),
  };
  stringOption('nodeId', r.nodeId, NODE_OR_WORKER, 'a non-empty string without spaces or ":" (a worker\'s: <node>:w<thread>)');
  for (const name of ['prefix', 'group'] as const) stringOption(name, r[name], KEY_PART, 'a non-empty string without spaces or ":"');
  if (typeof r.redis !== 'string') objectOption('redis', r.redis, 'a redis:// URL or an ioredis options object');
  for (const name of COUNTS) positiveIntegerOption(name, r[name]);
  for (const name of POSITIVE_MS) durationOption(name, r[name]);
  durationOption('trimIntervalMs', r.trimIntervalMs, true, '0 (off) or a positive number of milliseconds');
  if (r.maxDeliveries !== 0) positiveIntegerOption('maxDeliveries', r.maxDeliveries);
  atLeastOption('retryMaxDelayMs', r.retryMaxDelayMs, 'retryMinDelayMs', r.retryMinDelayMs);
  return { ...r, retry: { minMs: r.retryMinDelayMs, maxMs: r.retryMaxDelayMs, randomFactor: RETRY_SPREAD } };
}

export function streamKey(prefix: string, node: string): string {
  return `${prefix}:node:${node}`;
}

/** The stream id of `thread` of `node` for streamKey: the node's own (0, its main thread), else the worker's `<node>:w<thread>`. */
export function threadStreamId(node: string, thread: number): string {
  return thread === 0 ? node : `${node}:w${thread}`;
}

/** The node a stream id (as streamKey takes it, `<node>` or `<node>:w<thread>`) belongs to. */
export function nodeOfStreamId(id: string): string {
  const colon = id.indexOf(':');
  return colon < 0 ? id : id.slice(0, colon);
}
