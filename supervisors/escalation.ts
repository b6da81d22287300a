import { EscalationTarget, type Escalation, type FailureReport, type SupervisionSpec } from '../runtime/index.js';

/**
 * Where an escalated failure goes: to the live parent, as a failure of the parent's own (a first
 * attempt: it carries no message of the parent's to retry or quarantine); with no
 * live parent, the actor itself is quarantined rather than restarted again, since its restart
 * limit says restarting does not help.
 */
export function escalate(spec: SupervisionSpec, failure: FailureReport, parent: { readonly key: string; readonly kind: string } | null): Escalation {
  if (parent !== null) {
    return {
      to: EscalationTarget.PARENT,
      failure: { ...failure, key: parent.key, kind: parent.kind, messageType: `escalation from ${failure.key}`, attempt: 1 },
    };
  }
  return { to: EscalationTarget.QUARANTINE, reason: `restart limit reached (${spec.maxRestarts} within ${spec.withinMs} ms): ${failure.message}` };
}
