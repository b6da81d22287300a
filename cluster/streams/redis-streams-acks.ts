import type { Redis } from 'ioredis';
import { backoffMs } from './redis-streams-connection.js';
import type { AckSink } from './redis-streams-delivery.js';
import type { ResolvedOptions } from './redis-streams-options.js';

/** Ids per XACK / XDEL command: bounded so one command never carries an unbounded argument list. */
const IDS_PER_COMMAND = 1_000;

interface StreamAcks {
  ids: string[];
  remove: boolean;
}

/**
 * Acknowledgements, batched: every ack of a turn goes out in one pipeline, one XACK per stream
 * (and an XDEL for entries claimed from a dead node). An ack Redis did not take is kept and sent
 * again with backoff; an ack lost with the process only means the entry is delivered again, which
 * at-least-once delivery allows. `onAcked` reports what Redis took, so the reader can forget ids
 * it would otherwise skip when it re-reads its pending list.
 */
export class AckBatcher implements AckSink {
  readonly #redis: Redis;
  readonly #options: ResolvedOptions;
  readonly #onAcked: (stream: string, ids: readonly string[]) => void;
  #pending = new Map<string, StreamAcks>();
  #count = 0;
  #scheduled = false;
  #flushing: Promise<boolean> | null = null;
  #retryTimer: NodeJS.Timeout | null = null;
  #attempt = 0;
  #closed = false;

  constructor(redis: Redis, options: ResolvedOptions, onAcked: (stream: string, ids: readonly string[]) => void) {
    this.#redis = redis;
    this.#options = options;
    this.#onAcked = onAcked;
  }

  /** Acknowledgements not yet taken by Redis. */
  get pending(): number {
    return this.#count;
  }

  acknowledge(stream: string, id: string, remove: boolean): void {
    this.#add(stream, [id], remove);
    this.#schedule();
  }

  /** Sends what is pending now; resolves true when Redis took all of it. */
  async flush(): Promise<boolean> {
    while (this.#flushing !== null) await this.#flushing;
    if (this.#count === 0) return true;
    const batch = this.#pending;
    this.#pending = new Map();
    this.#count = 0;
    this.#flushing = this.#send(batch);
    try {
      return await this.#flushing;
    } finally {
      this.#flushing = null;
      if (this.#count > 0) this.#schedule();
    }
  }

  /** Stops retrying; what is still pending is left to redelivery. */
  close(): void {
    this.#closed = true;
    if (this.#retryTimer !== null) clearTimeout(this.#retryTimer);
    this.#retryTimer = null;
  }

  #add(stream: string, ids: readonly string[], remove: boolean): void {
    let acks = this.#pending.get(stream);
    if (acks === undefined) this.#pending.set(stream, (acks = { ids: [], remove }));
    for (const id of ids) acks.ids.push(id);
    this.#count += ids.length;
  }

  /** Once per event-loop turn (not per microtask): acks come from many handlers across a turn. */
  #schedule(): void {
    if (this.#scheduled || this.#retryTimer !== null || this.#closed) return;
    this.#scheduled = true;
    setImmediate(() => {
      this.#scheduled = false;
      void this.flush();
    });
  }

  async #send(batch: Map<string, StreamAcks>): Promise<boolean> {
    const pipeline = this.#redis.pipeline();
    const commands: string[] = [];
    for (const [stream, acks] of batch) {
      for (let i = 0; i < acks.ids.length; i += IDS_PER_COMMAND) {
        const ids = acks.ids.slice(i, i + IDS_PER_COMMAND);
        pipeline.xack(stream, this.#options.group, ...ids);
        commands.push(stream);
        if (acks.remove) {
          pipeline.xdel(stream, ...ids);
          commands.push(stream);
        }
      }
    }
    const failed = new Set<string>();
    try {
      const results = (await pipeline.exec()) ?? [];
      commands.forEach((stream, i) => results[i]?.[0] == null || failed.add(stream));
      if (results.length < commands.length) commands.forEach((stream) => failed.add(stream));
    } catch {
      commands.forEach((stream) => failed.add(stream));
    }
    for (const [stream, acks] of batch) {
      if (!failed.has(stream)) {
        this.#onAcked(stream, acks.ids);
        continue;
      }
      // XACK and XDEL are idempotent: sending a whole stream's ids again is safe. Not scheduled
      // here: the retry timer below paces the next attempt.
      this.#add(stream, acks.ids, acks.remove);
    }
    if (failed.size === 0) {
      this.#attempt = 0;
      return true;
    }
    if (!this.#closed && this.#retryTimer === null) {
      this.#retryTimer = setTimeout(() => {
        this.#retryTimer = null;
        void this.flush();
      }, backoffMs(this.#options, this.#attempt++));
    }
    return false;
  }
}
