import type { Clock, TimerHandle } from '../clock.js';
import { ErrorCodes, GlassError } from '../errors.js';

/**
 * Timers of one actor, Akka-style: a timer does not run code, it delivers a message to the actor
 * itself, so the handler runs inside the actor's turn like any other message. Timers are keyed by
 * name (starting one replaces the old one) and all of them are cancelled on passivation.
 */
export class ActorTimers {
  readonly #handles = new Map<string, TimerHandle>();

  constructor(
    readonly clock: Clock,
    readonly deliver: (msg: unknown) => void,
  ) {}

  /** Delivers `msg` once after `delayMs`. */
  once(name: string, delayMs: number, msg: unknown): void {
    checkMessage(msg);
    this.cancel(name);
    this.#handles.set(
      name,
      this.clock.setTimeout(() => {
        this.#handles.delete(name);
        this.deliver(msg);
      }, delayMs),
    );
  }

  /** Delivers `msg` every `intervalMs` until cancelled. */
  every(name: string, intervalMs: number, msg: unknown): void {
    checkMessage(msg);
    this.cancel(name);
    const tick = (): void => {
      this.#handles.set(name, this.clock.setTimeout(tick, intervalMs));
      this.deliver(msg);
    };
    this.#handles.set(name, this.clock.setTimeout(tick, intervalMs));
  }

  cancel(name: string): boolean {
    const handle = this.#handles.get(name);
    if (handle === undefined) return false;
    this.clock.clearTimeout(handle);
    this.#handles.delete(name);
    return true;
  }

  isActive(name: string): boolean {
    return this.#handles.has(name);
  }

  cancelAll(): void {
    for (const handle of this.#handles.values()) this.clock.clearTimeout(handle);
    this.#handles.clear();
  }
}

/** Timer messages skip the router's check at send, and a null one would throw inside the dispatcher. */
function checkMessage(msg: unknown): void {
  if (msg === null || typeof msg !== 'object' || typeof (msg as { type?: unknown }).type !== 'string') {
    throw new GlassError(ErrorCodes.INVALID_MESSAGE, 'a timer message must be an object with a string "type"');
  }
}
