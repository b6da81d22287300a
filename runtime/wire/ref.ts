import { addressKey, MAX_ID_LENGTH, validateAddress } from '../address.js';
import { Lane, NO_REPLY } from '../envelope.js';
import type { Location } from '../placement.js';
import type { RouteCache, Sender } from './route.js';
import type { Router } from './router.js';

const CHECKED_KINDS = new Set<string>();

/**
 * The narrow handle on an actor: tell and ask, nothing else. A Ref is an address plus the router
 * of the thread that made it; the actor need not be active, nor on this thread or node. A Ref
 * kept and reused is the fast way to send: it remembers where its actor is (see RouteCache).
 */
export class Ref implements RouteCache {
  readonly key: string;
  /** @internal route cache, maintained by the Router. */
  loc: Location | null = null;
  /** @internal */
  locVersion = -1;
  /** @internal */
  here = false;
  /** @internal */
  seq = 0;
  /** @internal */
  seqEpoch = 0;
  /** @internal */
  cell: object | null = null;
  readonly #router: Router;
  readonly #from: Sender | null;

  constructor(
    readonly kind: string,
    readonly id: string,
    router: Router,
    from: Sender | null,
  ) {
    // Kinds come from a handful of definitions: checking each one once keeps refs cheap to make.
    if (!CHECKED_KINDS.has(kind)) {
      validateAddress(kind, id);
      CHECKED_KINDS.add(kind);
    } else if (typeof id !== 'string' || id.length === 0 || id.length > MAX_ID_LENGTH) {
      validateAddress(kind, id);
    }
    this.key = addressKey(kind, id);
    this.#router = router;
    this.#from = from;
  }

  tell(msg: unknown): void {
    this.#router.tell(this, this.#from, msg);
  }

  /** Resolves with the handler's return value; rejects with a GlassError (GLASS_ERR_ASK_TIMEOUT …). */
  ask(msg: unknown, options?: { timeoutMs?: number }): Promise<unknown> {
    return this.#router.ask(this, this.#from, msg, options?.timeoutMs);
  }

  /**
   * Kept in an actor's state, a Ref is saved as its address: what it caches (its receiver's cell,
   * the pair's counter) is this activation's, and would drag the receiver's state along.
   */
  toJSON(): { kind: string; id: string } {
    return { kind: this.kind, id: this.id };
  }

  /** A system-lane message: it overtakes queued user messages. */
  tellSystem(msg: unknown): void {
    this.#router.sendVia(this, this.#from, msg, Lane.SYSTEM, NO_REPLY, 0);
  }
}
