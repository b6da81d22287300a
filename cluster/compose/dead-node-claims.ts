import type { GlassNode } from '../../runtime/node/index.js';
import type { MemberChange, MemberRecord } from '../membership/index.js';
import { DrainedStream, nodeOfStreamId, threadStreamId, type RedisStreamsTransport } from '../streams/index.js';

const REPEAT_MIN_IDLE_MS = 60_000;
const LEFT_GRACE_MS = 5_000;
/** How long after the death the claimer keeps watching the removed stream, in detection windows. */
const WATCH_DOWN_WINDOWS = 10;

/**
 * Takes over what dead (or departed) nodes received and did not acknowledge. The live node with
 * the lowest id claims their streams (XAUTOCLAIM, then what was never read) and hands every entry
 * to its node, which routes each envelope to the actor's new owner; entries are acknowledged and
 * deleted once handled there. Senders that had not yet seen the death may still append to the dead
 * stream for a moment, so the claim is repeated a few times over the detection window.
 *
 * Every pass then removes the stream if it is empty (every entry claimed, handled, acknowledged and
 * deleted): the key and its consumer group go. A late sender's XADD creates the stream again, so
 * after the passes the claimer keeps watching the key, once per detection window, for
 * WATCH_DOWN_WINDOWS windows after the death, and drains and removes it again whenever it is there
 * — and past that for as long as entries it claimed are still being handled.
 */
export class DeadNodeClaims {
  readonly #node: GlassNode;
  readonly #transport: RedisStreamsTransport;
  readonly #members: () => MemberRecord[];
  readonly #timing: { heartbeatMs: number; downAfterMs: number };
  readonly #timers = new Set<NodeJS.Timeout>();
  /** With worker streams: the worker count each member last had, to claim its workers' streams too. */
  readonly #workers: Map<string, number> | null;
  #stopped = false;

  constructor(node: GlassNode, transport: RedisStreamsTransport, members: () => MemberRecord[], timing: { heartbeatMs: number; downAfterMs: number }, workerStreams = false) {
    this.#node = node;
    this.#transport = transport;
    this.#members = members;
    this.#timing = timing;
    this.#workers = workerStreams ? new Map(members().map((m) => [m.id, m.workers])) : null;
  }

  changed(members: MemberRecord[], change: MemberChange): void {
    const gone = this.#streamsOf([...change.down, ...change.left]);
    for (const m of members) this.#workers?.set(m.id, m.workers);
    if (members.length === 0 || members[0].id !== this.#node.id) return;
    const { heartbeatMs, downAfterMs } = this.#timing;
    // A dead node's entries are taken at once. A departing node is still draining: what it has in
    // hand is left to it for a grace period (only entries idle that long are claimed).
    const grace = Math.max(LEFT_GRACE_MS, 2 * downAfterMs);
    const passes = (first: number): [number, number][] => [
      [first, first === 0 ? 0 : grace],
      // Later passes only pick up what was appended since: what an earlier pass claimed is
      // pending under this node now, and must not be taken (and delivered) twice.
      [first + 2 * heartbeatMs, REPEAT_MIN_IDLE_MS],
      [first + downAfterMs, REPEAT_MIN_IDLE_MS],
      [first + 2 * downAfterMs, REPEAT_MIN_IDLE_MS],
    ];
    for (const dead of change.down) if (dead !== this.#node.id) for (const stream of gone.get(dead)!) this.#schedule(stream, passes(0));
    for (const left of change.left) if (left !== this.#node.id) for (const stream of gone.get(left)!) this.#schedule(stream, passes(grace));
  }

  /** The streams of each gone node: its own, and with worker streams its workers' (their count as it was last seen). */
  #streamsOf(nodes: readonly string[]): Map<string, string[]> {
    const out = new Map<string, string[]>();
    for (const node of nodes) {
      const workers = this.#workers?.get(node) ?? 0;
      this.#workers?.delete(node);
      out.set(node, [node, ...Array.from({ length: workers }, (_, i) => threadStreamId(node, i + 1))]);
    }
    return out;
  }

  #schedule(gone: string, passes: [number, number][]): void {
    for (const [delay, minIdleMs] of passes) this.#after(delay, () => void this.#claim(gone, minIdleMs));
    const { downAfterMs } = this.#timing;
    const last = passes[passes.length - 1][0];
    this.#after(last + downAfterMs, () => void this.#watch(gone, Date.now() + (WATCH_DOWN_WINDOWS - 3) * downAfterMs));
  }

  #after(delayMs: number, run: () => void): void {
    const timer = setTimeout(() => {
      this.#timers.delete(timer);
      run();
    }, delayMs);
    this.#timers.add(timer);
  }

  /** One watch pass: claims what a late sender appended, removes the stream once drained, and comes again. */
  async #watch(gone: string, untilMs: number): Promise<void> {
    const outcome = await this.#claim(gone, REPEAT_MIN_IDLE_MS);
    if (outcome === null) return;
    // Past the window only entries this node claimed keep it watching (they are being handled).
    if (outcome !== DrainedStream.kept && Date.now() >= untilMs) return;
    this.#after(this.#timing.downAfterMs, () => void this.#watch(gone, untilMs));
  }

  /**
   * Claims and hands over, then removes the stream if it is empty; null when not this node's to do
   * (stopped, or the node is back). `dead` is a stream id: a node's, or one of its workers'.
   */
  async #claim(dead: string, minIdleMs: number): Promise<DrainedStream | null> {
    const owner = nodeOfStreamId(dead);
    // It may have come back (a restart under the same id): its own reader takes its stream again.
    if (this.#stopped || this.#members().some((m) => m.id === owner)) return null;
    try {
      const deliveries = await this.#transport.claimFrom(dead, { minIdleMs });
      if (deliveries.length > 0) this.#node.log.warn({ dead, entries: deliveries.length }, 'claimed the pending entries of a node that is gone');
      for (const d of deliveries) this.#node.acceptDeliveries(d.envelopes, d);
      if (this.#stopped || this.#members().some((m) => m.id === owner)) return null;
      const outcome = await this.#transport.removeIfDrained(dead);
      if (outcome === DrainedStream.removed) this.#node.log.info({ dead }, 'removed the drained stream of a node that is gone');
      return outcome;
    } catch (err) {
      this.#node.log.error({ dead, err: (err as Error).message }, 'claiming a dead node\'s entries failed; retried at the next pass');
      return DrainedStream.kept;
    }
  }

  stop(): void {
    this.#stopped = true;
    for (const timer of this.#timers) clearTimeout(timer);
    this.#timers.clear();
  }
}
