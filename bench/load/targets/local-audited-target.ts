// `glass bench run --local` for a scenario with moderators: the local node and gateway
// (local-target.ts) with a moderation audit log in PostgreSQL (local-audit.ts), both closed
// together. Without a reachable PostgreSQL the run goes on and says so: every override is refused.
import { openLocalAudit } from './local-audit.js';
import { startLocalTarget, type LocalTarget } from './local-target.js';

export interface AuditedLocalTarget extends LocalTarget {
  /** With `audit`: where the audit log is, or "none: …" (overrides are refused). */
  auditLog?: string;
}

export async function startAuditedLocalTarget(options: { workers: number; audit: boolean }, env: NodeJS.ProcessEnv): Promise<AuditedLocalTarget> {
  if (!options.audit) return startLocalTarget({ workers: options.workers });
  const audit = await openLocalAudit(env);
  let local: LocalTarget;
  try {
    local = await startLocalTarget({ workers: options.workers, audit: audit.log });
  } catch (err) {
    await audit.close();
    throw err;
  }
  return {
    ...local,
    auditLog: audit.describe,
    close: async () => {
      try {
        await local.close();
      } finally {
        await audit.close();
      }
    },
  };
}
