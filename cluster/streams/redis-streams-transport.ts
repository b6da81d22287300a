import { EventEmitter } from 'node:events';
import type { Redis } from 'ioredis';
import { GlassError, NoRouteError, type Deliver, type Envelope } from '../../runtime/index.js';
import { EnvelopeCodec } from './envelope-codec.js';
import { AckBatcher } from './redis-streams-acks.js';
import type { ClaimOptions, DurableTransport, StreamDelivery } from './redis-streams-delivery.js';
import { openConnection, whenReady } from './redis-streams-connection.js';
import { resolveOptions, streamKey, type RedisStreamsTransportOptions, type ResolvedOptions } from './redis-streams-options.js';
import { StreamReader } from './redis-streams-reader.js';
import { StreamSender } from './redis-streams-sender.js';
import {
  type ForgedEntryError,
  MalformedEntryError,
  ReplayedEntryError,
  TransportErrorCodes,
  TransportStatus,
  TransportUnavailableError,
  UnavailableReason,
  type RedisStreamsEvents,
  type RedisStreamsStats,
} from './redis-streams-status.js';
import { ReplayWindow } from './replay-window.js';
import { claimStream, removeDrainedStream, trimStream, type DrainedStream } from './redis-streams-upkeep.js';

/**
 * Actor messaging between nodes over Redis Streams: one inbound stream per node
 * (`<prefix>:node:<id>`), read by its owner with a consumer group and acknowledged after handling.
 * Two connections: one for XADD, XACK, trimming and claiming, one for the blocking XREADGROUP.
 * See StreamSender (batching, order, retries), StreamReader (delivery, reconnects), AckBatcher,
 * trimStream and claimStream for the parts.
 */
export class RedisStreamsTransport extends EventEmitter<RedisStreamsEvents> implements DurableTransport {
  readonly nodeId: string;
  /** The stream this node reads. */
  readonly stream: string;
  readonly #options: ResolvedOptions;
  readonly #codec = new EnvelopeCodec();
  /** Shared by the reader and claims: nonces accepted per (stream, sender incarnation). */
  readonly #replays = new ReplayWindow();
  readonly #commands: Redis;
  readonly #readerConnection: Redis;
  readonly #acks: AckBatcher;
  readonly #sender: StreamSender;
  #reader: StreamReader | null = null;
  #deliver: Deliver | null = null;
  #status: TransportStatus = TransportStatus.IDLE;
  #readerOk = false;
  #senderOk = true;
  #trimTimer: NodeJS.Timeout | null = null;
  #receivedEntries = 0;
  #receivedEnvelopes = 0;
  #rejectedEntries = 0;
  #replayedEntries = 0;

