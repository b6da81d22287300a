/**
 * The unit the runtime moves. One class with fixed fields so that V8 keeps every envelope on one
 * hidden class (monomorphic access on the hot path).
 */
export const Lane = {
  USER: 0,
  /** Supervision and control messages: they overtake queued user messages. */
  SYSTEM: 1,
  /** An answer to an ask: delivered to the asker's pending-ask table, never to a mailbox. */
  REPLY: 2,
} as const;
export type Lane = (typeof Lane)[keyof typeof Lane];

export const NO_REPLY = -1;

export class Envelope {
  constructor(
    /** Target address key ("room:lobby"); for a REPLY, the asker's key or "". */
    public to: string,
    /** Sender's address key, or null for a sender outside any actor (gateway, tests, CLI). */
    public from: string | null,
    /** Per-thread counter (a small integer, see MessageIds); unique per node with `origin`. */
    public id: number,
    /** Per sender→receiver pair sequence number, starting at 1; 0 when the sender is outside. */
    public seq: number,
    /** The message itself: `{ type, ... }` for USER/SYSTEM, `{ ok } | { error }` for REPLY. */
    public msg: any,
    /** W3C traceparent of the span that sent it, or undefined when tracing is off. */
    public trace: string | undefined,
    public lane: Lane,
    /** Thread of the asker (0 = main) or NO_REPLY for a tell. */
    public replyThread: number,
    /** The asker's correlation id, meaningful when replyThread !== NO_REPLY. */
    public replyId: number,
    /** Thread that created the envelope (not sent on the wire: the receiving link knows it). */
    public origin: number,
  ) {}

  /**
   * The sender's incarnation of the pair (see PairEpochs): with `seq` it orders and de-duplicates
   * the pair's messages across the sender's activations. 0 when the pair is not sequenced.
   */
  seqEpoch = 0;
  /**
   * The asker's node for an ask that crossed (or may cross) nodes; for a REPLY, the node it goes to;
   * for a send from a node's main thread outside any actor (`from` null), that node.
   */
  replyNode: string | null = null;
  /**
   * Main thread → worker only: the receipt of the stream entry this envelope came in (see
   * Receipts); the worker reports it handled so that the entry is acknowledged. 0 for none.
   */
  receipt = 0;
}

/** Envelopes handed back by the host (see recycleEnvelope), taken again by the next local tell. */
const free: Envelope[] = [];
/** Kept at most: about what a busy worker has in flight at once. */
const MAX_FREE = 4_096;

/**
 * An envelope, made from a recycled one when there is one: the local tell path and the wire's
 * decoder take theirs here, so a warm worker allocates none for the messages it handles at once.
 * The fields set later, when at all (seqEpoch, replyNode, receipt), start at their defaults.
 */
export function takeEnvelope(to: string, from: string | null, id: number, seq: number, msg: unknown, trace: string | undefined, lane: Lane, replyThread: number, replyId: number, origin: number): Envelope {
  const e = free.pop();
  if (e === undefined) return new Envelope(to, from, id, seq, msg, trace, lane, replyThread, replyId, origin);
  e.to = to;
  e.from = from;
  e.id = id;
  e.seq = seq;
  e.msg = msg;
  e.trace = trace;
  e.lane = lane;
  e.replyThread = replyThread;
  e.replyId = replyId;
  e.origin = origin;
  e.seqEpoch = 0;
  e.replyNode = null;
  e.receipt = 0;
  return e;
}

/**
 * The host is done with a tell (no reply, no receipt, untraced) that nothing holds any more: it
 * may be reused. Its message is let go now.
 */
export function recycleEnvelope(e: Envelope): void {
  if (free.length >= MAX_FREE) return;
  e.msg = undefined;
  free.push(e);
}

/**
 * Pair incarnations: a number per sender Ref, larger than any the thread gave before (the clock
 * in ms, bumped past the last one). A sender reactivated later starts its pairs at seq 1 again,
 * under a larger epoch, so a receiver never takes its new messages for old ones.
 */
let lastPairEpoch = 0;
export function nextPairEpoch(): number {
  const now = Date.now();
  lastPairEpoch = now > lastPairEpoch ? now : lastPairEpoch + 1;
  return lastPairEpoch;
}

const ID_SPACE = 2 ** 30;

/** A message id unique within the node: origin thread and per-thread counter in one number. */
export function nodeMessageId(e: Envelope): number {
  return e.origin * ID_SPACE + e.id;
}

/**
 * Message ids stay below 2^30 so that they are small integers (Smis) for V8: a larger number would
 * be a heap-allocated double on every envelope, and 9 bytes instead of 1–5 on the wire.
 */
export class MessageIds {
  #next = 0;

  next(): number {
    const n = this.#next + 1;
    this.#next = n === ID_SPACE ? 0 : n;
    return n;
  }
}

/** The `type` of a message, or a placeholder for logs and errors when it has none. */
export function messageType(msg: unknown): string {
  return msg !== null && typeof msg === 'object' && typeof (msg as { type?: unknown }).type === 'string'
    ? (msg as { type: string }).type
    : '(untyped)';
}
