import type { Redis, RedisOptions } from 'ioredis';
import { clusterKeyFrom, type ClusterKey } from '../cluster-key.js';
import { openRedis } from '../redis-connection.js';
import { MembershipUnavailableError, reconnectDelayMs, resolveMembershipOptions, type RedisMembershipOptions, type ResolvedMembershipOptions } from './membership-options.js';
import { HeartbeatLoop } from './membership-loop.js';
import { beatAndRead, membershipKeys, readSnapshot, writeTombstone, type MembershipKeys, type Snapshot } from './membership-scripts.js';
import { EMPTY_VIEW, isEmptyChange, nextView, type MemberChange, type MemberRecord, type MembershipView } from './membership-view.js';

export type MembershipStatus = 'connected' | 'reconnecting';
export type MembershipListener = (members: MemberRecord[], change: MemberChange) => void;
export type MembershipStatusListener = (status: MembershipStatus, lastError: Error | undefined) => void;

/**
 * This node's membership in the cluster, kept in Redis: it registers, beats every heartbeatMs,
 * reads everybody's heartbeats in the same round trip, and turns them into the sorted list of live
 * members that every node computes alike (see membership-view.ts). Joins and leaves are also
 * published, so peers re-read at once instead of at their next beat.
 *
 * Redis failing never throws out of a timer: the last view is kept (the local node keeps working),
 * ioredis reconnects with bounded backoff, and status() / onStatus say so.
 */
export class RedisMembership {
  readonly #o: ResolvedMembershipOptions;
  readonly #keys: MembershipKeys;
  readonly #key: ClusterKey;
  /** Records read that did not verify (forged, or signed with another key): never members. */
  #forgedRecords = 0;
  #record: MemberRecord;
  #cmd: Redis | undefined;
  #sub: Redis | undefined;
  #view: MembershipView = EMPTY_VIEW;
  #lastRedisNow = 0;
  #failing = false;
  #resumed = false;
  #observedSince = -Infinity;
  #status: MembershipStatus = 'reconnecting';
  #lastError: Error | undefined;
  #lastHeartbeatAt: number | undefined;
  #running = false;
  #closed = false;
  readonly #loop: HeartbeatLoop;
  #refreshing = false;
  #refreshAgain = false;
  readonly #changeListeners = new Set<MembershipListener>();
  readonly #statusListeners = new Set<MembershipStatusListener>();

  constructor(options: RedisMembershipOptions) {
    this.#o = resolveMembershipOptions(options);
    this.#keys = membershipKeys(this.#o.keyPrefix);
    this.#key = clusterKeyFrom(options.clusterKey);
    this.#record = { id: this.#o.nodeId, workers: this.#o.workers, startedAt: 0 };
    this.#loop = new HeartbeatLoop(() => this.#tick(), this.#o.heartbeatMs, this.#noteFailure);
  }

  get nodeId(): string {
    return this.#o.nodeId;
  }

  /** Live members sorted by id (the input of Placement.setMembers); the last known view while Redis is away. */
  members(): MemberRecord[] {
    return this.#view.members.slice();
  }

  /** How many member records read so far failed verification (each read of one counts). */
  forgedRecords(): number {
    return this.#forgedRecords;
  }

  status(): MembershipStatus {
    return this.#status;
  }

  /** The Redis error behind the current 'reconnecting' status, if any. */
  lastError(): Error | undefined {
    return this.#lastError;
  }

  /** Local time at which the last acknowledged heartbeat was sent (before Redis stamped it). */
  lastHeartbeatAt(): number | undefined {
    return this.#lastHeartbeatAt;
  }

  onChange(listener: MembershipListener): () => void {
    this.#changeListeners.add(listener);
    return () => this.#changeListeners.delete(listener);
  }

  onStatus(listener: MembershipStatusListener): () => void {
    this.#statusListeners.add(listener);
    return () => this.#statusListeners.delete(listener);
  }

