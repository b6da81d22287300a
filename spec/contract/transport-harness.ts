import type { EventEmitter } from 'node:events';
import { Envelope, Lane } from '../../runtime/index.js';

/** The receipt a transport passes with each batch (LocalTransport passes none yet). */
export interface Receipt {
  readonly from: string;
  ack(): void;
  ackOne(): void;
}

/** The Transport shape the contract exercises: today's interface plus the optional receipt. */
export interface ContractTransport {
  readonly nodeId: string;
  start(deliver: (batch: readonly Envelope[], receipt?: Receipt) => void): Promise<void>;
  send(node: string, envelopes: readonly Envelope[]): void;
  close(): Promise<void>;
}

/** What a durable transport lets a test do beyond the Transport interface. */
export interface DurableOps<T> {
  /** Resolves when what `t` sent so far is stored. */
  flush(t: T): Promise<void>;
  /** Resolves when the acknowledgements given through `t`'s receipts so far are stored. */
  flushAcks(t: T): Promise<void>;
  /** Trims `node`'s stored entries (t's own by default) and resolves how many went. */
  trim(t: T, node?: string): Promise<number>;
  claimFrom(t: T, deadNode: string, minIdleMs: number, includeUndelivered?: boolean): Promise<{ envelopes: readonly Envelope[]; ack(): void }[]>;
  /** How many entries are stored for `node`. */
  stored(node: string): Promise<number>;
}

export interface Backend {
  stop(): Promise<void>;
  start(): Promise<void>;
}

export interface TransportUnderTest<T extends ContractTransport> {
  /** A transport for `nodeId`, not started. The same id within a test is the same node. */
  create(nodeId: string): T;
  /** Several nodes can reach each other (false: one node, envelopes loop back). */
  multiNode: boolean;
  /** Encodes what it sends, and so must refuse what cannot be encoded. */
  encodes: boolean;
  durable?: DurableOps<T>;
  /** Runs `body` with a backend of its own, which the test may stop and start (a restart that loses everything stored). */
  restartable?(body: (create: (nodeId: string) => T, backend: Backend) => Promise<void>): Promise<void>;
}

/** Rejects with `what` if `work` has not settled within `ms`: a hung test fails, with a reason. */
export async function within<T>(work: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms waiting for ${what}`)), ms);
  });
  try {
    return await Promise.race([work, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** The next `event` whose arguments satisfy `accept`, within `ms`. */
export function nextEvent<A extends unknown[]>(emitter: EventEmitter<any>, event: string, accept: (...args: A) => boolean, ms: number): Promise<A> {
  let listener: (...args: A) => void = () => {};
  const seen = new Promise<A>((resolve) => {
    listener = (...args: A) => {
      if (!accept(...args)) return;
      emitter.off(event, listener as never);
      resolve(args);
    };
    emitter.on(event, listener as never);
  });
  return within(seen, ms, `event "${event}"`).finally(() => emitter.off(event, listener as never));
}

/** A test envelope: `n` travels as the message id and in the message, so order is easy to read back. */
export function note(to: string, from: string | null, n: number, seq = 0, extra: Record<string, unknown> = {}): Envelope {
  return new Envelope(to, from, n, seq, { type: 'note', n, ...extra }, undefined, Lane.USER, -1, 0, 0);
}

export function ns(envelopes: readonly Envelope[]): number[] {
  return envelopes.map((e) => (e.msg as { n: number }).n);
}

export type AckPolicy = (batch: readonly Envelope[], receipt: Receipt | undefined) => void;

export const ackAll: AckPolicy = (_batch, receipt) => receipt?.ack();

/**
 * Collects what a transport delivers and lets a test wait for a count: resolved from the deliver
 * callback itself, never by polling. `policy` decides per batch whether to acknowledge it.
 */
export class Inbox {
  readonly envelopes: Envelope[] = [];
  readonly batches: { batch: readonly Envelope[]; receipt: Receipt | undefined }[] = [];
  #waiters: { count: number; resolve: () => void }[] = [];
  #policy: AckPolicy;

  constructor(policy: AckPolicy = ackAll) {
    this.#policy = policy;
  }

  readonly deliver = (batch: readonly Envelope[], receipt?: Receipt): void => {
    for (const e of batch) this.envelopes.push(e);
    this.batches.push({ batch, receipt });
    this.#policy(batch, receipt);
    this.#waiters = this.#waiters.filter((w) => {
      if (this.envelopes.length < w.count) return true;
      w.resolve();
      return false;
    });
  };

  /** Resolves once `count` envelopes in all have arrived. */
  until(count: number, ms: number): Promise<void> {
    if (this.envelopes.length >= count) return Promise.resolve();
    const reached = new Promise<void>((resolve) => this.#waiters.push({ count, resolve }));
    return within(reached, ms, `${count} envelopes (have ${this.envelopes.length})`).catch((err: Error) => {
      throw new Error(`${err.message}; now ${this.envelopes.length}`);
    });
  }

  ns(): number[] {
    return ns(this.envelopes);
  }
}
