import { setTimeout as delay } from 'node:timers/promises';
import type { Redis } from 'ioredis';
import type { EnvelopeCodec } from './envelope-codec.js';
import { backoffMs, ensureGroup, isNoGroup, whenReady } from './redis-streams-connection.js';
import { readGroupEntries, toDelivery, type AckSink, type RawEntry, type StreamDelivery } from './redis-streams-delivery.js';
import type { ResolvedOptions } from './redis-streams-options.js';
import { ForgedEntryError } from './redis-streams-status.js';
import type { ReplayWindow } from './replay-window.js';

export interface ReaderHooks {
  deliver(delivery: StreamDelivery): void;
  onMalformed(stream: string, id: string, error: unknown): void;
  /** An entry that failed verification; acknowledged here, the transport deletes it. */
  onForged(stream: string, id: string, error: ForgedEntryError): void;
  onHealth(ok: boolean, cause?: unknown): void;
  onGroupCreated(stream: string): void;
  /** An entry delivered `maxDeliveries` times before this reader started (see start). */
  onExhausted(delivery: StreamDelivery): void;
}

/**
 * Reads this node's stream with its consumer group on a dedicated connection (XREADGROUP blocks
 * it). The consumer name is the node id, so a node restarted under the same id first re-reads
 * its own pending list (id 0): what it received before and never acknowledged.
 *
 * It re-reads that list after every lost connection too. An XREADGROUP reply lost in a dropped
 * connection has already moved its entries into this consumer's pending list; nobody would
 * deliver them again. `#known` holds the ids delivered here and not yet XACKed, so the re-read
 * hands over only the entries whose reply was lost, oldest first, before reading new ones.
 *
 * After a Redis restart without persistence the stream and group are gone: XREADGROUP answers
 * NOGROUP and the group is created again (MKSTREAM, from id 0).
 */
export class StreamReader {
  readonly #redis: Redis;
  readonly #options: ResolvedOptions;
  readonly #stream: string;
  readonly #codec: EnvelopeCodec;
  readonly #acks: AckSink;
  readonly #hooks: ReaderHooks;
  readonly #replays: ReplayWindow;
  readonly #known = new Set<string>();
  /** Pending entries delivered maxDeliveries times before this reader started. */
  readonly #exhausted = new Set<string>();
  readonly #stop = new AbortController();
  readonly #onAck = (): void => this.#acked();
  #inFlight = 0;
  #reread = false;
  #room: (() => void) | null = null;
  #loop: Promise<void> | null = null;

  constructor(redis: Redis, options: ResolvedOptions, stream: string, codec: EnvelopeCodec, acks: AckSink, hooks: ReaderHooks, replays: ReplayWindow) {
    this.#replays = replays;
    this.#redis = redis;
    this.#options = options;
    this.#stream = stream;
    this.#codec = codec;
    this.#acks = acks;
    this.#hooks = hooks;
  }

  /** Delivered entries not yet acknowledged by the consumer. */
  get inFlight(): number {
    return this.#inFlight;
  }

