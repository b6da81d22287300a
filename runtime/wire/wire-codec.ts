import { Lane, NO_REPLY, takeEnvelope, type Envelope } from '../envelope.js';

/**
 * The cross-thread form of a batch of envelopes. Structured clone is most of the cost of moving a
 * message between threads, so a batch is shaped to give it as little as possible to walk:
 *
 *   batch = [tag, reset, numbers: Float64Array, msgs: unknown[], keys: string[], traces: string[], extras: number[]]
 *
 * `numbers` holds STRIDE numbers per envelope — flags (lane, has-trace, has-extras, reply thread),
 * to, from, id, seq, replyId, seqEpoch — and is cloned as one memory copy; `msgs` holds the
 * messages themselves, the only part that needs a real clone. The seqEpoch goes with every
 * envelope, on every link: with `seq` it is the envelope's identity for the receiver's delivery
 * log, and an envelope handed to a worker may still leave the node afterwards (its actor was fenced,
 * passivated or moved, and what it held is forwarded to the owner), where a zero epoch would exempt
 * it from the effectively-once check. The main thread's fields (replyNode as a key index, receipt)
 * go to `extras`, two numbers per envelope that has any: most messages between two workers of one
 * node have none, and pay nothing for them. Address keys are interned per link: `to` and `from` are
 * indexes into a table both sides grow in step. `keys` lists the keys this batch adds, in index
 * order; the receiver appends them before reading records. The port is FIFO, so the tables stay
 * equal; the sender starts a fresh table (reset = 1) past a size bound, or after a failed post.
 */
const STRIDE = 7;
const LANE_MASK = 3;
const HAS_TRACE = 4;
const HAS_EXTRAS = 8;
/** Reply thread + 1 lives in the flags above this shift; 0 there means "a tell". */
const REPLY_SHIFT = 4;
const NO_SENDER = -1;
const TABLE_LIMIT = 65_536;

export class WireEncoder {
  #keys = new Map<string, number>();
  #resetNext = false;
  #numbers: Float64Array;
  #count = 0;
  #msgs: unknown[] = [];
  #newKeys: string[] = [];
  #traces: string[] = [];
  #extras: number[] = [];

  constructor(maxBatch: number) {
    this.#numbers = new Float64Array(maxBatch * STRIDE);
  }

  get count(): number {
    return this.#count;
  }

  encode(e: Envelope): void {
    if (this.#count === 0 && this.#keys.size > TABLE_LIMIT) this.invalidate();
    const n = this.#numbers;
    const at = this.#count * STRIDE;
    let flags: number = e.lane;
    if (e.trace !== undefined) {
      flags |= HAS_TRACE;
      this.#traces.push(e.trace);
    }
    if (e.replyThread !== NO_REPLY) flags |= (e.replyThread + 1) << REPLY_SHIFT;
    if (e.receipt !== 0 || e.replyNode !== null) {
      flags |= HAS_EXTRAS;
      this.#extras.push(e.replyNode === null ? NO_SENDER : this.#key(e.replyNode), e.receipt);
    }
    n[at] = flags;
    n[at + 1] = this.#key(e.to);
    n[at + 2] = e.from === null ? NO_SENDER : this.#key(e.from);
    n[at + 3] = e.id;
    n[at + 4] = e.seq;
    n[at + 5] = e.replyId;
    n[at + 6] = e.seqEpoch;
    this.#msgs.push(e.msg);
    this.#count++;
  }

  /** Takes the batch encoded so far (empty afterwards). */
  take(tag: number): unknown[] {
    const batch = [tag, this.#resetNext ? 1 : 0, this.#numbers.slice(0, this.#count * STRIDE), this.#msgs, this.#newKeys, this.#traces, this.#extras];
    this.#resetNext = false;
    this.#count = 0;
    this.#msgs = [];
    this.#newKeys = [];
    this.#traces = [];
    this.#extras = [];
    return batch;
  }

  /** The receiver may not have the keys of the last batch taken: the next batch starts a fresh table. */
  invalidate(): void {
    this.#keys.clear();
    this.#resetNext = true;
  }

  #key(key: string): number {
    let index = this.#keys.get(key);
    if (index === undefined) {
      index = this.#keys.size;
      this.#keys.set(key, index);
      this.#newKeys.push(key);
    }
    return index;
  }
}

export class WireDecoder {
  #table: string[] = [];

  /** Calls `sink` with each envelope of a batch made by the matching WireEncoder. */
  decode(batch: unknown[], origin: number, sink: (e: Envelope) => void): void {
    if (batch[1] === 1) this.#table = [];
    const numbers = batch[2] as Float64Array;
    const msgs = batch[3] as unknown[];
    const table = this.#table;
    for (const key of batch[4] as string[]) table.push(key);
    const traces = batch[5] as string[];
    const extras = batch[6] as number[];
    let trace = 0;
    let extra = 0;
    for (let r = 0, at = 0; r < msgs.length; r++, at += STRIDE) {
      const flags = numbers[at];
      const from = numbers[at + 2];
      const reply = flags >> REPLY_SHIFT;
      const e = takeEnvelope(
          table[numbers[at + 1]],
          from === NO_SENDER ? null : table[from],
          numbers[at + 3],
          numbers[at + 4],
          msgs[r],
          (flags & HAS_TRACE) !== 0 ? traces[trace++] : undefined,
          (flags & LANE_MASK) as Lane,
          reply === 0 ? NO_REPLY : reply - 1,
          numbers[at + 5],
          origin,
      );
      e.seqEpoch = numbers[at + 6];
      if ((flags & HAS_EXTRAS) !== 0) {
        const replyNode = extras[extra];
        if (replyNode !== NO_SENDER) e.replyNode = table[replyNode];
        e.receipt = extras[extra + 1];
        extra += 2;
      }
      sink(e);
    }
  }
}
