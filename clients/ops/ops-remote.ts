// What another node may ask of this one's ops service (signed with the cluster key, cluster/ops/):
// the requests' schema, and the operator of a forwarded action — whose own token is verified here,
// with this node's key, before anything is carried out.
import type { KeyObject } from 'node:crypto';
import { z } from 'zod';
import type { OpsRequestMeta } from '../../cluster/index.js';
import { GlassError, type Logger } from '../../runtime/index.js';
import { OpsErrors } from '../protocol/index.js';
import { verifyAccessToken } from '../tokens/index.js';
import type { OpsOperator } from './ops-actions.js';
import type { OpsRefusalHook } from './ops-audit.js';

/** The path a refused forwarded action is audited under (its row's command is `ops:<path>`). */
export const REMOTE_ACT_PATH = '/ops/rpc/act';

export const RemoteRequest = z.discriminatedUnion('op', [
  z.object({ op: z.literal('actors'), thread: z.number().int().min(1).max(256), query: z.object({ kind: z.string().max(64).optional(), q: z.string().max(256).optional(), offset: z.number().int().min(0).optional(), limit: z.number().int().min(0).max(1000).optional() }) }),
  z.object({ op: z.literal('search'), q: z.string().min(1).max(256), limit: z.number().int().min(1).max(500) }),
  z.object({ op: z.literal('ids') }),
  z.object({ op: z.literal('act'), action: z.unknown() }),
]);
export type RemoteRequest = z.infer<typeof RemoteRequest>;

export interface RemoteOperatorDeps {
  /** The key operators' tokens are verified with; null: every forwarded action is refused. */
  key: KeyObject | null;
  nodeId: string;
  log: Logger;
  refusals: OpsRefusalHook | null;
}

/**
 * The operator of an action another node forwarded: its token verified here, with this node's
 * key, and the `ops` role required. A refusal is audited (within the caller's bound) and thrown
 * with the token's code (missing, invalid, expired …) or GLASS_ERR_FORBIDDEN.
 */
export async function remoteOperator(meta: OpsRequestMeta, d: RemoteOperatorDeps): Promise<OpsOperator> {
  const address = `node:${meta.from}`;
  const refuse = async (code: string, message: string, player: string | null, roles: readonly string[]): Promise<never> => {
    await d.refusals?.({ player, roles, address }, REMOTE_ACT_PATH, code).catch(() => {});
    d.log.warn({ from: meta.from, code, player }, 'forwarded ops action refused');
    throw new GlassError(code, message);
  };
  if (d.key === null) return refuse(OpsErrors.FORBIDDEN, `node ${d.nodeId} verifies no operator tokens: forwarded actions are refused`, null, []);
  const check = await verifyAccessToken(d.key, meta.token ?? '');
  if (!check.ok) return refuse(check.code, `forwarded action refused: ${check.message}`, null, []);
  if (!check.claims.roles.includes('ops')) return refuse(OpsErrors.FORBIDDEN, 'forwarded action refused: this needs the ops role', check.claims.player, check.claims.roles);
  return { player: check.claims.player, character: check.claims.character, roles: check.claims.roles };
}
