import type { MailboxOptions } from './mailbox.js';

/**
 * What the runtime needs to know about an actor kind. Typed definitions are made with
 * `defineActor` (actors/); the runtime itself only sees this untyped shape.
 */
export interface ActorBehaviour {
  readonly kind: string;
  initialState(id: string): unknown;
  /** One handler per message `type`; the returned value (or promise) answers an ask. */
  readonly handlers: Readonly<Record<string, (ctx: any, msg: any) => unknown>>;
  onActivate?(ctx: any): unknown;
  onPassivate?(ctx: any): unknown;
  readonly mailbox: MailboxOptions;
  /** Idle time before passivation; undefined uses the node's default. */
  readonly idleAfterMs: number | undefined;
}

/** What an actor module exports for worker threads to load: `export const actors = [...]`. */
export interface ActorModule {
  readonly actors: readonly ActorBehaviour[];
}

/** Sender key used for timer messages: they do not count as activity for passivation. */
export const TIMER_SENDER = '@timer';
