// Changes to the safety registry are audited like overrides: the registry is configuration (a JSON
// file named by GLASS_SAFETY_REGISTRY_FILE), and a node that starts with a registry whose version
// the audit chain has not seen last appends a `safety-registry` row before it uses it. The row
// carries the version and a digest per category, so the next change is summarised against the
// chain itself (categories added, removed, changed), with no state kept beside it.
import type { SafetyRegistry } from '../../actors/session/safety-registry.js';
import type { AuditRow } from './audit-chain.js';
import type { AuditLog, AuditReceipt } from './audit-log.js';

export const SAFETY_AUDIT_COMMAND = 'safety-registry';

/** What the audit needs of the log: AuditLog is one. */
export type SafetyAuditLog = Pick<AuditLog, 'append' | 'lastEntry'>;

export interface SafetyRegistryChange {
  /** The version last audited (null: none yet). */
  previous: string | null;
  version: string;
  added: string[];
  removed: string[];
  changed: string[];
}

export interface SafetyAuditResult {
  /** False when the registry's version is the one last audited: nothing was written. */
  written: boolean;
  receipt: AuditReceipt | null;
  change: SafetyRegistryChange;
}

/** Length of each category digest kept in the row (hex characters of its SHA-256). */
const DIGEST_CHARS = 16;

/**
 * Appends a `safety-registry` row when `registry.version` differs from the last audited one
 * (`previousVersion` when the caller knows it, else read from the chain's last such row). Throws
 * AuditUnavailableError (GLASS_ERR_AUDIT_UNAVAILABLE) when PostgreSQL is away: the caller must not
 * use a registry this did not return for. Two nodes starting at once with the same new registry may
 * each write a row (same version, same summary): a duplicate, never a missing row.
 */
export async function auditSafetyRegistry(audit: SafetyAuditLog, registry: SafetyRegistry, previousVersion?: string, options: { node?: string; at?: number } = {}): Promise<SafetyAuditResult> {
  const last = await audit.lastEntry(SAFETY_AUDIT_COMMAND);
  const lastVersion = typeof last?.args.version === 'string' ? last.args.version : null;
  const previous = previousVersion ?? lastVersion;
  const before = last !== null && lastVersion === previous ? digestsOf(last) : new Map<string, string>();
  const now = new Map(registry.categories.map((c) => [c.name, c.digest.slice(0, DIGEST_CHARS)]));
  const change: SafetyRegistryChange = {
    previous,
    version: registry.version,
    added: [...now.keys()].filter((n) => !before.has(n)),
    removed: [...before.keys()].filter((n) => !now.has(n)),
    changed: [...now].filter(([n, d]) => before.has(n) && before.get(n) !== d).map(([n]) => n),
  };
  if (previous === registry.version) return { written: false, receipt: null, change };
  const receipt = await audit.append({
    ...(options.at === undefined ? {} : { at: options.at }),
    node: options.node ?? 'config',
    moderator: 'config',
    roles: [],
    source: 'config',
    outcome: 'accepted',
    code: null,
    targetKind: 'safety-registry',
    targetId: null,
    command: SAFETY_AUDIT_COMMAND,
    args: {
      version: registry.version,
      previous: previous ?? '',
      added: change.added.join(','),
      removed: change.removed.join(','),
      changed: change.changed.join(','),
      categories: [...now].map(([n, d]) => `${n}=${d}`).join(';'),
    },
  });
  return { written: true, receipt, change };
}

/** The category digests a row recorded (`name=digest;…`); a row that is not ours yields none. */
function digestsOf(row: AuditRow): Map<string, string> {
  const out = new Map<string, string>();
  const text = row.args.categories;
  if (typeof text !== 'string' || text === '') return out;
  for (const part of text.split(';')) {
    const at = part.lastIndexOf('=');
    if (at > 0) out.set(part.slice(0, at), part.slice(at + 1));
  }
  return out;
}
