// The activities of the three workflows, built over what they need: the state store lore is written
// to, a logger, and fetch for the moderators' webhooks. The same functions run in a Temporal worker
// (`glass workflows worker`) and in process on a node without TEMPORAL_ADDRESS (in-process-runner.ts).
import { checkRequestOf, runChecks } from '../../../actors/index.js';
import { GlassError, WorkflowErrors, type Logger, type StateStore } from '../../../runtime/index.js';
import type { CheckRunnerInput, ConsolidationWorkflowInput, GlassActivities, OverrideNotice, WriteLoreInput } from '../workflow-types.js';
import { NonRetryableActivityError } from './activity-errors.js';
import { digestTurn } from './lore-digest.js';
import { writeDigest } from './lore-writer.js';

export interface ActivityDeps {
  /** Where lore documents go; null: a worker with no store refuses consolidations (retried until one has). */
  store: StateStore | null;
  log: Logger;
  fetch?: typeof fetch;
  /** Longest a webhook may take (ms). Default 10,000. */
  webhookTimeoutMs?: number;
}

export { NonRetryableActivityError };

function consolidationOf(v: unknown): ConsolidationWorkflowInput {
  const i = v as Partial<ConsolidationWorkflowInput> | null;
  if (i === null || typeof i !== 'object' || typeof i.world !== 'string' || typeof i.session !== 'string' || !Number.isSafeInteger(i.turn)) {
    throw new NonRetryableActivityError(WorkflowErrors.INVALID, 'a consolidation needs world, session and turn');
  }
  const str = (s: unknown): string => (typeof s === 'string' ? s : '');
  return { world: i.world, session: i.session, turn: i.turn!, player: str(i.player), narration: str(i.narration), summary: str(i.summary) };
}

function noticeOf(v: unknown): OverrideNotice {
  const n = v as Partial<OverrideNotice> | null;
  if (n === null || typeof n !== 'object' || !Number.isSafeInteger(n.auditId) || typeof n.command !== 'string' || typeof n.target !== 'string') {
    throw new NonRetryableActivityError(WorkflowErrors.INVALID, 'a notice needs auditId, command and target');
  }
  return { auditId: n.auditId!, auditHash: String(n.auditHash ?? ''), moderator: String(n.moderator ?? ''), command: n.command, target: n.target, ...(typeof n.reason === 'string' && { reason: n.reason.slice(0, 500) }) };
}

export function createGlassActivities(deps: ActivityDeps): GlassActivities {
  const doFetch = deps.fetch ?? fetch;
  const timeoutMs = deps.webhookTimeoutMs ?? 10_000;
  return {
    async summariseTurn(input: ConsolidationWorkflowInput) {
      return digestTurn(consolidationOf(input));
    },

    async writeLore(input: WriteLoreInput) {
      if (deps.store === null) throw new GlassError(WorkflowErrors.UNAVAILABLE, 'this worker has no state store for lore (set COUCHDB_URL)');
      if (input === null || typeof input !== 'object' || typeof input.source !== 'string' || input.digest === null || typeof input.digest !== 'object' || !Array.isArray(input.digest.entities)) {
        throw new NonRetryableActivityError(WorkflowErrors.INVALID, 'writeLore needs world, source and a digest');
      }
      return writeDigest(deps.store, input.world, input.source, input.digest);
    },

    async runChecks(input: CheckRunnerInput) {
      let request;
      try {
        request = checkRequestOf(input?.request);
      } catch (err) {
        throw new NonRetryableActivityError(WorkflowErrors.INVALID, (err as Error).message);
      }
      return runChecks(request);
    },

    async notifyModerators(input: { target: string; notice: OverrideNotice }) {
      const notice = noticeOf(input?.notice);
      const target = String(input?.target ?? '');
      if (target === 'log') {
        deps.log.info({ audit: notice.auditId, command: notice.command, target: notice.target, moderator: notice.moderator }, 'override: moderators notified');
        return;
      }
      if (!/^https?:\/\//.test(target)) throw new NonRetryableActivityError(WorkflowErrors.INVALID, 'a fan-out target is "log" or an http(s) URL');
      const res = await doFetch(target, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'idempotency-key': `fanout:${notice.auditId}` },
        body: JSON.stringify({ type: 'override-applied', ...notice }),
        signal: AbortSignal.timeout(timeoutMs),
      });
      // A 4xx other than 408/429 will not heal by retrying; anything else is retried.
      if (res.status >= 400 && res.status < 500 && res.status !== 408 && res.status !== 429) throw new NonRetryableActivityError(WorkflowErrors.INVALID, `the webhook refused the notice (${res.status})`);
      if (!res.ok) throw new GlassError(WorkflowErrors.UNAVAILABLE, `the webhook answered ${res.status}`);
    },
  };
}