  /** Creates the group if needed (the caller made sure the connection is ready), then reads in the background. */
  async start(): Promise<void> {
    // Re-read the pending list after any reconnect, also one that happened between two reads.
    this.#redis.on('close', () => (this.#reread = true));
    if (await ensureGroup(this.#redis, this.#stream, this.#options.group, true)) this.#hooks.onGroupCreated(this.#stream);
    if (this.#options.maxDeliveries > 0) await this.#findExhausted();
    this.#loop = this.#run();
  }

  /**
   * The entries of this consumer's pending list that were delivered maxDeliveries times already
   * (each read of a pending list counts one): a reader that restarts under the same name after
   * the one before died holding them. They are handed to onExhausted instead of being delivered,
   * so that a message that kills its reader cannot kill every one after it.
   */
  async #findExhausted(): Promise<void> {
    const rows = (await this.#redis.xpending(this.#stream, this.#options.group, '-', '+', this.#options.maxInFlightEntries, this.#options.nodeId)) as [string, string, number, number][];
    for (const [id, , , deliveries] of rows) if (deliveries >= this.#options.maxDeliveries) this.#exhausted.add(id);
  }

  /** Redis took the acknowledgements of these ids: a later re-read of the pending list will not see them. */
  forget(ids: readonly string[]): void {
    for (const id of ids) this.#known.delete(id);
  }

  async stop(): Promise<void> {
    this.#stop.abort();
    this.#room?.();
    // A blocked XREADGROUP only returns when its BLOCK ends: cut the connection instead.
    this.#redis.disconnect();
    await this.#loop;
  }

  async #run(): Promise<void> {
    const signal = this.#stop.signal;
    const group = this.#options.group;
    const consumer = this.#options.nodeId;
    let backlog = true;
    let cursor = '0';
    let attempt = 0;
    while (!signal.aborted) {
      if (this.#inFlight >= this.#options.maxInFlightEntries) {
        await new Promise<void>((resolve) => (this.#room = resolve));
        continue;
      }
      try {
        if (!(await whenReady(this.#redis, signal))) break;
        if (this.#reread) {
          this.#reread = false;
          backlog = true;
          cursor = '0';
        }
        const count = this.#options.readCount;
        const reply = backlog
          ? await this.#redis.callBuffer('XREADGROUP', 'GROUP', group, consumer, 'COUNT', count, 'STREAMS', this.#stream, cursor)
          : await this.#redis.callBuffer('XREADGROUP', 'GROUP', group, consumer, 'COUNT', count, 'BLOCK', this.#options.blockMs, 'STREAMS', this.#stream, '>');
        attempt = 0;
        this.#hooks.onHealth(true);
        const entries = readGroupEntries(reply);
        if (backlog) {
          if (entries.length === 0) backlog = false;
          else cursor = entries[entries.length - 1].id;
        }
        for (const entry of entries) this.#hand(entry);
      } catch (err) {
        if (signal.aborted) break;
        if (isNoGroup(err)) {
          try {
            if (await ensureGroup(this.#redis, this.#stream, group, true)) this.#hooks.onGroupCreated(this.#stream);
            this.#hooks.onHealth(true);
            continue;
          } catch (again) {
            err = again;
          }
        }
        this.#hooks.onHealth(false, err);
        this.#reread = true;
        // A connection error waits for the reconnect (whenReady above); a reply error (LOADING, OOM…) backs off.
        if (this.#redis.status === 'ready') await delay(backoffMs(this.#options, attempt++), undefined, { signal }).catch(() => {});
      }
    }
  }

  #hand(entry: RawEntry): void {
    if (this.#known.has(entry.id)) return;
    this.#known.add(entry.id);
    if (entry.fields === null) {
      // Deleted while pending: nothing to deliver, but it must leave the pending list.
      this.#acks.acknowledge(this.#stream, entry.id, false);
      return;
    }
    let delivery: StreamDelivery;
    try {
      delivery = toDelivery(this.#codec, this.#options.clusterKey, this.#stream, entry as RawEntry & { fields: Buffer[] }, this.#acks, false, this.#onAck, this.#replays);
    } catch (err) {
      this.#acks.acknowledge(this.#stream, entry.id, false);
      if (err instanceof ForgedEntryError) return this.#hooks.onForged(this.#stream, entry.id, err);
      this.#hooks.onMalformed(this.#stream, entry.id, err);
      return;
    }
    this.#inFlight++;
    if (this.#exhausted.size > 0 && this.#exhausted.delete(entry.id)) return this.#hooks.onExhausted(delivery);
    this.#hooks.deliver(delivery);
  }

  #acked(): void {
    this.#inFlight--;
    if (this.#room !== null && this.#inFlight < this.#options.maxInFlightEntries) {
      const room = this.#room;
      this.#room = null;
      room();
    }
  }
}
