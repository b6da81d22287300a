// A node of the fault suite in a child process (started with bench/support/child-process.ts): the
// public startNode with the suite's kinds (fault-kinds.ts), driven by the parent over IPC.
import { couchStoreRef, HASHRING_PLACEMENT, WORKER_SUPERVISOR } from '../../../cluster/index.js';
import { startNode, type GlassNode } from '../../../runtime/node/index.js';
import { serve } from '../../support/child-process.js';
import { keeper, picky, stuck } from './fault-kinds.js';

const KINDS = new URL('./fault-kinds.js', import.meta.url).href;
const REFS = { stuck, keeper, picky } as const;
type KindName = keyof typeof REFS;

export interface NodeStartArgs {
  nodeId: string;
  couchUrl: string;
  db: string;
  blockedAfterMs: number;
  /** The store's limit per HTTP request; no retries, so that the bound is this. */
  requestTimeoutMs: number;
}

export interface WorkerView {
  status: string;
  restarts: number;
  lastExit: string | null;
}

let node: GlassNode | null = null;

function kind(name: unknown): (typeof REFS)[KindName] {
  const k = REFS[name as KindName];
  if (k === undefined) throw new Error(`unknown kind ${String(name)}`);
  return k;
}

function live(): GlassNode {
  if (node === null) throw new Error('no node started');
  return node;
}

serve({
  async start(a: NodeStartArgs) {
    const ref = couchStoreRef(a.couchUrl, a.db);
    const store = { ...ref, options: { ...(ref.options as object), requestTimeoutMs: a.requestTimeoutMs, retry: { maxTotalMs: 0 } } };
    node = await startNode({
      nodeId: a.nodeId,
      actorModules: [KINDS],
      placement: HASHRING_PLACEMENT,
      supervisor: WORKER_SUPERVISOR,
      store,
      workers: 2,
      blockedAfterMs: a.blockedAfterMs,
      askTimeoutMs: 10_000,
      logLevel: 'silent',
    });
    return node.id;
  },
  idsOnThread(a: { prefix: string; thread: number; count: number }) {
    const ids: string[] = [];
    for (let i = 0; ids.length < a.count && i < 100_000; i++) if (live().threadOf(`${a.prefix}-${i}`) === a.thread) ids.push(`${a.prefix}-${i}`);
    return ids;
  },
  ask(a: { kind: string; id: string; msg: Record<string, unknown> }) {
    return (kind(a.kind).ref(live(), a.id) as { ask(m: unknown): Promise<unknown> }).ask(a.msg);
  },
  tell(a: { kind: string; id: string; msg: Record<string, unknown> }) {
    (kind(a.kind).ref(live(), a.id) as { tell(m: unknown): void }).tell(a.msg);
    return true;
  },
  worker(a: { thread: number }): WorkerView {
    const h = live().workers[a.thread - 1];
    return { status: h.status, restarts: h.restarts, lastExit: h.lastExit?.reason ?? null };
  },
  quarantine(a: { to: string }) {
    return live().quarantine.list({ to: a.to }).map((e) => ({ id: e.id, reason: (e as { reason?: string }).reason ?? 'poison', messageType: (e as { messageType?: string }).messageType ?? null }));
  },
  async close() {
    await node?.close();
    node = null;
    setImmediate(() => process.exit(0));
    return true;
  },
});
