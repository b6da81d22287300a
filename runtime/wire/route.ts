import type { Envelope, Lane } from '../envelope.js';
import type { Location } from '../placement.js';

/**
 * The contracts between the router and what sits above it on a thread. They are declared here, in
 * wire/, and implemented by host/ (the actor host, its cells and their outbox) and node/ (the main
 * thread's endpoints): host and node import wire, never the reverse, so a router can be loaded
 * without any actor machinery and a worker without any main-thread code.
 */

/**
 * What a Ref remembers between sends so that the next one skips work: the location (valid while
 * the placement version is unchanged), the sender's sequence slot for this receiver, and a slot
 * the local sink may use for the receiver's cell when it is active on this very thread.
 */
export interface RouteCache {
  readonly kind: string;
  readonly id: string;
  readonly key: string;
  loc: Location | null;
  locVersion: number;
  /** `loc` is this very thread (set with it by the router). */
  here: boolean;
  /** Last sequence number sent through this ref (refs made by an actor are one per receiver). */
  seq: number;
  /** The pair's incarnation, taken at its first send (see nextPairEpoch). */
  seqEpoch: number;
  /** Owned by the LocalSink (the actor host keeps the receiver's cell here); the router never reads it. */
  cell: object | null;
}

/** An actor sending through a Ref, as the router sees it (host/actor-cell.ts implements it). */
export interface Sender {
  readonly key: string;
  /** The envelope being handled: its trace is the parent of what the handler sends. */
  readonly current: Envelope | null;
  /** Not null while the sender's tells must wait for its state to be saved (see TellOutbox). */
  readonly outbox: readonly unknown[] | null;
}

/**
 * Where a tell goes while its sender's outbox is open (host/outbox.ts): it is kept until the
 * state it follows from is saved, then sent through the router again, in order.
 */
export interface TellOutbox {
  park(from: Sender, target: RouteCache, msg: unknown, lane: Lane): void;
}

/** Whatever consumes envelopes addressed to this thread: the actor host, or main-thread endpoints. */
export interface LocalSink {
  deliver(e: Envelope): void;
  /**
   * The hot path: a send through a Ref whose actor is on this thread. The sink may keep what makes
   * the next such send cheaper in `target.cell`.
   */
  deliverVia(target: RouteCache, e: Envelope): void;
}
