import type { Logger } from '../logger.js';
import type { Membership } from '../membership.js';
import { sameMembers, type NodeMember } from '../placement.js';
import type { Transport } from '../transport.js';
import type { WorkerHandle } from './node-supervisor.js';
import type { MainRouter } from './main-router.js';

/** What makes a node part of a cluster: how it reaches the others, and who they are. */
export interface ClusterParts {
  readonly transport: Transport;
  readonly membership: Membership;
  /** Extra figures for clusterStatus() (e.g. the transport's status and counters). */
  readonly status?: () => Record<string, unknown>;
}

export interface ClusterStatus {
  mode: 'single' | 'cluster';
  members: string[];
  membership: string;
  /** Envelopes from other nodes handed to a worker and not yet reported handled. */
  unackedDeliveries: number;
  [extra: string]: unknown;
}

/**
 * How a node follows its cluster's membership: each new view is applied on every thread, one view
 * at a time and in order (placement everywhere, then what moved away passivated by its worker),
 * and leaving the cluster hands this node's actors to the others before it stops.
 */
export class NodeMembership {
  readonly #self: NodeMember;
  readonly #cluster: ClusterParts | null;
  readonly #router: MainRouter;
  readonly #live: () => WorkerHandle[];
  readonly #log: Logger;
  #members: NodeMember[];
  #applying: Promise<void> = Promise.resolve();
  #closed = false;
  readonly #listeners = new Set<(members: readonly NodeMember[]) => void>();
  readonly #changing = new Set<() => void>();

  /** `members`: the first view (firstView), which the node's placement was built from. */
  constructor(self: NodeMember, members: NodeMember[], cluster: ClusterParts | null, router: MainRouter, live: () => WorkerHandle[], log: Logger) {
    this.#self = self;
    this.#cluster = cluster;
    this.#router = router;
    this.#live = live;
    this.#log = log;
    this.#members = members;
    // Listening from the start: a peer that joins while the workers start must not be missed.
    cluster?.membership.onChange((next, change) => void this.#apply(withSelf(next, self), change.down));
  }

  /** Live members of the cluster (this node alone when not in one), sorted by id. */
  get members(): NodeMember[] {
    return this.#members;
  }

  /** Called after a membership change was applied on every thread and moved actors were passivated. */
  onMembers(listener: (members: readonly NodeMember[]) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** Called when a membership change starts being applied, before any thread has the new placement. */
  onChanging(listener: () => void): () => void {
    this.#changing.add(listener);
    return () => this.#changing.delete(listener);
  }

  status(): ClusterStatus {
    const cluster = this.#cluster;
    return {
      mode: cluster === null ? 'single' : 'cluster',
      members: this.#members.map((m) => m.id),
      membership: cluster?.membership.status() ?? 'single',
      unackedDeliveries: this.#router.receipts.size,
      ...cluster?.status?.(),
    };
  }

  /** Gives every live worker the node's current view (in the queue of views, so in order). */
  push(): Promise<void> {
    const push = async (): Promise<void> => {
      const members = this.#members;
      await Promise.all(this.#live().map((w) => w.control.setMembers(members, []).catch(() => 0)));
    };
    return (this.#applying = this.#applying.then(push, push));
  }

  /** Applies views one at a time, in order: placement everywhere, then moved actors passivated. */
  #apply(members: NodeMember[], down: readonly string[] = []): Promise<void> {
    const apply = async (): Promise<void> => {
      if (this.#closed || sameMembers(members, this.#members)) return;
      const before = this.#members.map((m) => m.id);
      this.#members = members;
      for (const listener of this.#changing) listener();
      this.#router.setMembers(members);
      const moved = await Promise.all(this.#live().map((w) => w.control.setMembers(members, [...down]).catch(() => 0)));
      this.#log.info({ before, members: members.map((m) => m.id), passivated: moved.reduce((a, b) => a + b, 0) }, 'cluster changed');
      for (const listener of this.#listeners) listener(members);
    };
    return (this.#applying = this.#applying.then(apply, apply));
  }

  /**
   * Leaves the cluster gracefully: says so (peers rebuild their rings at once), then places its own
   * actors on the others and passivates them here, so that they are saved before their new owners
   * load them, and what still arrives is forwarded. Later views are ignored.
   */
  async leave(): Promise<void> {
    const cluster = this.#cluster;
    if (cluster !== null) {
      await this.#applying;
      const others = this.#members.filter((m) => m.id !== this.#self.id);
      await cluster.membership.leave().catch(() => false);
      if (others.length > 0) await this.#apply(others);
      await this.#applying;
    }
    this.#closed = true;
  }
}

/** The view a node starts with: itself alone, or its cluster's membership with itself in it. */
export function firstView(self: NodeMember, cluster: ClusterParts | null): NodeMember[] {
  return cluster === null ? [self] : withSelf(cluster.membership.members(), self);
}

/** The membership's view, with this node in it even before its own registration shows. */
function withSelf(members: readonly NodeMember[], self: NodeMember): NodeMember[] {
  const list = members.map((m) => ({ id: m.id, workers: m.workers }));
  if (!list.some((m) => m.id === self.id)) list.push(self);
  return list.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}

