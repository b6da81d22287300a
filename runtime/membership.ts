import type { NodeMember } from './placement.js';

/**
 * The live nodes of a cluster, as every node computes them alike (the cluster layer's
 * RedisMembership). The node rebuilds its placement on every thread from `members()` whenever
 * the listener fires; a single node has none and places everything on itself.
 */
export interface Membership {
  /** Live members sorted by id, this node included. */
  members(): NodeMember[];
  /** `change.down`: members that vanished without leaving (dead: nobody waits for them). */
  onChange(listener: (members: NodeMember[], change: { readonly down: readonly string[] }) => void): () => void;
  /** 'connected' or 'reconnecting' (the last view is kept meanwhile). */
  status(): string;
  /** Leaves gracefully (peers rebuild at once); false when it could not be announced. */
  leave(): Promise<boolean>;
  close(): Promise<void>;
}
