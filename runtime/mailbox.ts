import { RingBuffer } from './ring-buffer.js';
import type { Envelope } from './envelope.js';
import { InvalidOptionError } from './errors.js';

/**
 * What happens when a user message arrives at a full mailbox:
 * - `reject`: the new message is refused. An ask is answered with GLASS_ERR_MAILBOX_FULL; a tell
 *   becomes a dead letter (nobody is waiting for an answer).
 * - `drop-oldest`: the oldest queued user message becomes a dead letter and the new one is queued
 *   (for streams where the latest matters more than the backlog, e.g. presence updates).
 * The system lane is never refused: it is small by construction and must overtake user messages.
 */
export const OverflowPolicy = {
  REJECT: 'reject',
  DROP_OLDEST: 'drop-oldest',
} as const;
export type OverflowPolicy = (typeof OverflowPolicy)[keyof typeof OverflowPolicy];

export interface MailboxOptions {
  /** Maximum queued user messages (rounded up to a power of two). */
  capacity: number;
  overflow: OverflowPolicy;
}

export const DEFAULT_MAILBOX: MailboxOptions = { capacity: 1024, overflow: OverflowPolicy.REJECT };

export function validateMailboxOptions(options: MailboxOptions, path = 'mailbox'): void {
  if (!Number.isInteger(options.capacity) || options.capacity < 1 || options.capacity > 1 << 20) {
    throw new InvalidOptionError(`${path}.capacity`, 'an integer from 1 to 1048576', options.capacity);
  }
  if (options.overflow !== OverflowPolicy.REJECT && options.overflow !== OverflowPolicy.DROP_OLDEST) {
    throw new InvalidOptionError(`${path}.overflow`, '"reject" or "drop-oldest"', options.overflow);
  }
}

/** Outcome of Mailbox.push: accepted, refused, or accepted at the cost of an evicted envelope. */
export type PushResult = true | false | Envelope;

/**
 * Two bounded lanes: system messages are always taken first. An idle actor's mailbox is empty, and
 * most of the time an active one holds a single message, so the user lane keeps its oldest message
 * in a field of its own and allocates its ring only when a second message waits behind the first
 * (then keeps it: once warm, nothing allocates). The system ring is allocated on first use.
 *
 * FIFO invariant: `#first` is the oldest user message, and it is empty only when the whole user
 * lane is (taking `#first` moves the ring's oldest into it). So a push goes to `#first` exactly
 * when the lane is empty, and whether a mailbox is empty is two field tests (`isEmpty`).
 */
export class Mailbox {
  #system: RingBuffer<Envelope> | null = null;
  #first: Envelope | undefined = undefined;
  #rest: RingBuffer<Envelope> | null = null;
  /** Shared by every mailbox made from the same options (one per actor kind): one field, not two. */
  readonly #limits: LaneLimits;

  constructor(options: MailboxOptions) {
    let limits = LIMITS.get(options);
    if (limits === undefined) LIMITS.set(options, (limits = Object.freeze({ max: nextPowerOfTwo(options.capacity), dropOldest: options.overflow === OverflowPolicy.DROP_OLDEST })));
    this.#limits = limits;
  }

  get size(): number {
    return this.#userSize() + (this.#system === null ? 0 : this.#system.size);
  }

  /** Nothing in either lane (the dispatcher's test after every message). */
  get isEmpty(): boolean {
    return this.#first === undefined && (this.#system === null || this.#system.size === 0);
  }

  get capacity(): number {
    return this.#limits.max;
  }

  pushUser(e: Envelope): PushResult {
    // An empty lane (the common case): the message waits in `#first`, nothing else to check.
    if (this.#first === undefined) {
      this.#first = e;
      return true;
    }
    if (this.#userSize() < this.#limits.max) {
      this.#append(e);
      return true;
    }
    if (!this.#limits.dropOldest) return false;
    const evicted = this.#shiftUser()!;
    this.#append(e);
    return evicted;
  }

  pushSystem(e: Envelope): void {
    (this.#system ??= new RingBuffer<Envelope>(1 << 16, 2)).push(e);
  }

  /** Next envelope to handle: the system lane first. */
  shift(): Envelope | undefined {
    if (this.#system !== null && this.#system.size > 0) return this.#system.shift();
    return this.#shiftUser();
  }

  shiftSystem(): Envelope | undefined {
    return this.#system === null ? undefined : this.#system.shift();
  }

  /** Empties both lanes, handing every envelope to `sink` in the order it would have run. */
  drainTo(sink: (e: Envelope) => void): void {
    for (let e = this.shift(); e !== undefined; e = this.shift()) sink(e);
  }

  #userSize(): number {
    return (this.#first === undefined ? 0 : 1) + (this.#rest === null ? 0 : this.#rest.size);
  }

  #append(e: Envelope): void {
    if (this.#first === undefined) this.#first = e;
    // Never refuses: the lane's max bounds it before this is reached, and the ring holds max.
    else (this.#rest ??= new RingBuffer<Envelope>(this.#limits.max, 4)).push(e);
  }

  #shiftUser(): Envelope | undefined {
    const first = this.#first;
    if (first !== undefined) this.#first = this.#rest === null ? undefined : this.#rest.shift();
    return first;
  }
}

interface LaneLimits {
  /** The user lane's bound: the capacity rounded up to a power of two (as the rings round theirs). */
  readonly max: number;
  readonly dropOldest: boolean;
}

const LIMITS = new WeakMap<MailboxOptions, LaneLimits>();

function nextPowerOfTwo(n: number): number {
  let p = 1;
  while (p < n) p *= 2;
  return p;
}
