import { z } from 'zod';
import { ErrorCodes, GlassError, validateAddress } from '../../runtime/index.js';
import { type GlassNode } from '../../runtime/node/index.js';
import { OpsErrors } from '../protocol/index.js';

const Kind = z.string().regex(/^[A-Za-z0-9_-]{1,64}$/);
/** Actor ids may carry a child path (`root/child`). */
const ActorId = z.string().min(1).max(256).regex(/^[A-Za-z0-9._\/-]+$/);
const NodeId = z.string().regex(/^[A-Za-z0-9._-]{1,128}$/);
const QuarantineId = z.string().regex(/^[0-9]{1,4}-[0-9]{1,16}$/);

/** Every ops action, as the HTTP API (and the CLI, and the page) sends it. `node` defaults to the actor's owner. */
export const OpsAction = z.discriminatedUnion('action', [
  z.object({ action: z.literal('passivate'), kind: Kind, id: ActorId, node: NodeId.optional() }).strict(),
  z.object({ action: z.literal('restart'), kind: Kind, id: ActorId, node: NodeId.optional() }).strict(),
  z.object({ action: z.literal('redrive'), node: NodeId, quarantineId: QuarantineId }).strict(),
  z.object({ action: z.literal('drop'), node: NodeId, quarantineId: QuarantineId }).strict(),
  z.object({ action: z.literal('drain-worker'), node: NodeId, thread: z.number().int().min(1).max(256) }).strict(),
  z.object({ action: z.literal('crash-worker'), node: NodeId, thread: z.number().int().min(1).max(256) }).strict(),
  z.object({ action: z.literal('drain-node'), node: NodeId }).strict(),
]);
export type OpsAction = z.infer<typeof OpsAction>;
export type OpsActionName = OpsAction['action'];

/** Who asked for an action: from the verified access token only. */
export interface OpsOperator {
  player: string;
  character: string;
  roles: readonly string[];
}

/** What an ops action writes to the audit log (the moderation issue's hash-chained log). */
export interface OpsAuditEntry {
  type: 'ops-action';
  action: OpsActionName;
  operator: OpsOperator;
  /** The action's arguments (kind and id, quarantine id, thread, node). */
  target: Record<string, unknown>;
  /** The node whose API received the request. */
  via: string;
  /** The node that carries the action out and writes the row (`via` itself, or the node it was forwarded to). */
  on: string;
  at: number;
}

/** Records an entry and resolves with its audit reference (null when the log keeps none). A rejection refuses the action. */
export type OpsAuditHook = (entry: OpsAuditEntry) => Promise<string | null>;

export const noAudit: OpsAuditHook = async () => null;

export interface ActionResult {
  action: OpsActionName;
  node: string;
  /** Whether the action changed anything (false: the actor was not active, the entry was gone, …). */
  done: boolean;
  detail: Record<string, unknown>;
  auditRef: string | null;
}

export function parseAction(body: unknown): OpsAction {
  const parsed = OpsAction.safeParse(body);
  if (!parsed.success) throw new GlassError(OpsErrors.INVALID_REQUEST, `invalid ops action: ${parsed.error.issues.map((i) => `${i.path.join('.') || '(body)'}: ${i.message}`).join('; ')}`);
  if ('kind' in parsed.data) validateAddress(parsed.data.kind, parsed.data.id);
  return parsed.data;
}

/**
 * Carries out an action on this node (the one that holds the actor, the quarantined message, the
 * worker). `drainNode` hands the node's actors to the others and closes it: it runs after the
 * answer was sent.
 */
export async function executeLocally(node: GlassNode, action: OpsAction, drainNode: () => Promise<void> | void): Promise<Omit<ActionResult, 'auditRef'>> {
  const result = (done: boolean, detail: Record<string, unknown> = {}) => ({ action: action.action, node: node.id, done, detail });
  switch (action.action) {
    case 'passivate':
      return result(await node.passivate(action.kind, action.id));
    case 'restart':
      return result(await node.restart(action.kind, action.id));
    case 'redrive':
      return result(node.redrive(action.quarantineId));
    case 'drop':
      return result(node.quarantine.take(action.quarantineId) !== undefined);
    case 'drain-worker': {
      if (action.thread > node.workers.length) throw new GlassError(OpsErrors.NOT_FOUND, `node ${node.id} has no worker ${action.thread}`);
      return result(true, { passivated: await node.drainWorker(action.thread) });
    }
    case 'crash-worker': {
      // The operator's chaos tool: the thread ends as if it had crashed (nothing drained or saved);
      // the node supervisor sees the exit and restarts it with backoff, like any worker death.
      const handle = node.workers[action.thread - 1];
      if (handle === undefined) throw new GlassError(OpsErrors.NOT_FOUND, `node ${node.id} has no worker ${action.thread}`);
      if (handle.status !== 'running') return result(false, { status: handle.status });
      const exitCode = await handle.worker.terminate();
      return result(true, { exitCode });
    }
    case 'drain-node': {
      if (node.members().filter((m) => m.id !== node.id).length === 0) {
        throw new GlassError(OpsErrors.NO_PEERS, `node ${node.id} is the only node: there is no other node to hand its actors to`);
      }
      setImmediate(() => void Promise.resolve().then(drainNode).catch((err: unknown) => node.log.error({ err: err instanceof Error ? err.message : String(err) }, 'drain of the node failed')));
      return result(true, { draining: true });
    }
  }
}

/** The node an action is for: given, or the owner of the actor under the current placement. */
export function targetNode(node: GlassNode, action: OpsAction): string {
  if (action.node !== undefined) return action.node;
  if ('kind' in action) return node.locate(action.kind, action.id).node;
  throw new GlassError(ErrorCodes.INVALID_MESSAGE, 'no target node');
}

/** The arguments of an action, for the audit entry. */
export function actionTarget(action: OpsAction, node: string): Record<string, unknown> {
  const { action: _name, ...rest } = action;
  return { ...rest, node };
}
