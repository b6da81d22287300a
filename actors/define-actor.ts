import {
  DEFAULT_MAILBOX,
  DEFAULT_PERSISTENCE,
  InvalidOptionError,
  SavePolicy,
  resolveSupervision,
  type PersistenceSpec,
  type SupervisionSpec,
  validateMailboxOptions,
  type ActorBehaviour,
  type ActorTimers,
  type Address,
  type MailboxOptions,
  type Ref,
} from '../runtime/index.js';

/** What a handler sees as `ctx`. */
export interface ActorContext<S> {
  readonly self: Address;
  /** The actor's state: mutate it or replace it; it is what gets persisted. */
  state: S;
  /** Address key of the sender ("room:lobby"), or null for a message from outside any actor. */
  readonly sender: string | null;
  /** Sequence number of the current message for its sender→receiver pair. */
  readonly seq: number;
  readonly messageId: number;
  readonly nodeId: string;
  now(): number;
  /** Since when (on now()'s clock) the membership has had `node` down; undefined when it is not known down. */
  nodeDownSince(node: string): number | undefined;
  ref<D extends AnyActorDefinition>(definition: D, id: string): ActorRef<D>;
  /** Untyped send, for addresses only known at run time (e.g. a gateway node). */
  tell<M extends UntypedMessage>(to: Address, msg: M): void;
  ask<M extends UntypedMessage>(to: Address, msg: M, options?: { timeoutMs?: number }): Promise<unknown>;
  /** Timers deliver a message to this actor; cancelled on passivation. */
  readonly timers: ActorTimers;
  /** Passivate once the current message is handled. */
  passivate(): void;
  /** A service of the node (NodeOptions.services), e.g. the session's turn runner; throws GLASS_ERR_UNKNOWN_SERVICE when absent. */
  service<T>(name: string): T;
  /**
   * Spawns (or finds) child `<this id>/<name>` of a kind, supervised by this actor: placed on this
   * actor's worker, restarted with it, and restarted per this kind's `supervision.strategy`.
   */
  spawn<D extends AnyActorDefinition>(definition: D, name: string): ActorRef<D>;
}

/** A message to an address whose kind is only known at run time. */
export interface UntypedMessage {
  readonly type: string;
}

type Handler<S> = (ctx: ActorContext<S>, msg: any) => unknown;
type Handlers<S> = Record<string, Handler<S>>;

export interface ActorSpec<K extends string, S, H extends Handlers<S>> {
  kind: K;
  initialState: (id: string) => S;
  /** One handler per message type. The message parameter's type is the message's body. */
  handlers: H;
  onActivate?: (ctx: ActorContext<S>) => unknown;
  onPassivate?: (ctx: ActorContext<S>) => unknown;
  mailbox?: Partial<MailboxOptions>;
  idleAfterMs?: number;
  /** What happens when a handler throws (default: restart from the stored state, with backoff). */
  supervision?: Partial<SupervisionSpec>;
  /** When state is saved (default: write-behind every second); see SavePolicy for the trade-off. */
  persistence?: Partial<PersistenceSpec>;
  /** Message types whose handlers only read the state: no save follows them (and no write-behind). */
  readOnly?: readonly (keyof H & string)[];
}

export interface ActorDefinition<K extends string, S, H extends Handlers<S>> extends ActorBehaviour {
  readonly kind: K;
  readonly handlers: H;
  /** A typed ref to actor `id` of this kind, from a node, a context, or anything with `ref`. */
  ref(source: RefSource, id: string): ActorRef<ActorDefinition<K, S, H>>;
  /** Type-level only: the state type. */
  readonly __state?: S;
}

export type AnyActorDefinition = ActorDefinition<string, any, any>;

export interface RefSource {
  ref(kind: string, id: string): Ref;
}

type HandlersOf<D> = D extends ActorDefinition<string, any, infer H> ? H : never;

/** The union of messages a kind accepts: `{ type: <handler name> } & <handler's message type>`. */
export type MessageOf<D> = {
  [T in keyof HandlersOf<D> & string]: { readonly type: T } & Omit<Parameters<HandlersOf<D>[T]>[1], 'type'>;
}[keyof HandlersOf<D> & string];

