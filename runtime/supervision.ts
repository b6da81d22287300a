import { InvalidOptionError } from './errors.js';

/**
 * The contract between the runtime (which runs actors and worker threads) and a supervisor (which
 * decides what happens when one fails). The runtime reports every failure as data and carries out
 * the decision; the policy itself (strategies, limits, backoff, escalation, poison) lives in
 * supervisors/ and is loaded by module reference like the state store, on each worker and on the
 * main thread, so that runtime/ never imports the layer above it.
 */

/** What to do with an actor whose handler failed (Akka's names). */
export const Directive = {
  /** Discard the in-memory state, rehydrate from the store, run onActivate again. */
  RESTART: 'restart',
  /** Keep the state and go on with the next message. */
  RESUME: 'resume',
  /** Stop the actor: later messages are refused with GLASS_ERR_ACTOR_STOPPED until it is restarted. */
  STOP: 'stop',
  /** Hand the failure to the parent (or the worker supervisor for a root actor). */
  ESCALATE: 'escalate',
} as const;
export type Directive = (typeof Directive)[keyof typeof Directive];

/** Which siblings a restart takes with it (Erlang's strategies), among children of one parent. */
export const Strategy = {
  ONE_FOR_ONE: 'one-for-one',
  ONE_FOR_ALL: 'one-for-all',
  REST_FOR_ONE: 'rest-for-one',
} as const;
export type Strategy = (typeof Strategy)[keyof typeof Strategy];

export interface BackoffSpec {
  /** First restart delay. */
  minMs: number;
  /** Largest delay. */
  maxMs: number;
  /** Each delay is multiplied by a random factor in [1, 1 + randomFactor]. */
  randomFactor: number;
  /** A run without failure this long resets the delay to minMs. */
  resetAfterMs: number;
}

/** How failures of one kind of actor are handled. All fields are data: they cross threads. */
export interface SupervisionSpec {
  /** Decision for a failed handler; `escalate` hands it to the parent. */
  directive: Directive;
  /** Applies to the children this actor spawns. */
  strategy: Strategy;
  /** At most this many restarts within `withinMs`; one more escalates. */
  maxRestarts: number;
  withinMs: number;
  backoff: BackoffSpec;
  /** A message that fails the actor this many times is quarantined instead of retried again. */
  poisonAfter: number;
}

/** A failure as the host reports it to the supervisor. */
export interface FailureReport {
  readonly key: string;
  readonly kind: string;
  readonly messageType: string;
  readonly message: string;
  /** How many times this very message has now failed this actor. */
  readonly attempt: number;
  readonly at: number;
}

/** What the supervisor decided, for the host to carry out. */
export interface SupervisionDecision {
  readonly directive: Directive;
  /** For RESTART: wait this long first (backing off). */
  readonly delayMs: number;
  /** The failing message is quarantined rather than retried. */
  readonly quarantine: boolean;
}

/** Per-actor supervision bookkeeping the host keeps on the cell, allocated on first failure. */
export interface RestartRecord {
  /** Times of restarts inside the current window (oldest first). */
  restarts: number[];
  /** Total restarts over the actor's life on this worker. */
  total: number;
  /** Restarts since the backoff last started again from minMs (the next delay's exponent). */
  backoffAttempts: number;
  lastFailureAt: number;
}

export function newRestartRecord(): RestartRecord {
  return { restarts: [], total: 0, backoffAttempts: 0, lastFailureAt: -Infinity };
}

/** Which siblings go down with a failing child (one strategy object per Strategy). */
export interface RestartStrategy {
  readonly name: Strategy;
  /**
   * Whether the sibling at `siblingIndex` among the parent's children (in spawn order) restarts
   * with the failing child at `failedIndex` (-1 if the parent no longer lists it).
   */
  restartsWith(failedIndex: number, siblingIndex: number): boolean;
}

/** Where an escalated failure goes. */
export const EscalationTarget = {
  /** The live parent that spawned the actor: its own supervision handles the failure. */
  PARENT: 'parent',
  /** No live parent: the actor itself is quarantined (stopped until an ops restart). */
  QUARANTINE: 'quarantine',
} as const;
export type EscalationTarget = (typeof EscalationTarget)[keyof typeof EscalationTarget];

export type Escalation =
  | { readonly to: typeof EscalationTarget.PARENT; readonly failure: FailureReport }
  | { readonly to: typeof EscalationTarget.QUARANTINE; readonly reason: string };

