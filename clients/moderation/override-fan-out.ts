// After an override is applied, moderators are told of it: a `moderationFanOut` workflow (cluster/
// workflows/), started through the node's workflow front under the id `fanout:<audit row>`, so the
// override is announced once whichever node or retry starts it. The desk runs on the main thread
// with no actor outbox: a start that fails is retried with the server's backoff, then logged (the
// audit row remains the record of the override).
import type { OverrideCommandName, OverrideTarget } from '../../actors/index.js';
import { fanOutWorkflowId, WORKFLOW_SERVICE, type Logger, type WorkflowStarter } from '../../runtime/index.js';
import type { GlassNode } from '../../runtime/node/index.js';
import { Backoff } from '../../supervisors/index.js';
import type { AuditReceipt } from './audit-log.js';

const RETRY = { minMs: 500, maxMs: 30_000, randomFactor: 0.2 } as const;
const ATTEMPTS = 6;

export interface AppliedOverrideFacts {
  audit: AuditReceipt;
  moderator: string;
  command: OverrideCommandName;
  target: OverrideTarget;
  reason?: string;
}

/** Starts the fan-out of an applied override; never throws, never holds the desk's answer. */
export function startOverrideFanOut(node: GlassNode, facts: AppliedOverrideFacts, log: Logger): void {
  const front = node.mainService(WORKFLOW_SERVICE) as (WorkflowStarter & object) | undefined;
  if (front === undefined || typeof front.start !== 'function') return;
  const start = {
    type: 'moderationFanOut' as const,
    id: fanOutWorkflowId(facts.audit.id),
    input: {
      notice: {
        auditId: facts.audit.id,
        auditHash: facts.audit.hash,
        moderator: facts.moderator,
        command: facts.command,
        target: `${facts.target.kind}:${facts.target.id}`,
        ...(facts.reason !== undefined && { reason: facts.reason }),
      },
    },
    requestedAt: Date.now(),
  };
  const backoff = new Backoff(RETRY);
  const attempt = (): void => {
    front.start(start).then(
      (r) => log.debug({ workflow: r.id, status: r.status, mode: r.mode }, 'moderators notified (fan-out started)'),
      (err: unknown) => {
        if (backoff.attempts + 1 >= ATTEMPTS) return void log.warn({ workflow: start.id, code: (err as { code?: string }).code }, 'moderators not notified: the fan-out could not be started');
        setTimeout(attempt, backoff.next()).unref();
      },
    );
  };
  attempt();
}
