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
 * Two bounded lanes: system messages are always taken first. The system ring is allocated on first
 * use, the user ring starts at 4 slots and grows to the capacity: an idle actor costs a few words.
 */
export class Mailbox {
  #system: RingBuffer<Envelope> | null = null;
  readonly #user: RingBuffer<Envelope>;
  readonly #dropOldest: boolean;

  constructor(options: MailboxOptions) {
    this.#user = new RingBuffer<Envelope>(options.capacity, 4);
    this.#dropOldest = options.overflow === OverflowPolicy.DROP_OLDEST;
  }

  get size(): number {
    return this.#user.size + (this.#system === null ? 0 : this.#system.size);
  }

  get capacity(): number {
    return this.#user.maxCapacity;
  }

  pushUser(e: Envelope): PushResult {
    if (this.#user.push(e)) return true;
    if (!this.#dropOldest) return false;
    const evicted = this.#user.shift()!;
    this.#user.push(e);
    return evicted;
  }

  pushSystem(e: Envelope): void {
    (this.#system ??= new RingBuffer<Envelope>(1 << 16, 2)).push(e);
  }

  /** Next envelope to handle: the system lane first. */
  shift(): Envelope | undefined {
    if (this.#system !== null && this.#system.size > 0) return this.#system.shift();
    return this.#user.shift();
  }

  shiftSystem(): Envelope | undefined {
    return this.#system === null ? undefined : this.#system.shift();
  }


  /** Empties both lanes, handing every envelope to `sink` in the order it would have run. */
  drainTo(sink: (e: Envelope) => void): void {
    for (let e = this.shift(); e !== undefined; e = this.shift()) sink(e);
  }
}
