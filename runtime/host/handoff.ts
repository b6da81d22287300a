import { NODE_KIND } from '../address.js';
import type { RouteCache } from '../wire/route.js';
import type { Router } from '../wire/router.js';

/** How long after a membership change a first activation asks the previous owner to let go. */
const HANDOFF_WINDOW_MS = 30_000;
const HANDOFF_TIMEOUT_MS = 2_000;

/**
 * Actor handoff between nodes on a membership change, from the new owner's side: before a first
 * activation shortly after a change, if the actor was on another node that is still up, that node
 * is asked to passivate it (saving its state) and the activation waits, so the state loaded here
 * is the last one. Best effort within HANDOFF_TIMEOUT_MS: the store's version fence is what
 * guarantees that a stale activation never writes.
 */
export class Handoffs {
  #changedAt = -Infinity;
  /** Nodes the last change found dead: no handoff is asked of them. */
  #down: ReadonlySet<string> = new Set();

  readonly #router: Router;

  constructor(router: Router) {
    this.#router = router;
  }

  /** The membership changed now; `down` are the members it lost without a leave. */
  changed(down: readonly string[]): void {
    this.#changedAt = this.#router.clock.now();
    this.#down = new Set(down);
  }

  async before(kind: string, id: string): Promise<void> {
    const placement = this.#router.placement;
    if (this.#router.clock.now() - this.#changedAt > HANDOFF_WINDOW_MS || placement.previousOwner === undefined) return;
    const previous = placement.previousOwner(id);
    if (previous === null || this.#down.has(previous)) return;
    const node: RouteCache = { kind: NODE_KIND, id: previous, key: NODE_KIND + ':' + previous, loc: null, locVersion: -1, here: false, seq: 0, seqEpoch: 0, cell: null };
    await this.#router.ask(node, null, { type: 'release', kind, id }, HANDOFF_TIMEOUT_MS).catch(() => {});
  }
}
