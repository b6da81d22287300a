import type { Redis } from 'ioredis';
import type { Envelope } from '../../runtime/index.js';
import type { EnvelopeCodec } from './envelope-codec.js';
import { MAC_FIELD, NONCE_FIELD, PAYLOAD_FIELD, SENDER_FIELD, entryMac } from './redis-streams-delivery.js';
import { NonceSource } from './replay-window.js';
import { TransportUnavailableError, UnavailableReason, UnencodableEnvelopeError } from './redis-streams-status.js';
import { Outbox, type OutEntry } from './redis-streams-outbox.js';
import { backoffMs } from './redis-streams-connection.js';
import { streamKey, type ResolvedOptions } from './redis-streams-options.js';

export interface SenderHooks {
  onUndeliverable(node: string, envelopes: readonly Envelope[], error: TransportUnavailableError): void;
  onHealth(ok: boolean, cause?: unknown): void;
}

/**
 * The send side. Envelopes are encoded when sent (so a bad one is refused at once, alone), then
 * gathered per target node into entries of up to `maxEntryEnvelopes`; at the end of the turn
 * every sealed entry goes out in one pipeline of XADDs. One entry per (turn, node) rather than
 * one per envelope: under load the XADD count, not the bytes, is what costs (command building on
 * this side, per-entry work in Redis), and acknowledging a batch as a whole costs nothing extra,
 * since redelivery is at-least-once anyway. Under light load an entry holds one envelope and
 * nothing waits for a batch to fill.
 *
 * Order: one queue, one pipeline in flight. An entry Redis did not take stays at its place in
 * the queue and is retried, with backoff, before anything sent after it leaves — so each target
 * stream receives this node's entries in send order (a lost connection fails a pipeline from the
 * first unanswered command on; an entry Redis did take is never sent again). An entry Redis has
 * not taken `giveUpAfterMs` after it was queued is given up and reported, never dropped silently.
 */
export class StreamSender {
  readonly #redis: Redis;
  readonly #options: ResolvedOptions;
  readonly #codec: EnvelopeCodec;
  readonly #hooks: SenderHooks;
  readonly #open = new Map<string, OutEntry>();
  readonly #outbox = new Outbox();
  readonly #nonces = new NonceSource();
  #queuedEnvelopes = 0;
  #scheduled = false;
  #pumping = false;
  #retryTimer: NodeJS.Timeout | null = null;
  #attempt = 0;
  #abandoned = false;
  sentEntries = 0;
  sentEnvelopes = 0;
  retries = 0;
  givenUpEnvelopes = 0;

  constructor(redis: Redis, options: ResolvedOptions, codec: EnvelopeCodec, hooks: SenderHooks) {
    this.#redis = redis;
    this.#options = options;
    this.#codec = codec;
    this.#hooks = hooks;
  }

  /** Envelopes accepted and not yet stored or given up. */
  get queuedEnvelopes(): number {
    return this.#queuedEnvelopes;
  }