/** A worker thread's death, as the node reports it to the supervisor. */
export interface ThreadExit {
  readonly thread: number;
  /** How long it had been up since its last start. */
  readonly upForMs: number;
  readonly code: number;
  /** `blocked`: the node's watchdog ended it (its event loop had stopped); else it exited by itself. */
  readonly reason?: 'exited' | 'blocked';
}

/**
 * The policy, as the runtime calls it: the actor host on each worker (failures, save retries) and
 * the node on the main thread (worker-thread deaths), each from an instance built by the factory
 * NodeOptions.supervisor names. The runtime carries out what these return and decides nothing.
 */
export interface Supervisor {
  /** The spec for a kind (its own, or the node's override, or the default). */
  specFor(kind: string, own: Partial<SupervisionSpec> | undefined): SupervisionSpec;
  /** Decides for a failure; may update the record (restart window, backoff). */
  decide(spec: SupervisionSpec, record: RestartRecord, failure: FailureReport): SupervisionDecision;
  /** The strategy a parent with this spec applies to its children. */
  strategy(spec: SupervisionSpec): RestartStrategy;
  /** Where an ESCALATE decision for an actor with this spec goes; `parent` is null when it has no live parent. */
  escalate(spec: SupervisionSpec, failure: FailureReport, parent: { readonly key: string; readonly kind: string } | null): Escalation;
  /** Wait before retry number `attempt` (0 for the first) of a state save the store refused as unavailable. */
  saveRetryDelayMs(attempt: number): number;
  /** A worker thread died: wait this long before starting its replacement. */
  threadRestartDelayMs(exit: ThreadExit): number;
}

/**
 * The default for every kind: restart (rehydrating from the store) with backoff, at most 5
 * restarts in 30 s, then escalate; a message that fails the actor 3 times is quarantined. Akka
 * typed defaults to stop; a game room that vanishes on the first bug is worse for players than
 * one that comes back with its last saved state, so restart is the default here.
 */
export const DEFAULT_SUPERVISION: SupervisionSpec = Object.freeze({
  directive: Directive.RESTART,
  strategy: Strategy.ONE_FOR_ONE,
  maxRestarts: 5,
  withinMs: 30_000,
  backoff: Object.freeze({ minMs: 50, maxMs: 10_000, randomFactor: 0.2, resetAfterMs: 60_000 }),
  poisonAfter: 3,
});

const DIRECTIVES = new Set<string>(Object.values(Directive));
const STRATEGIES = new Set<string>(Object.values(Strategy));

function int(path: string, value: unknown, min: number): number {
  if (!Number.isInteger(value) || (value as number) < min) throw new InvalidOptionError(path, `an integer >= ${min}`, value);
  return value as number;
}

/** Fills a partial spec over a base and checks every field; throws GLASS_ERR_INVALID_OPTION. */
export function resolveSupervision(partial: Partial<SupervisionSpec> | undefined, base: SupervisionSpec = DEFAULT_SUPERVISION, path = 'supervision'): SupervisionSpec {
  if (partial === undefined) return base;
  if (partial === null || typeof partial !== 'object') throw new InvalidOptionError(path, 'an object', partial);
  const spec: SupervisionSpec = { ...base, ...partial, backoff: { ...base.backoff, ...partial.backoff } };
  if (!DIRECTIVES.has(spec.directive)) throw new InvalidOptionError(`${path}.directive`, [...DIRECTIVES].join(' | '), spec.directive);
  if (!STRATEGIES.has(spec.strategy)) throw new InvalidOptionError(`${path}.strategy`, [...STRATEGIES].join(' | '), spec.strategy);
  int(`${path}.maxRestarts`, spec.maxRestarts, 0);
  int(`${path}.withinMs`, spec.withinMs, 1);
  int(`${path}.poisonAfter`, spec.poisonAfter, 1);
  const b = spec.backoff;
  int(`${path}.backoff.minMs`, b.minMs, 0);
  int(`${path}.backoff.maxMs`, b.maxMs, b.minMs);
  int(`${path}.backoff.resetAfterMs`, b.resetAfterMs, 1);
  if (typeof b.randomFactor !== 'number' || !(b.randomFactor >= 0 && b.randomFactor <= 1)) {
    throw new InvalidOptionError(`${path}.backoff.randomFactor`, 'a number from 0 to 1', b.randomFactor);
  }
  return Object.freeze(spec);
}
