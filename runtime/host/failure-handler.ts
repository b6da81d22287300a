import { CellStatus, type ActorCell } from './actor-cell.js';
import type { CellLifecycle } from './cell-lifecycle.js';
import type { Clock } from '../clock.js';
import { messageType, NO_REPLY, type Envelope } from '../envelope.js';
import { ErrorCodes, GlassError } from '../errors.js';
import type { Logger } from '../logger.js';
import type { QuarantinedMessage } from '../quarantine.js';
import type { Router } from '../wire/router.js';
import { Directive, EscalationTarget, newRestartRecord, type FailureReport, type SupervisionSpec, type Supervisor } from '../supervision.js';

/** A failure as listeners see it: data, never an exception through the runtime. */
export interface ActorFailure {
  readonly key: string;
  readonly messageType: string;
  readonly error: unknown;
  readonly directive: Directive;
}

/**
 * Turns a handler's exception into a failure report and carries out what the supervisor decides
 * for it; it decides nothing itself. A GlassError is the handler refusing the request (its code
 * goes to the asker, the actor is fine); anything else is a failure: restart (the message is
 * retried after the restart, unless the supervisor flags it as poison and it is quarantined) with
 * the siblings the parent's strategy names, resume, stop, or escalate (to the parent that spawned
 * the actor, or — for a root actor — quarantine of the actor itself).
 */
export class FailureHandler {
  readonly #host: { readonly cells: Map<string, ActorCell> };
  readonly #router: Router;
  readonly #supervisor: Supervisor;
  readonly #lifecycle: CellLifecycle;
  readonly #clock: Clock;
  readonly #log: Logger;
  readonly #onQuarantine: ((entry: QuarantinedMessage) => void) | undefined;
  readonly #listeners = new Set<(failure: ActorFailure) => void>();
  #quarantined = 0;

  constructor(
    host: { readonly cells: Map<string, ActorCell> },
    router: Router,
    supervisor: Supervisor,
    lifecycle: CellLifecycle,
    clock: Clock,
    log: Logger,
    onQuarantine: ((entry: QuarantinedMessage) => void) | undefined,
  ) {
    this.#host = host;
    this.#router = router;
    this.#supervisor = supervisor;
    this.#lifecycle = lifecycle;
    this.#clock = clock;
    this.#log = log;
    this.#onQuarantine = onQuarantine;
  }

  onFailure(listener: (failure: ActorFailure) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** The handler of `e` threw (or its promise rejected) with `error`. */
  failed(cell: ActorCell, e: Envelope, error: unknown): void {
    if (error instanceof GlassError) {
      if (cell.retry === e) cell.retry = null;
      this.#router.handled(e);
      if (e.replyThread !== NO_REPLY) this.#router.reply(e, undefined, error.toWire());
      else this.#log.debug({ actor: cell.key, messageType: messageType(e.msg), code: error.code }, 'told message refused');
      return;
    }
    const attempt = cell.retry === e ? cell.attempt + 1 : 1;
    const report: FailureReport = {
      key: cell.key,
      kind: cell.kind,
      messageType: messageType(e.msg),
      message: error instanceof Error ? error.message : String(error),
      attempt,
      at: this.#clock.now(),
    };
    this.#supervise(cell, report, e, error);
  }

  #supervise(cell: ActorCell, report: FailureReport, e: Envelope | null, error: unknown): void {
    cell.failures++;
    cell.lastFailure = { messageType: report.messageType, message: report.message, at: report.at };
    const spec = this.#supervisor.specFor(cell.kind, cell.behaviour.supervision);
    const decision = this.#supervisor.decide(spec, (cell.restarts ??= newRestartRecord()), report);
    this.#log.warn(
      { actor: cell.key, messageType: report.messageType, err: report.message, attempt: report.attempt, directive: decision.directive, delayMs: decision.delayMs },
      'actor failed',
    );
    for (const listener of this.#listeners) listener({ key: cell.key, messageType: report.messageType, error, directive: decision.directive });

    if (e !== null) {
      if (decision.quarantine) this.#quarantine(cell, e, report);
      else if (decision.directive === Directive.RESTART) this.#retryAfterRestart(cell, e, report.attempt);
      else this.#answerFailed(cell, e, report);
    }
    switch (decision.directive) {
      case Directive.RESUME:
        return;
      case Directive.RESTART:
        return this.#restart(cell, decision.delayMs);
      case Directive.STOP:
        return this.#lifecycle.stop(cell, CellStatus.STOPPED, report.message);
      case Directive.ESCALATE:
        return this.#escalate(cell, spec, report, error);
    }
  }

  /** Restarts the cell, and the siblings its parent's strategy says go with it. */
  #restart(cell: ActorCell, delayMs: number): void {
    const parent = cell.parent;
    if (parent === null || parent.children === null || parent.status !== CellStatus.ACTIVE) return this.#lifecycle.restart(cell, delayMs);
    const strategy = this.#supervisor.strategy(this.#supervisor.specFor(parent.kind, parent.behaviour.supervision));
    const siblings = parent.children;
    const failed = siblings.indexOf(cell.key);
    for (let i = 0; i < siblings.length; i++) {
      const sibling = this.#host.cells.get(siblings[i]);
      if (sibling === undefined || sibling.parent !== parent) continue;
      if (sibling === cell) this.#lifecycle.restart(cell, delayMs);
      else if (sibling.status === CellStatus.ACTIVE && strategy.restartsWith(failed, i)) this.#lifecycle.restart(sibling, 0);
    }
  }

  #escalate(cell: ActorCell, spec: SupervisionSpec, report: FailureReport, error: unknown): void {
    const parent = cell.parent !== null && cell.parent.status === CellStatus.ACTIVE ? cell.parent : null;
    const escalation = this.#supervisor.escalate(spec, report, parent);
    if (escalation.to === EscalationTarget.PARENT) return this.#supervise(parent!, escalation.failure, null, error);
    this.#lifecycle.stop(cell, CellStatus.QUARANTINED, escalation.reason);
  }

  #retryAfterRestart(cell: ActorCell, e: Envelope, attempt: number): void {
    cell.retry = e;
    cell.attempt = attempt;
  }

  #answerFailed(cell: ActorCell, e: Envelope, report: FailureReport): void {
    if (cell.retry === e) cell.retry = null;
    cell.attempt = 0;
    this.#router.handled(e);
    if (e.replyThread !== NO_REPLY) {
      this.#router.reply(e, undefined, {
        code: ErrorCodes.ACTOR_FAILED,
        message: report.message,
        details: { actor: cell.key, messageType: report.messageType },
      });
    }
  }

  #quarantine(cell: ActorCell, e: Envelope, report: FailureReport): void {
    if (cell.retry === e) cell.retry = null;
    cell.attempt = 0;
    this.#router.handled(e);
    const entry: QuarantinedMessage = {
      id: `${this.#router.thread}-${++this.#quarantined}`,
      to: cell.key,
      from: e.from,
      seq: e.seq,
      messageType: report.messageType,
      message: e.msg,
      error: report.message,
      attempts: report.attempt,
      at: report.at,
    };
    this.#log.error({ actor: cell.key, messageType: report.messageType, attempts: report.attempt, quarantineId: entry.id }, 'message quarantined');
    this.#onQuarantine?.(entry);
    if (e.replyThread !== NO_REPLY) {
      this.#router.reply(e, undefined, {
        code: ErrorCodes.QUARANTINED,
        message: `message quarantined after ${report.attempt} failures: ${report.message}`,
        details: { actor: cell.key, quarantineId: entry.id, attempts: report.attempt },
      });
    }
  }
}
