import {
  OVERRIDE_COMMANDS,
  override,
  overrideId,
  reachedSeq,
  tellSystem,
  type OverrideCommand,
  type OverrideCommandName,
  type OverrideTarget,
} from '../../actors/index.js';
import { GlassError, type Logger } from '../../runtime/index.js';
import { type GlassNode } from '../../runtime/node/index.js';
import { AuditUnavailableError, type AuditLog, type AuditReceipt } from './audit-log.js';
import type { RefusalEntry } from './audit-refusals.js';
import { startOverrideFanOut } from './override-fan-out.js';

/** The `moderator` of a refusal's row when the request had no valid token. */
export const ANONYMOUS = '(no valid token)';
import { IdSchema, ProtocolErrors, type OverrideRequest, type Role } from '../protocol/index.js';

/** Who asked, from a verified access token. */
export interface Requester {
  readonly player: string;
  readonly roles: readonly Role[];
}

/** How an override came in. */
export type OverrideSource = 'ws' | 'api';

/** An override the target applied. */
export interface OverrideOutcome {
  audit: AuditReceipt;
  target: OverrideTarget;
  command: OverrideCommandName;
}

/** What can be said of a refused attempt: only fields that passed their own checks. */
export interface OverrideAttempt {
  room?: string;
  session?: string;
  command?: string;
  player?: string;
  seq?: number;
  text?: string;
  reason?: string;
}

export interface ModerationDeskOptions {
  node: GlassNode;
  /** null: none configured; every override is refused with GLASS_ERR_AUDIT_UNAVAILABLE. */
  audit: AuditLog | null;
  log: Logger;
  /** How long to wait for the target's acknowledgement. */
  ackTimeoutMs: number;
  /** Called once per override its target acknowledged (the ops counter telemetry.moderation.overrides). */
  onApplied?(outcome: OverrideOutcome): void;
}

interface Pending {
  resolve(): void;
  reject(err: Error): void;
  timer: NodeJS.Timeout;
}

/** A validated request as the actors take it. */
export function toOverride(request: OverrideRequest): { target: OverrideTarget; command: OverrideCommand } {
  const target: OverrideTarget = request.room !== undefined ? { kind: 'room', id: request.room } : { kind: 'session', id: request.session! };
  const command: OverrideCommand = { command: request.command };
  if (request.player !== undefined) command.player = request.player;
  if (request.seq !== undefined) command.seq = request.seq;
  if (request.text !== undefined) command.text = request.text;
  if (request.reason !== undefined) command.reason = request.reason;
  return { target, command };
}

/**
 * The main thread's side of moderation, shared by the WebSocket frames and the HTTP API. An
 * override is appended to the audit log first and acted on only once the row is written (never
 * applied without being audited); then it goes to the target's override actor on the system lane,
 * and the desk waits for the target's acknowledgement, which arrives at this node's gateway
 * endpoint carrying the audit ref (`applied`). Refused attempts are audited too, best effort.
 */
export class ModerationDesk {
  readonly #o: ModerationDeskOptions;
  readonly #pending = new Map<number, Pending>();

  constructor(options: ModerationDeskOptions) {
    this.#o = options;
  }

  get audit(): AuditLog | null {
    return this.#o.audit;
  }

