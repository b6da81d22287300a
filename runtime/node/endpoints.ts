import type { Envelope } from '../envelope.js';
import { ErrorCodes, GlassError, toWireError } from '../errors.js';
import type { LocalSink, RouteCache } from '../wire/route.js';
import type { MainRouter } from './main-router.js';

/** A main-thread handler bound to an address, e.g. the gateway of this node ("gateway:<node>"). */
export type EndpointHandler = (msg: any, envelope: Envelope) => unknown;

/**
 * The main thread's LocalSink: a few addresses bound to plain handlers. They are not actors (no
 * mailbox, no state, no passivation): they are the runtime's edge towards sockets and tools.
 */
export class EndpointTable implements LocalSink {
  readonly #handlers = new Map<string, EndpointHandler>();

  constructor(readonly router: MainRouter) {}

  bind(key: string, handler: EndpointHandler): () => void {
    if (this.#handlers.has(key)) throw new GlassError(ErrorCodes.INVALID_ADDRESS, `${key} is already bound`);
    this.#handlers.set(key, handler);
    return () => this.#handlers.delete(key);
  }

  /** Endpoints are few and looked up by key: a Ref's cache slot is of no use here. */
  deliverVia(_target: RouteCache, e: Envelope): void {
    this.deliver(e);
  }

  deliver(e: Envelope): void {
    if (!this.take(e)) this.router.refuse(e, new GlassError(ErrorCodes.NO_ROUTE, `nothing is bound to ${e.to} on the main thread`), 'unbound');
  }

  /**
   * Hands `e` to the handler bound to its address; false when nothing is bound there. A bound
   * address is always this thread's, whatever the placement (only pinned kinds with this node's
   * id are bound), so the router may try here before locating anything.
   */
  take(e: Envelope): boolean {
    const handler = this.#handlers.get(e.to);
    if (handler === undefined) return false;
    // A main-thread handler takes the message in one call: from here it is this node's.
    this.router.handled(e);
    try {
      const result = handler(e.msg, e);
      if (result instanceof Promise) {
        result.then((value) => this.router.reply(e, value), (err: unknown) => this.router.reply(e, undefined, toWireError(err)));
      } else {
        this.router.reply(e, result);
      }
    } catch (err) {
      this.router.reply(e, undefined, toWireError(err));
    }
    return true;
  }
}