  send(node: string, envelopes: readonly Envelope[]): void {
    if (this.#queuedEnvelopes + envelopes.length > this.#options.maxQueuedEnvelopes) {
      throw new TransportUnavailableError(
        UnavailableReason.QUEUE_FULL,
        `${this.#queuedEnvelopes} envelopes are already waiting for Redis (maxQueuedEnvelopes ${this.#options.maxQueuedEnvelopes})`,
        { node, queued: this.#queuedEnvelopes },
      );
    }
    let rejected: Envelope[] | null = null;
    let cause: unknown;
    for (const e of envelopes) {
      let record: Buffer;
      try {
        record = this.#codec.encode(e);
      } catch (err) {
        (rejected ??= []).push(e);
        cause ??= err;
        continue;
      }
      this.#append(node, e, record);
    }
    this.#schedule();
    if (rejected !== null) throw new UnencodableEnvelopeError(node, rejected, cause);
  }

  /** Resolves once everything sent so far is stored; rejects if some of it was given up. */
  flush(): Promise<void> {
    this.#sealAll();
    return this.#outbox.flush();
  }

  /** The connection is back: retry now instead of at the end of the backoff. */
  kick(): void {
    if (this.#retryTimer === null) return;
    clearTimeout(this.#retryTimer);
    this.#retryTimer = null;
    void this.#pump();
  }

  /** Gives up everything still queued (the transport is closing). */
  abandon(): void {
    this.#abandoned = true;
    if (this.#retryTimer !== null) clearTimeout(this.#retryTimer);
    this.#retryTimer = null;
    this.#sealAll();
    this.#giveUp(Number.POSITIVE_INFINITY, UnavailableReason.CLOSED);
  }

  #append(node: string, e: Envelope, record: Buffer): void {
    let entry = this.#open.get(node);
    if (entry !== undefined && (entry.envelopes.length >= this.#options.maxEntryEnvelopes || entry.bytes + record.length > this.#options.maxEntryBytes)) {
      this.#seal(entry);
      entry = undefined;
    }
    if (entry === undefined) {
      entry = { node, stream: streamKey(this.#options.prefix, node), records: [], bytes: 0, envelopes: [], payload: null, nonce: null, mac: null, queuedAt: Date.now(), seq: 0, stored: false };
      this.#open.set(node, entry);
    }
    entry.records.push(record);
    entry.bytes += record.length;
    entry.envelopes.push(e);
    this.#queuedEnvelopes++;
  }

  #seal(entry: OutEntry): void {
    this.#open.delete(entry.node);
    entry.payload = this.#codec.join(entry.records, entry.bytes);
    // One MAC per entry, over the exact bytes Redis will hold. Nonces are taken in seal order, which
    // is the outbox's order and so each target stream's (see replay-window.ts).
    entry.nonce = this.#nonces.next();
    entry.mac = entryMac(this.#options.clusterKey, entry.stream, this.#options.nodeId, entry.nonce, entry.payload);
    entry.records = [];
    this.#outbox.push(entry);
  }

  #sealAll(): void {
    for (const entry of this.#open.values()) this.#seal(entry);
  }

  /** All of a turn's sends leave together: the pipeline starts in a microtask after the turn's code. */
  #schedule(): void {
    if (this.#scheduled) return;
    this.#scheduled = true;
    queueMicrotask(() => {
      this.#scheduled = false;
      void this.#pump();
    });
  }

  async #pump(): Promise<void> {
    if (this.#pumping || this.#retryTimer !== null || this.#abandoned) return;
    this.#pumping = true;
    try {
      for (this.#sealAll(); this.#outbox.size > 0; this.#sealAll()) {
        if (this.#redis.status !== 'ready') return this.#retryLater(new Error(`Redis connection is ${this.#redis.status}`));
        const wanted = Math.min(this.#outbox.size, this.#options.maxPipelineEntries);
        const pipeline = this.#redis.pipeline();
        const sent: OutEntry[] = [];
        for (let i = 0; i < wanted; i++) {
          const entry = this.#outbox.at(i);
          if (entry.stored) continue;
          pipeline.xadd(entry.stream, '*', SENDER_FIELD, this.#options.nodeId, NONCE_FIELD, entry.nonce!, PAYLOAD_FIELD, entry.payload!, MAC_FIELD, entry.mac!);
          sent.push(entry);
        }
        let results: [Error | null, unknown][] | null = null;
        let cause: unknown = null;
        try {
          results = await pipeline.exec();
        } catch (err) {
          cause = err;
        }
        // Closed meanwhile: the queue was given up, this pipeline's entries with it (reported undeliverable,
        // though Redis may have stored some: at-least-once allows the duplicate, not the silent loss).
        if (this.#abandoned) return;
        // Commands of a pipeline succeed or fail one by one: an entry Redis took is never sent again,
        // even if one before it failed; it leaves the queue when everything before it has.
        sent.forEach((entry, i) => {
          const result = results?.[i];
          if (result !== undefined && result[0] === null) entry.stored = true;
          else cause ??= result?.[0] ?? new Error('pipeline ended early');
        });
        while (this.#outbox.size > 0 && this.#outbox.at(0).stored) this.#settleHead(null);
        if (cause !== null) return this.#retryLater(cause);
        this.#attempt = 0;
        this.#hooks.onHealth(true);
      }
    } finally {
      this.#pumping = false;
      this.#outbox.wake();
    }
  }

  #retryLater(cause: unknown): void {
    this.#hooks.onHealth(false, cause);
    this.#giveUp(Date.now() - this.#options.giveUpAfterMs, UnavailableReason.GAVE_UP, cause);
    if (this.#outbox.size === 0 || this.#retryTimer !== null) return;
    this.retries++;
    this.#retryTimer = setTimeout(() => {
      this.#retryTimer = null;
      void this.#pump();
    }, backoffMs(this.#options, this.#attempt++));
  }

  /** Gives up the head entries queued at or before `queuedBy`, reporting each one. */
  #giveUp(queuedBy: number, reason: UnavailableReason, cause?: unknown): void {
    while (this.#outbox.size > 0) {
      const entry = this.#outbox.at(0);
      if (entry.stored) {
        this.#settleHead(null);
        continue;
      }
      if (entry.queuedAt > queuedBy) break;
      const error = new TransportUnavailableError(
        reason,
        reason === UnavailableReason.CLOSED
          ? `transport closed before Redis took ${entry.envelopes.length} envelope(s) for node ${entry.node}`
          : `Redis did not take ${entry.envelopes.length} envelope(s) for node ${entry.node} within ${this.#options.giveUpAfterMs} ms`,
        { node: entry.node, envelopes: entry.envelopes.length },
        cause,
      );
      this.#settleHead(error);
      this.givenUpEnvelopes += entry.envelopes.length;
      this.#hooks.onUndeliverable(entry.node, entry.envelopes, error);
    }
    this.#outbox.wake();
  }

  #settleHead(error: TransportUnavailableError | null): void {
    const entry = this.#outbox.settleHead(error);
    this.#queuedEnvelopes -= entry.envelopes.length;
    if (error !== null) return;
    this.sentEntries++;
    this.sentEnvelopes += entry.envelopes.length;
  }
}