  async submit(who: Requester, source: OverrideSource, request: OverrideRequest): Promise<OverrideOutcome> {
    if (!who.roles.includes('moderator')) {
      await this.refuse(who, source, request, ProtocolErrors.FORBIDDEN);
      throw new GlassError(ProtocolErrors.FORBIDDEN, 'an override needs the moderator role');
    }
    const audit = this.#o.audit;
    if (audit === null) throw new AuditUnavailableError('no audit log is configured (set GLASS_PG_URL): overrides are refused');
    const { target, command } = toOverride(request);
    if (command.command === 'redact') await this.#refuseUnreached(who, source, request, target, command.seq!);
    const { player: moderator } = who;
    const receipt = await audit.append({
      node: this.#o.node.id,
      moderator,
      roles: who.roles,
      source,
      outcome: 'accepted',
      code: null,
      targetKind: target.kind,
      targetId: target.id,
      command: command.command,
      args: argsOf(command),
    });
    // The audit ref is the correlation id of everything logged about this override from here on.
    const log = this.#o.log.child({ audit: receipt.id, auditHash: receipt.hash });
    const acknowledged = this.#wait(receipt.id);
    try {
      tellSystem(override.ref(this.#o.node, overrideId(target)), { type: 'apply', target, command, audit: receipt, by: moderator, replyTo: this.#o.node.id });
    } catch (err) {
      this.#settle(receipt.id, err as Error);
      throw err;
    }
    log.info({ moderator, source, command: command.command, target: `${target.kind}:${target.id}` }, 'override audited and sent');
    try {
      await acknowledged;
    } catch (err) {
      log.warn({ moderator, code: (err as GlassError).code }, 'override not acknowledged');
      throw err;
    }
    log.info({ command: command.command, target: `${target.kind}:${target.id}` }, 'override applied');
    startOverrideFanOut(this.#o.node, { audit: receipt, moderator, command: command.command, target, ...(command.reason !== undefined && { reason: command.reason }) }, log);
    const outcome: OverrideOutcome = { audit: receipt, target, command: command.command };
    this.#o.onApplied?.(outcome);
    return outcome;
  }

  /**
   * A `redact` names a line (or turn) by its number: one the target has not reached yet has nothing
   * to act on, and is refused (audited as refused) before anything is appended as accepted. Numbers
   * only grow, so a seq reached now is reached when the override arrives.
   */
  async #refuseUnreached(who: Requester, source: OverrideSource, request: OverrideRequest, target: OverrideTarget, seq: number): Promise<void> {
    const last = await reachedSeq(this.#o.node, target);
    if (seq <= last) return;
    await this.refuse(who, source, request, ProtocolErrors.SEQ_NOT_REACHED);
    throw new GlassError(ProtocolErrors.SEQ_NOT_REACHED, `seq ${seq} is past the last one (${last}): nothing to redact`);
  }

  /**
   * Appends a refused attempt to the audit log, within the refusal bound of its caller (the player).
   * Never throws: a refusal that cannot be audited is logged; one past the bound is counted.
   */
  async refuse(who: Requester, source: OverrideSource, attempt: OverrideAttempt, code: string): Promise<void> {
    const targetKind = attempt.room !== undefined ? 'room' : attempt.session !== undefined ? 'session' : null;
    await this.#refusal(`player:${who.player}`, { moderator: who.player, roles: who.roles, source, code, targetKind, targetId: attempt.room ?? attempt.session ?? null, command: attempt.command ?? null, args: argsOf(attempt) });
  }

  /** A request refused before it had a valid token (401): audited by its address, within that address's bound. */
  async refuseAnonymous(address: string, source: OverrideSource, code: string): Promise<void> {
    await this.#refusal(`address:${address}`, { moderator: ANONYMOUS, roles: [], source, code, targetKind: null, targetId: null, command: null, args: { address } });
  }

  async #refusal(caller: string, row: Omit<RefusalEntry, 'node'>): Promise<void> {
    const fields = { moderator: row.moderator, source: row.source, code: row.code, command: row.command, target: row.targetKind === null ? null : `${row.targetKind}:${row.targetId}` };
    const audit = this.#o.audit;
    if (audit === null) return void this.#o.log.warn(fields, 'override refused (no audit log configured)');
    const result = await audit.refusals.record(caller, { ...row, node: this.#o.node.id });
    if (result === 'unavailable') this.#o.log.warn(fields, 'override refused and not audited: the audit log is unavailable');
    else if (result !== 'suppressed') this.#o.log.warn({ ...fields, audit: result.id, auditHash: result.hash }, 'override refused');
  }

  /** The target acknowledged the override of this audit row (called by the gateway endpoint). */
  applied(auditId: number): void {
    this.#settle(auditId);
  }

  /** Fails whatever still waits (the gateway closes). */
  close(): void {
    for (const id of [...this.#pending.keys()]) this.#settle(id, new GlassError(ProtocolErrors.NODE_CLOSED, 'the gateway closed before the override was acknowledged'));
  }

  #wait(auditId: number): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const timer = setTimeout(
        () => this.#settle(auditId, new GlassError(ProtocolErrors.OVERRIDE_TIMEOUT, `the target did not acknowledge audit row ${auditId} within ${this.#o.ackTimeoutMs} ms: its outcome is unknown`)),
        this.#o.ackTimeoutMs,
      );
      this.#pending.set(auditId, { resolve, reject, timer });
    });
  }

  #settle(auditId: number, err?: Error): void {
    const pending = this.#pending.get(auditId);
    if (pending === undefined) return;
    this.#pending.delete(auditId);
    clearTimeout(pending.timer);
    if (err === undefined) pending.resolve();
    else pending.reject(err);
  }
}

function argsOf(c: OverrideAttempt | OverrideCommand): Record<string, string | number> {
  const args: Record<string, string | number> = {};
  if (c.player !== undefined) args.player = c.player;
  if (c.seq !== undefined) args.seq = c.seq;
  if (c.text !== undefined) args.text = c.text;
  if (c.reason !== undefined) args.reason = c.reason;
  return args;
}

/**
 * The parts of a raw override frame or body that pass their own checks, for the audit row of a
 * refusal: an attempt that failed validation is recorded without its unchecked content.
 */
export function attemptOf(raw: unknown): OverrideAttempt {
  const attempt: OverrideAttempt = {};
  if (raw === null || typeof raw !== 'object') return attempt;
  const r = raw as Record<string, unknown>;
  if (IdSchema.safeParse(r.room).success) attempt.room = r.room as string;
  else if (IdSchema.safeParse(r.session).success) attempt.session = r.session as string;
  if (typeof r.command === 'string' && (OVERRIDE_COMMANDS as readonly string[]).includes(r.command)) attempt.command = r.command;
  if (IdSchema.safeParse(r.player).success) attempt.player = r.player as string;
  return attempt;
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * The attempt in a WebSocket message that failed validation, if it was an override (`type` is
 * "override"); null otherwise. Only called on refused frames, so parsing twice costs nothing on the
 * hot path.
 */
export function rawOverrideAttempt(data: ArrayBuffer): OverrideAttempt | null {
  try {
    const raw: unknown = JSON.parse(utf8.decode(data));
    return raw !== null && typeof raw === 'object' && (raw as { type?: unknown }).type === 'override' ? attemptOf(raw) : null;
  } catch {
    return null;
  }
}
