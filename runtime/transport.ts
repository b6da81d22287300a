import type { Envelope } from './envelope.js';
import { ErrorCodes, GlassError } from './errors.js';

/**
 * Moves envelopes between node processes. The main thread of each node owns one; workers hand
 * remote envelopes to it. Implementations: LocalTransport (one node, below) and the Redis Streams
 * transport of the cluster layer.
 */
export interface Transport {
  readonly nodeId: string;
  /** Starts receiving; `deliver` gets every batch addressed to this node, in order. */
  start(deliver: (batch: readonly Envelope[]) => void): Promise<void>;
  send(node: string, envelopes: readonly Envelope[]): void;
  close(): Promise<void>;
}

export class NoRouteError extends GlassError {
  constructor(node: string) {
    super(ErrorCodes.NO_ROUTE, `no route to node ${node}`, { node });
    this.name = 'NoRouteError';
  }
}

/** The single-node transport: envelopes for this node loop back, any other node has no route. */
export class LocalTransport implements Transport {
  #deliver: ((batch: readonly Envelope[]) => void) | null = null;

  constructor(readonly nodeId: string) {}

  async start(deliver: (batch: readonly Envelope[]) => void): Promise<void> {
    this.#deliver = deliver;
  }

  send(node: string, envelopes: readonly Envelope[]): void {
    if (node !== this.nodeId || this.#deliver === null) throw new NoRouteError(node);
    const deliver = this.#deliver;
    queueMicrotask(() => deliver(envelopes));
  }

  async close(): Promise<void> {
    this.#deliver = null;
  }
}
