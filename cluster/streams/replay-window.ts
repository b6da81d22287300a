import { randomBytes } from 'node:crypto';

/**
 * Entry nonces and the receiver's window of them, against a genuine entry copied back into its
 * own stream (its MAC still verifies there: the MAC binds stream, sender and payload, and now the
 * nonce, but nothing in it says the entry is new).
 *
 * Every entry a transport writes carries `<incarnation>.<counter>`: the incarnation is random per
 * transport instance, the counter counts its entries from 1, in send order. A sender's entries
 * reach each target stream in send order (StreamSender keeps one queue and retries in place), so
 * within one stream the counters of one incarnation only grow with the stream ids. A receiver
 * keeps, per (stream, sender incarnation), the highest counter it accepted and that entry's id:
 *
 * - a higher counter is new: accepted, the mark moves;
 * - an entry at or below the marked id is one already seen coming again (a pending list re-read,
 *   a claim after a crash): it is not a replay, and goes the usual way (the reader de-duplicates);
 * - a counter at or below the mark in an entry *after* the marked id was written again later:
 *   a replay (or the sender's own retry of an entry whose reply was lost), refused.
 *
 * Bounded: at most MAX_STREAM_SENDERS (stream, sender) pairs and MAX_INCARNATIONS incarnations
 * each, least recently used dropped first. What the window forgot (a dropped pair, an incarnation
 * from long ago, everything after this process restarted) is not recognised.
 */
export const MAX_STREAM_SENDERS = 4_096;
export const MAX_INCARNATIONS = 8;

const NONCE = /^([0-9a-f]{16})\.([1-9][0-9]{0,15})$/;

/** Makes the nonces of one sender: one incarnation, a counter from 1. */
export class NonceSource {
  readonly incarnation = randomBytes(8).toString('hex');
  #counter = 0;

  next(): string {
    return `${this.incarnation}.${++this.#counter}`;
  }
}

interface Mark {
  counter: number;
  ms: number;
  seq: number;
}

export const NonceCheck = { fresh: 'fresh', again: 'again', replayed: 'replayed', invalid: 'invalid' } as const;
export type NonceCheck = (typeof NonceCheck)[keyof typeof NonceCheck];

export class ReplayWindow {
  /** `stream \n sender` → incarnation → mark; both maps in least-recently-used order. */
  readonly #marks = new Map<string, Map<string, Mark>>();

  /** How the entry `id` of `stream` carrying `nonce` from `sender` stands; `fresh` moves the mark. */
  check(stream: string, sender: string, nonce: string, id: string): NonceCheck {
    const m = NONCE.exec(nonce);
    const dash = id.indexOf('-');
    if (m === null || dash < 0) return NonceCheck.invalid;
    const counter = Number(m[2]);
    const ms = Number(id.slice(0, dash));
    const seq = Number(id.slice(dash + 1));
    const pair = stream + '\n' + sender;
    let byIncarnation = this.#marks.get(pair);
    if (byIncarnation === undefined) {
      byIncarnation = new Map();
      if (this.#marks.size >= MAX_STREAM_SENDERS) this.#marks.delete(this.#marks.keys().next().value!);
    } else this.#marks.delete(pair);
    this.#marks.set(pair, byIncarnation);
    const incarnation = m[1];
    const mark = byIncarnation.get(incarnation);
    if (mark !== undefined) {
      byIncarnation.delete(incarnation);
      byIncarnation.set(incarnation, mark);
      if (ms < mark.ms || (ms === mark.ms && seq <= mark.seq)) return NonceCheck.again;
      if (counter <= mark.counter) return NonceCheck.replayed;
      mark.counter = counter;
      mark.ms = ms;
      mark.seq = seq;
      return NonceCheck.fresh;
    }
    if (byIncarnation.size >= MAX_INCARNATIONS) byIncarnation.delete(byIncarnation.keys().next().value!);
    byIncarnation.set(incarnation, { counter, ms, seq });
    return NonceCheck.fresh;
  }

  /** (stream, sender) pairs held. */
  get size(): number {
    return this.#marks.size;
  }
}
