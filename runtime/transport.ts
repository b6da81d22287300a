import type { Envelope } from './envelope.js';
import { ErrorCodes, GlassError } from './errors.js';

/**
 * What comes with a delivered batch: who sent it, and how to say it was handled. A durable
 * transport delivers a batch again (after a restart, or to the node that claims a dead node's
 * stream) until it is acknowledged, so the node acknowledges only once every envelope of it was
 * handled (and, for kinds that save on every message, saved).
 */
export interface DeliveryReceipt {
  /** The node that sent the batch (this node's id for a loop-back). */
  readonly from: string;
  /** Acknowledges the whole batch: it will not be delivered again. Idempotent. */
  ack(): void;
  /** One envelope of the batch was handled; the batch is acknowledged with the last one. */
  ackOne(): void;
}

export type Deliver = (batch: readonly Envelope[], receipt: DeliveryReceipt) => void;

/**
 * Moves envelopes between node processes. The main thread of each node owns one; workers hand
 * remote envelopes to it. Implementations: LocalTransport (one node, below) and the Redis Streams
 * transport of the cluster layer.
 */
export interface Transport {
  readonly nodeId: string;
  /** Starts receiving: `deliver` gets every batch addressed to this node, in order per sender. */
  start(deliver: Deliver): Promise<void>;
  /** Queues envelopes for `node`; throws a GlassError for what it refuses at once. */
  send(node: string, envelopes: readonly Envelope[]): void;
  /** Resolves when everything sent before the call is stored (durable transports); rejects if some was given up. */
  flush?(): Promise<void>;
  close(): Promise<void>;
}

/** The receipt of a transport that keeps nothing: acknowledging is a no-op. */
export const LOOPBACK_RECEIPT = (from: string): DeliveryReceipt => ({ from, ack() {}, ackOne() {} });

export class NoRouteError extends GlassError {
  constructor(node: string) {
    super(ErrorCodes.NO_ROUTE, `no route to node ${node}`, { node });
    this.name = 'NoRouteError';
  }
}

/** The single-node transport: envelopes for this node loop back, any other node has no route. */
export class LocalTransport implements Transport {
  #deliver: Deliver | null = null;
  readonly #receipt: DeliveryReceipt;

  constructor(readonly nodeId: string) {
    this.#receipt = LOOPBACK_RECEIPT(nodeId);
  }

  async start(deliver: Deliver): Promise<void> {
    this.#deliver = deliver;
  }

  send(node: string, envelopes: readonly Envelope[]): void {
    if (node !== this.nodeId || this.#deliver === null) throw new NoRouteError(node);
    const deliver = this.#deliver;
    queueMicrotask(() => deliver(envelopes, this.#receipt));
  }

  async close(): Promise<void> {
    this.#deliver = null;
  }
}
