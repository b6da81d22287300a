import type { Envelope, NodeLinkInit, WorkerNodeLink } from '../../runtime/index.js';
import { unsealClusterKey, type ClusterKey } from '../cluster-key.js';
import { threadStreamId } from './redis-streams-options.js';
import { ReplayedEntryError } from './redis-streams-status.js';
import { RedisStreamsTransport } from './redis-streams-transport.js';

/** What startClusterNode gives each worker when `workerStreams` is on (plain data: it crosses as workerData). */
export interface WorkerStreamsOptions {
  /** A `redis://` URL. */
  redis: string;
  prefix: string;
  /** ClusterKey.sealForWorkers(), after its structured clone. */
  clusterKey: { bytes: Uint8Array; source: ClusterKey['source'] };
  /** Trim the worker's stream every so often (default 5,000 ms). */
  trimIntervalMs?: number;
  /** Delivered entries not yet acknowledged before the worker stops reading (default 16,384: write-behind actors acknowledge with their next save). */
  maxInFlightEntries?: number;
}

/** A worker's entry read this often by the workers of its thread (each died holding it) is refused, as the main thread refuses after MAX_DELIVERY_ATTEMPTS. */
export const MAX_DELIVERIES = 3;

/** What a worker names to build its own link to the other nodes (cluster/worker-modules.ts). */
export const WORKER_STREAMS = { module: import.meta.url, export: 'createWorkerStreams' } as const;

/**
 * A worker's own link to the other nodes: a RedisStreamsTransport of its own (two connections,
 * its own nonce incarnation and replay window) under the id `<node>:w<thread>`, so it reads
 * `<prefix>:node:<node>:w<thread>` with the consumer `<node>:w<thread>` — the name a replacement
 * worker of the same thread reads under again, so that its first read is its predecessor's
 * pending list (what was delivered and never acknowledged), before anything new. It sends to the
 * stream of the thread that owns the actor on the other node (an asker's thread for a reply;
 * thread 0, that node's own stream, for its pinned kinds and its main thread's asks), signed with
 * the cluster key; what one loop turn sends to one stream is one entry, every entry of the turn one
 * pipeline (StreamSender).
 */
export function createWorkerStreams(init: NodeLinkInit): WorkerNodeLink {
  const o = init.options as WorkerStreamsOptions;
  const hooks = init.hooks;
  const transport = new RedisStreamsTransport({
    nodeId: threadStreamId(init.nodeId, init.thread),
    redis: o.redis,
    prefix: o.prefix,
    clusterKey: unsealClusterKey(o.clusterKey),
    trimIntervalMs: o.trimIntervalMs ?? 5_000,
    maxInFlightEntries: o.maxInFlightEntries ?? 16_384,
    // Read by this thread's workers this often (each died holding it): taken for the killer.
    maxDeliveries: MAX_DELIVERIES,
  });
  transport.on('exhausted', (d) => {
    hooks.log('error', { stream: d.stream, id: d.id, envelopes: d.envelopes.length }, 'stream entry refused: the workers before this one died holding it');
    hooks.exhausted(d.envelopes, d);
  });
  transport.on('undeliverable', (to, envelopes, error) => {
    hooks.log('error', { to, envelopes: envelopes.length, code: error.code }, 'cross-node envelopes given up');
    hooks.undeliverable(envelopes, error);
  });
  transport.on('forged', (error) => {
    // Stream and entry id only: never the payload.
    const { stream, id, reason } = error.details as { stream: string; id: string; reason?: string };
    hooks.log('warn', { stream, id, code: error.code, reason }, 'stream entry failed verification: acknowledged, deleted, not delivered');
    hooks.deadLetter({ to: stream, from: null, messageType: '(stream entry)', reason: error instanceof ReplayedEntryError ? 'replayed-entry' : 'forged-entry', at: Date.now() });
  });
  transport.on('malformed', (error) => hooks.log('error', { err: error.message }, 'malformed stream entry acknowledged and dropped'));
  transport.on('deliver-error', (err) => hooks.log('error', { err: err instanceof Error ? err.message : String(err) }, 'delivery failed; entry left pending'));
  transport.on('status', (status, cause) => {
    if (status === 'degraded') hooks.log('warn', { status, err: cause instanceof Error ? cause.message : undefined }, 'worker stream degraded: cross-node sends are retried');
  });
  return {
    start: () => transport.start((batch, receipt) => hooks.deliver(batch, receipt)),
    send: (node: string, thread: number, e: Envelope) => transport.send(threadStreamId(node, thread), [e]),
    flush: () => transport.flush(),
    close: () => transport.close(),
  };
}
