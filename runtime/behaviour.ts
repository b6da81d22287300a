import type { MailboxOptions } from './mailbox.js';
import type { SupervisionSpec } from './supervision.js';

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
  /** What its supervisor does when a handler fails; unset fields come from the node's defaults. */
  readonly supervision: Partial<SupervisionSpec> | undefined;
  readonly persistence: PersistenceSpec;
  /** Message types whose handlers never change the state: they mark nothing to save and wait for no save. */
  readonly readOnly: ReadonlySet<string> | null;
}

/**
 * When an actor's state is saved to the store (the trade-off between durability and cost):
 * - `every-message`: after each handled message, before its reply and before the next message.
 *   An acknowledged message is never lost; each message waits for a store round trip (saves of
 *   many actors share one bulk request).
 * - `write-behind`: every `writeBehindMs`, dirty actors are saved together in one bulk request.
 *   A crash loses at most that window; messages are not slowed down.
 * - `passivation`: only when the actor is passivated (or drained). Cheapest; a crash loses
 *   everything since activation.
 */
export const SavePolicy = {
  EVERY_MESSAGE: 'every-message',
  WRITE_BEHIND: 'write-behind',
  PASSIVATION: 'passivation',
} as const;
export type SavePolicy = (typeof SavePolicy)[keyof typeof SavePolicy];

export interface PersistenceSpec {
  readonly save: SavePolicy;
  /** For write-behind: the longest a change waits before it is saved. */
  readonly writeBehindMs: number;
}

export const DEFAULT_PERSISTENCE: PersistenceSpec = Object.freeze({ save: SavePolicy.WRITE_BEHIND, writeBehindMs: 1_000 });

/** What an actor module exports for worker threads to load: `export const actors = [...]`. */
export interface ActorModule {
  readonly actors: readonly ActorBehaviour[];
}

/** Sender key used for timer messages: they do not count as activity for passivation. */
export const TIMER_SENDER = '@timer';

/** What the host tells every active actor whose kind has a handler of this type when a node of the cluster went down. */
export const NODES_DOWN_MESSAGE = 'nodes-down';