  constructor(options: RedisStreamsTransportOptions) {
    super();
    this.#options = resolveOptions(options);
    this.nodeId = this.#options.nodeId;
    this.stream = streamKey(this.#options.prefix, this.nodeId);
    this.#commands = openConnection(this.#options, 'commands');
    this.#readerConnection = openConnection(this.#options, 'reader');
    this.#acks = new AckBatcher(this.#commands, this.#options, (stream, ids) => {
      if (stream === this.stream) this.#reader?.forget(ids);
    });
    this.#sender = new StreamSender(this.#commands, this.#options, this.#codec, {
      onUndeliverable: (node, envelopes, error) => this.emit('undeliverable', node, envelopes, error),
      onHealth: (ok, cause) => this.#health(() => (this.#senderOk = ok), cause),
    });
    // Connection errors are reported through the status; without a listener ioredis prints them.
    for (const connection of [this.#commands, this.#readerConnection]) connection.on('error', () => {});
    this.#commands.on('ready', () => {
      this.#health(() => (this.#senderOk = true));
      this.#sender.kick();
      if (this.#acks.pending > 0) void this.#acks.flush();
    });
    this.#commands.on('close', () => this.#health(() => {}, new Error('Redis connection closed')));
    this.#readerConnection.on('close', () => this.#health(() => (this.#readerOk = false), new Error('Redis connection closed')));
    // Reconnected: healthy even while the reader waits for acknowledgements before reading again.
    this.#readerConnection.on('ready', () => this.#health(() => (this.#readerOk = this.#reader !== null)));
  }

  get status(): TransportStatus {
    return this.#status;
  }

  stats(): RedisStreamsStats {
    return {
      status: this.#status,
      queuedEnvelopes: this.#sender.queuedEnvelopes,
      sentEntries: this.#sender.sentEntries,
      sentEnvelopes: this.#sender.sentEnvelopes,
      sendRetries: this.#sender.retries,
      givenUpEnvelopes: this.#sender.givenUpEnvelopes,
      receivedEntries: this.#receivedEntries,
      receivedEnvelopes: this.#receivedEnvelopes,
      rejectedEntries: this.#rejectedEntries,
      replayedEntries: this.#replayedEntries,
      inFlightEntries: this.#reader?.inFlight ?? 0,
      pendingAcks: this.#acks.pending,
    };
  }

  async start(deliver: Deliver): Promise<void> {
    if (this.#status !== TransportStatus.IDLE) throw new GlassError(TransportErrorCodes.TRANSPORT_STATE, `transport of ${this.nodeId} was started already`);
    this.#deliver = deliver;
    this.#setStatus(TransportStatus.STARTING, undefined);
    const signal = AbortSignal.timeout(this.#options.startTimeoutMs);
    for (const connection of [this.#commands, this.#readerConnection]) connection.connect().catch(() => {});
    try {
      if (!(await whenReady(this.#commands, signal)) || !(await whenReady(this.#readerConnection, signal))) {
        throw new TransportUnavailableError(UnavailableReason.NOT_CONNECTED, `Redis not reachable within ${this.#options.startTimeoutMs} ms`);
      }
      this.#reader = new StreamReader(this.#readerConnection, this.#options, this.stream, this.#codec, this.#acks, {
        deliver: (d) => this.#hand(d),
        onMalformed: (_stream, _id, error) => this.emit('malformed', error as MalformedEntryError),
        onForged: (stream, id, error) => {
          // Acknowledged by the reader; deleted too, so that nothing reads it again.
          this.#commands.xdel(stream, id).catch(() => {});
          this.#forged(error);
        },
        onHealth: (ok, cause) => this.#health(() => (this.#readerOk = ok), cause),
        onGroupCreated: (stream) => this.emit('group', stream),
        onExhausted: (d) => this.emit('exhausted', d),
      }, this.#replays);
      await this.#reader.start();
    } catch (err) {
      await this.close();
      throw err;
    }
    this.#readerOk = true;
    this.#health(() => {});
    if (this.#options.trimIntervalMs > 0) {
      this.#trimTimer = setInterval(() => void this.trim().catch(() => {}), this.#options.trimIntervalMs);
      this.#trimTimer.unref();
    }
  }

  /**
   * Queues envelopes for `node` (this node included); they leave at the end of the turn. Throws
   * NoRouteError before start and after close, TransportUnavailableError when the queue is full,
   * UnencodableEnvelopeError naming the envelopes it could not encode — after queueing the rest.
   */
  send(node: string, envelopes: readonly Envelope[]): void {
    if (this.#deliver === null || this.#status === TransportStatus.CLOSED) throw new NoRouteError(node);
    this.#sender.send(node, envelopes);
  }

  flush(): Promise<void> {
    return this.#sender.flush();
  }

  /** Resolves true once Redis took every acknowledgement given so far (false: Redis refused; retried later). */
  flushAcks(): Promise<boolean> {
    return this.#acks.flush();
  }

  /** Trims `node`'s stream (this node's by default) below what its readers still need. */
  async trim(node: string = this.nodeId): Promise<number> {
    const stream = streamKey(this.#options.prefix, node);
    const result = await trimStream(this.#commands, stream);
    if (result !== null && result.trimmed > 0) this.emit('trimmed', stream, result.trimmed, result.floor);
    return result?.trimmed ?? 0;
  }

  async claimFrom(deadNode: string, options: ClaimOptions = {}): Promise<StreamDelivery[]> {
    if (deadNode === this.nodeId) throw new GlassError(TransportErrorCodes.TRANSPORT_STATE, 'a node cannot claim its own stream');
    const { deliveries, malformed, forged } = await claimStream(
      this.#commands,
      {
        stream: streamKey(this.#options.prefix, deadNode),
        group: this.#options.group,
        consumer: this.nodeId,
        minIdleMs: options.minIdleMs ?? 10_000,
        includeUndelivered: options.includeUndelivered ?? true,
        liveConsumers: options.liveConsumers,
        count: this.#options.readCount,
        key: this.#options.clusterKey,
        replays: this.#replays,
      },
      this.#codec,
      this.#acks,
    );
    for (const error of malformed) this.emit('malformed', error);
    for (const error of forged) this.#forged(error);
    return deliveries;
  }

  /**
   * One SCAN step over the node streams under this transport's prefix (any node's, this one's
   * included): the node ids of the keys found and the cursor to go on from ("0": the walk is done).
   * `count` is SCAN's COUNT, the work Redis does for the step.
   */
  async scanNodeStreams(cursor: string, count: number): Promise<{ cursor: string; nodes: string[] }> {
    const head = streamKey(this.#options.prefix, '');
    const [next, keys] = await this.#commands.scan(cursor, 'MATCH', globEscape(head) + '*', 'COUNT', count, 'TYPE', 'stream');
    const nodes: string[] = [];
    for (const key of keys) if (key.length > head.length) nodes.push(key.slice(head.length));
    return { cursor: next, nodes };
  }

  /**
   * Deletes a dead node's stream once every entry in it was handled: sends the acknowledgements
   * (and deletions) given so far first, then removes the stream only if it is empty. `kept` while
   * entries are left (not yet handled, or appended since the last claim).
   */
  async removeIfDrained(deadNode: string): Promise<DrainedStream> {
    if (deadNode === this.nodeId) throw new GlassError(TransportErrorCodes.TRANSPORT_STATE, 'a node cannot remove its own stream');
    const stream = streamKey(this.#options.prefix, deadNode);
    // An acknowledgement Redis has not taken yet leaves its entry in the stream: then it is kept.
    await this.#acks.flush();
    const outcome = await removeDrainedStream(this.#commands, stream);
    if (outcome === 'removed') this.emit('removed', stream);
    return outcome;
  }

  #forged(error: ForgedEntryError): void {
    this.#rejectedEntries++;
    if (error instanceof ReplayedEntryError) this.#replayedEntries++;
    this.emit('forged', error);
  }

  /**
   * Stops reading, waits up to `closeTimeoutMs` for queued sends and acknowledgements, gives up
   * what is left (reported as undeliverable). Entries delivered and not acknowledged stay pending
   * in Redis: the next reader under this node id, or a claim, gets them again.
   */
  async close(): Promise<void> {
    if (this.#status === TransportStatus.CLOSED) return;
    const wasOpen = this.#deliver !== null;
    this.#setStatus(TransportStatus.CLOSED, undefined);
    if (this.#trimTimer !== null) clearInterval(this.#trimTimer);
    // Disconnect each connection once: a second disconnect arms an ioredis timer (disconnectTimeout)
    // on a socket that already closed, which keeps the process alive for two seconds.
    if (this.#reader !== null) await this.#reader.stop();
    else this.#readerConnection.disconnect();
    if (wasOpen) {
      await withinMs(this.#sender.flush().catch(() => {}), this.#options.closeTimeoutMs);
      await withinMs(this.#acks.flush(), this.#options.closeTimeoutMs);
    }
    this.#sender.abandon();
    this.#acks.close();
    this.#commands.disconnect();
  }

  #hand(delivery: StreamDelivery): void {
    this.#receivedEntries++;
    this.#receivedEnvelopes += delivery.envelopes.length;
    try {
      this.#deliver!(delivery.envelopes, delivery);
    } catch (err) {
      // The consumer's bug must not stop the reader; the entry stays pending (redelivered on restart).
      this.emit('deliver-error', err, delivery);
    }
  }

  #health(update: () => void, cause?: unknown): void {
    update();
    if (this.#status === TransportStatus.CLOSED || this.#status === TransportStatus.IDLE || this.#reader === null) return;
    const ok = this.#readerOk && this.#senderOk && this.#commands.status === 'ready';
    this.#setStatus(ok ? TransportStatus.READY : TransportStatus.DEGRADED, ok ? undefined : cause);
  }

  #setStatus(status: TransportStatus, cause: unknown): void {
    if (status === this.#status) return;
    this.#status = status;
    this.emit('status', status, cause);
  }
}

/** A SCAN MATCH pattern matching `text` literally. */
function globEscape(text: string): string {
  return text.replace(/[*?[\]\\]/g, (c) => '\\' + c);
}

async function withinMs(work: Promise<unknown>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([work, new Promise<void>((resolve) => (timer = setTimeout(resolve, ms)))]);
  clearTimeout(timer);
}
