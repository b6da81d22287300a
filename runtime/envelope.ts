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
    /** Unique within the node: thread-prefixed counter (see MessageIds). */
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
  ) {}
}

/** Fields per envelope in a flattened batch. */
export const STRIDE = 9;

/**
 * Cross-thread batches are flat arrays rather than arrays of objects: the structured clone of an
 * object repeats its property names, a flat array does not, and the receiver rebuilds envelopes on
 * the hidden class above.
 */
export function appendEnvelope(out: unknown[], e: Envelope): void {
  out.push(e.to, e.from, e.id, e.seq, e.msg, e.trace, e.lane, e.replyThread, e.replyId);
}

export function readEnvelope(batch: any[], i: number): Envelope {
  return new Envelope(batch[i], batch[i + 1], batch[i + 2], batch[i + 3], batch[i + 4], batch[i + 5], batch[i + 6], batch[i + 7], batch[i + 8]);
}

/** Message ids: thread index in the high bits, a counter below (2^40 ids per thread before wrap). */
export class MessageIds {
  #next: number;
  readonly #base: number;

  constructor(threadIndex: number) {
    this.#base = (threadIndex + 1) * 2 ** 40;
    this.#next = 0;
  }

  next(): number {
    this.#next = (this.#next + 1) % 2 ** 40;
    return this.#base + this.#next;
  }
}

/** The `type` of a message, or a placeholder for logs and errors when it has none. */
export function messageType(msg: unknown): string {
  return msg !== null && typeof msg === 'object' && typeof (msg as { type?: unknown }).type === 'string'
    ? (msg as { type: string }).type
    : '(untyped)';
}