/** What an ask of message type T answers: the handler's (awaited) return type. */
export type ReplyOf<D, T extends string> = Awaited<ReturnType<HandlersOf<D>[T]>>;

export type StateOf<D> = D extends ActorDefinition<string, infer S, any> ? S : never;

/** The narrow handle callers get: a message of the wrong type for the kind is a compile error. */
export interface ActorRef<D> {
  readonly kind: string;
  readonly id: string;
  readonly key: string;
  tell(msg: MessageOf<D>): void;
  ask<M extends MessageOf<D>>(msg: M, options?: { timeoutMs?: number }): Promise<ReplyOf<D, M['type']>>;
}

const KIND = /^[a-z][a-z0-9-]{0,63}$/;

/**
 * Defines an actor kind. Types flow from the spec: the state from `initialState`, the messages
 * from the handlers' parameters, the replies from their return values.
 */
export function defineActor<const K extends string, S, H extends Handlers<S>>(spec: ActorSpec<K, S, H>): ActorDefinition<K, S, H> {
  if (typeof spec.kind !== 'string' || !KIND.test(spec.kind)) throw new InvalidOptionError('kind', `a string matching ${KIND}`, spec.kind);
  if (typeof spec.initialState !== 'function') throw new InvalidOptionError('initialState', 'a function', spec.initialState);
  if (spec.handlers === null || typeof spec.handlers !== 'object') throw new InvalidOptionError('handlers', 'an object of functions', spec.handlers);
  for (const [type, fn] of Object.entries(spec.handlers)) {
    if (typeof fn !== 'function') throw new InvalidOptionError(`handlers.${type}`, 'a function', fn);
  }
  const mailbox: MailboxOptions = { ...DEFAULT_MAILBOX, ...spec.mailbox };
  validateMailboxOptions(mailbox);
  if (spec.idleAfterMs !== undefined && (!Number.isInteger(spec.idleAfterMs) || spec.idleAfterMs < 1)) {
    throw new InvalidOptionError('idleAfterMs', 'a positive integer', spec.idleAfterMs);
  }
  // Checked here, where the mistake is made; the node's overrides are applied in the worker.
  if (spec.supervision !== undefined) resolveSupervision(spec.supervision);
  const persistence: PersistenceSpec = Object.freeze({ ...DEFAULT_PERSISTENCE, ...spec.persistence });
  if (!(Object.values(SavePolicy) as string[]).includes(persistence.save)) {
    throw new InvalidOptionError('persistence.save', Object.values(SavePolicy).join(' | '), persistence.save);
  }
  if (!Number.isInteger(persistence.writeBehindMs) || persistence.writeBehindMs < 1) {
    throw new InvalidOptionError('persistence.writeBehindMs', 'a positive integer', persistence.writeBehindMs);
  }
  for (const type of spec.readOnly ?? []) {
    if (typeof spec.handlers[type] !== 'function') throw new InvalidOptionError('readOnly', 'names of handlers', type);
  }
  // Handlers are looked up by message type on the hot path: a prototype-less table keeps
  // "toString" or "__proto__" from ever resolving to something that is not a handler.
  const handlers = Object.assign(Object.create(null), spec.handlers) as H;
  const definition: ActorDefinition<K, S, H> = {
    kind: spec.kind,
    initialState: spec.initialState,
    handlers,
    onActivate: spec.onActivate,
    onPassivate: spec.onPassivate,
    mailbox,
    idleAfterMs: spec.idleAfterMs,
    supervision: spec.supervision === undefined ? undefined : Object.freeze({ ...spec.supervision }),
    persistence,
    readOnly: spec.readOnly === undefined || spec.readOnly.length === 0 ? null : new Set<string>(spec.readOnly),
    ref: (source, id) => source.ref(spec.kind, id) as unknown as ActorRef<ActorDefinition<K, S, H>>,
  };
  return Object.freeze(definition);
}