  /** Registers this node and resolves once its first view is built; MembershipUnavailableError if Redis cannot be reached. */
  async start(): Promise<void> {
    if (this.#running || this.#closed) throw new Error('RedisMembership can be started once');
    this.#running = true;
    const record: MemberRecord = { id: this.#o.nodeId, workers: this.#o.workers, startedAt: this.#o.now() };
    this.#record = this.#o.address === undefined ? record : { ...record, address: this.#o.address };
    const base: RedisOptions = { lazyConnect: true, connectTimeout: this.#o.commandTimeoutMs, retryStrategy: (attempt) => reconnectDelayMs(attempt, this.#o) };
    // Commands fail fast while disconnected: a heartbeat queued during an outage is worthless.
    this.#cmd = this.#wire(openRedis(this.#o.redisUrl, { ...base, enableOfflineQueue: false, maxRetriesPerRequest: 0, commandTimeout: this.#o.commandTimeoutMs }));
    // A dedicated connection: one in subscriber mode cannot run the scripts.
    this.#sub = this.#wire(openRedis(this.#o.redisUrl, { ...base, maxRetriesPerRequest: null }));
    this.#sub.on('message', this.#onMessage);
    try {
      await Promise.all([this.#cmd.connect(), this.#sub.connect()]);
      await this.#sub.subscribe(this.#keys.channel);
      const sentAt = this.#o.now();
      this.#apply(await beatAndRead(this.#cmd, this.#key, this.#keys, this.#record, this.#o.downAfterMs, true), sentAt);
    } catch (err) {
      await this.close();
      throw new MembershipUnavailableError(this.#o.nodeId, err);
    }
    this.#loop.start();
  }

  /**
   * Leaves gracefully: a tombstone and a message, so peers rebuild at once; then closes. Resolves
   * false when Redis could not be told (peers will declare this node down after downAfterMs).
   */
  async leave(): Promise<boolean> {
    if (!this.#running) return false;
    // From here no reply may put this node back into its own view.
    this.#running = false;
    this.#loop.stop();
    let announced = false;
    const tombstone: MemberRecord = { ...this.#record, leftAt: this.#o.now() };
    try {
      if (this.#cmd?.status === 'ready') {
        await writeTombstone(this.#cmd, this.#key, this.#keys, tombstone, this.#o.downAfterMs);
        announced = true;
      }
    } catch (err) {
      this.#lastError = asError(err);
    }
    const sightings = new Map([...this.#view.entries].map(([id, e]) => [id, { record: e.record, beatAt: e.beatAt }]));
    sightings.set(tombstone.id, { record: tombstone, beatAt: this.#lastRedisNow });
    this.#setView(nextView(this.#view, sightings, this.#lastRedisNow, this.#o.downAfterMs));
    await this.close();
    return announced;
  }

  /** Stops beating and disconnects without leaving: to peers this is a crash, seen after downAfterMs. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#running = false;
    this.#loop.stop();
    await Promise.all([this.#cmd, this.#sub].map((c) => (c === undefined ? undefined : quit(c))));
  }

  #wire(client: Redis): Redis {
    client.on('error', (err: Error) => {
      this.#lastError = err;
    });
    for (const event of ['ready', 'close', 'reconnecting', 'end']) client.on(event, this.#onConnection);
    return client;
  }

  #onConnection = (): void => {
    if (this.#closed) return;
    this.#updateStatus();
    // Back from an outage: beat and re-read now, the messages published meanwhile were lost.
    if (this.#running && this.#cmd?.status === 'ready' && this.#sub?.status === 'ready') this.#loop.kick();
  };

  /** Connected means both connections are up and the last round trip worked (a stuck Redis is not "connected"). */
  #updateStatus(): void {
    const next: MembershipStatus =
      this.#cmd?.status === 'ready' && this.#sub?.status === 'ready' && !this.#failing ? 'connected' : 'reconnecting';
    if (next === this.#status) return;
    this.#status = next;
    if (next === 'reconnecting') {
      this.#resumed = false;
      // A server that vanishes closes the socket without an error event: still give a reason.
      this.#lastError ??= new Error('connection to Redis lost');
    } else {
      this.#lastError = undefined;
    }
    for (const listener of this.#statusListeners) guard(() => listener(next, this.#lastError));
  }

  #noteFailure = (err: unknown): void => {
    this.#lastError = asError(err);
    if (this.#closed) return;
    this.#failing = true;
    this.#updateStatus();
  };

  #onMessage = (): void => {
    if (this.#refreshing) {
      this.#refreshAgain = true;
      return;
    }
    void this.#refresh();
  };

  async #refresh(): Promise<void> {
    this.#refreshing = true;
    try {
      do {
        this.#refreshAgain = false;
        if (!this.#running || this.#cmd?.status !== 'ready') return;
        this.#apply(await readSnapshot(this.#cmd, this.#key, this.#keys));
      } while (this.#refreshAgain);
    } catch (err) {
      this.#noteFailure(err);
    } finally {
      this.#refreshing = false;
    }
  }

  async #tick(): Promise<void> {
    const cmd = this.#cmd;
    if (!this.#running || cmd === undefined || cmd.status !== 'ready') return;
    const sentAt = this.#o.now();
    this.#apply(await beatAndRead(cmd, this.#key, this.#keys, this.#record, this.#o.downAfterMs, false), sentAt);
  }

  #apply(snapshot: Snapshot, beatSentAt?: number): void {
    if (beatSentAt !== undefined) this.#lastHeartbeatAt = beatSentAt;
    this.#forgedRecords += snapshot.forged.length;
    // A reply that lands after leave() or close() describes a membership this node is no longer in.
    if (!this.#running) return;
    this.#lastRedisNow = snapshot.nowMs;
    this.#failing = false;
    this.#updateStatus();
    // The first read after an outage is when observation resumed (see nextView's observedSinceMs).
    if (!this.#resumed) {
      this.#resumed = true;
      this.#observedSince = snapshot.nowMs;
    }
    this.#setView(nextView(this.#view, snapshot.sightings, snapshot.nowMs, this.#o.downAfterMs, this.#observedSince));
  }

  #setView(view: MembershipView): void {
    this.#view = view;
    if (isEmptyChange(view.change)) return;
    for (const listener of this.#changeListeners) guard(() => listener(view.members.slice(), view.change));
  }
}

async function quit(client: Redis): Promise<void> {
  // quit() lets in-flight replies land; a connection that is not up is simply dropped.
  if (client.status === 'ready') await client.quit().catch(() => client.disconnect());
  else client.disconnect();
}

/** A listener's bug is reported, not thrown into a timer or an ioredis callback. */
function guard(fn: () => void): void {
  try {
    fn();
  } catch (err) {
    process.emitWarning(asError(err), 'GlassMembershipListenerWarning');
  }
}

function asError(err: unknown): Error {
  return err instanceof Error ? err : new Error(String(err));
}
