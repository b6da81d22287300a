import type { ActorCell } from './actor-cell.js';
import { addressKey, validateAddress } from './address.js';
import { Lane } from './envelope.js';
import type { Router } from './router.js';

/**
 * The narrow handle on an actor: tell and ask, nothing else. A Ref is only an address plus the
 * router of the thread that made it; the actor need not be active, nor on this thread or node.
 */
export class Ref {
  readonly key: string;
  readonly #router: Router;
  readonly #from: ActorCell | null;

  constructor(
    readonly kind: string,
    readonly id: string,
    router: Router,
    from: ActorCell | null,
  ) {
    validateAddress(kind, id);
    this.key = addressKey(kind, id);
    this.#router = router;
    this.#from = from;
  }

  tell(msg: unknown): void {
    this.#router.send(this.#from, this.kind, this.id, this.key, msg, Lane.USER);
  }

  /** Resolves with the handler's return value; rejects with a GlassError (GLASS_ERR_ASK_TIMEOUT …). */
  ask(msg: unknown, options?: { timeoutMs?: number }): Promise<unknown> {
    return this.#router.ask(this.#from, this.kind, this.id, this.key, msg, options?.timeoutMs);
  }

  /** A system-lane message: it overtakes queued user messages. */
  tellSystem(msg: unknown): void {
    this.#router.send(this.#from, this.kind, this.id, this.key, msg, Lane.SYSTEM);
  }
}
