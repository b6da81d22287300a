import type { GlassNode } from '../../runtime/node/index.js';
import type { MemberRecord } from '../membership/index.js';
import { DrainedStream, nodeOfStreamId, type RedisStreamsTransport } from '../streams/index.js';

/** Entries pending under a live consumer (this node handling them) are left alone this long, as by the claimer. */
const LIVE_MIN_IDLE_MS = 60_000;
/** A node's stream is swept once the node has been seen absent from membership for this long at least. */
const MIN_ABSENT_MS = 5_000;
/** SCAN COUNT per step, steps per pass, and streams drained per pass: the work of one pass is bounded. */
const SCAN_COUNT = 100;
const SCAN_STEPS_PER_PASS = 10;
const STREAMS_PER_PASS = 20;
/** Absent nodes remembered at most (a stream key per node; a bound in case something floods the keyspace). */
const MAX_TRACKED = 10_000;

export interface SweepTiming {
  downAfterMs: number;
  /** How often a pass runs (default 4 × downAfterMs, at least 5 s). */
  intervalMs?: number;
}

export interface SweepPass {
  /** Streams of absent nodes drained this pass (claimed, handed over, removed if empty). */
  swept: string[];
  /** Of those, the ones removed. */
  removed: string[];
  /** True when the pass ended a full walk of the keyspace. */
  walked: boolean;
}

/**
 * What DeadNodeClaims leaves behind: a stream recreated by a sender's XADD after the claimer
 * stopped watching, or entries a claimer took and never acknowledged because it died mid-drain.
 *
 * Every `intervalMs` the lowest live member (the same node as the claimer: the membership is the
 * lease, and the work is idempotent if two nodes briefly disagree) walks the node streams under the
 * prefix with SCAN, a bounded number of steps per pass, going on from its cursor at the next pass. A
 * stream whose node is not in membership is noted; once the node has been absent for
 * max(MIN_ABSENT_MS, 2 × downAfterMs) (longer than detection and a departing node's grace), the
 * stream is drained like a claim: entries pending under consumers that are not members are claimed
 * at once (their claimer is gone), entries pending under a live member only past LIVE_MIN_IDLE_MS
 * (it is handling them), then what nobody read; every entry is verified (MAC, replay window),
 * refused entries are dead-lettered, and each is handed to this node, which routes it to the
 * actor's owner and acknowledges and deletes the entry once handled. The stream is removed when
 * empty; a stream not yet empty is taken again at the next pass.
 */
export class DeadStreamSweep {
  readonly #node: GlassNode;
  readonly #transport: RedisStreamsTransport;
  readonly #members: () => MemberRecord[];
  readonly #absentAfterMs: number;
  readonly #intervalMs: number;
  readonly #absentSince = new Map<string, number>();
  #cursor = '0';
  #timer: NodeJS.Timeout | null = null;
  #running: Promise<SweepPass> | null = null;
  #stopped = false;

  constructor(node: GlassNode, transport: RedisStreamsTransport, members: () => MemberRecord[], timing: SweepTiming) {
    this.#node = node;
    this.#transport = transport;
    this.#members = members;
    this.#absentAfterMs = Math.max(MIN_ABSENT_MS, 2 * timing.downAfterMs);
    this.#intervalMs = timing.intervalMs ?? Math.max(MIN_ABSENT_MS, 4 * timing.downAfterMs);
  }

  start(): void {
    if (this.#timer !== null || this.#stopped) return;
    this.#timer = setInterval(() => void this.pass(), this.#intervalMs);
    this.#timer.unref();
  }

  /** One pass (also what the timer runs); a pass already running is shared, not doubled. */
  pass(): Promise<SweepPass> {
    this.#running ??= this.#pass().finally(() => (this.#running = null));
    return this.#running;
  }

  async #pass(): Promise<SweepPass> {
    const result: SweepPass = { swept: [], removed: [], walked: false };
    const members = this.#members();
    if (this.#stopped || members.length === 0 || members[0].id !== this.#node.id) return result;
    const live = new Set(members.map((m) => m.id));
    const now = Date.now();
    try {
      for (let step = 0; step < SCAN_STEPS_PER_PASS && !this.#stopped; step++) {
        const { cursor, nodes } = await this.#transport.scanNodeStreams(this.#cursor, SCAN_COUNT);
        this.#cursor = cursor;
        for (const gone of nodes) {
          // A worker's stream (`<node>:w<k>`, worker streams) lives and goes with its node.
          if (live.has(nodeOfStreamId(gone))) {
            this.#absentSince.delete(gone);
            continue;
          }
          const since = this.#absentSince.get(gone);
          if (since === undefined) {
            if (this.#absentSince.size < MAX_TRACKED) this.#absentSince.set(gone, now);
            continue;
          }
          if (now - since < this.#absentAfterMs || result.swept.length >= STREAMS_PER_PASS) continue;
          result.swept.push(gone);
          if ((await this.#drain(gone, live)) === DrainedStream.removed) {
            result.removed.push(gone);
            this.#absentSince.delete(gone);
          }
        }
        if (cursor === '0') {
          result.walked = true;
          break;
        }
      }
      // Members now, and nodes whose stream is gone, need no note.
      for (const id of this.#absentSince.keys()) if (live.has(nodeOfStreamId(id))) this.#absentSince.delete(id);
    } catch (err) {
      this.#node.log.error({ err: (err as Error).message }, 'sweeping the streams of absent nodes failed; retried at the next pass');
    }
    return result;
  }

  async #drain(gone: string, live: ReadonlySet<string>): Promise<DrainedStream> {
    const deliveries = await this.#transport.claimFrom(gone, { minIdleMs: LIVE_MIN_IDLE_MS, liveConsumers: live });
    if (deliveries.length > 0) this.#node.log.warn({ gone, entries: deliveries.length }, 'swept the entries left in the stream of a node not in membership');
    for (const d of deliveries) this.#node.acceptDeliveries(d.envelopes, d);
    // Back meanwhile (a restart under the same id): its own reader has the stream again.
    if (this.#stopped || this.#members().some((m) => m.id === nodeOfStreamId(gone))) return DrainedStream.kept;
    const outcome = await this.#transport.removeIfDrained(gone);
    if (outcome === DrainedStream.removed) this.#node.log.info({ gone }, 'removed the swept stream of a node not in membership');
    return outcome;
  }

  stop(): void {
    this.#stopped = true;
    if (this.#timer !== null) clearInterval(this.#timer);
    this.#timer = null;
  }
}
