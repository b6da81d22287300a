// Faults inside a node's workers and under its store, on a node process of the suite's own
// (support/node-process.ts, the public startNode with support/fault-kinds.ts): a handler that never
// returns, a poison message, and a store that answers slowly and then too slowly.
import { fileURLToPath } from 'node:url';
import { BenchChild } from '../../support/child-process.js';
import { Checks, type CaseContext, type FaultCase } from '../case.js';
import type { NodeStartArgs, WorkerView } from '../support/node-process.js';
import { TcpProxy } from '../support/tcp-proxy.js';
import { until } from '../support/wait.js';

const NODE_PROCESS = fileURLToPath(new URL('../support/node-process.js', import.meta.url));
let unique = 0;
const id = (label: string): string => `${label}-${Date.now().toString(36)}-${++unique}`;

/** A node process of the suite, started; closed by the suite if the case does not close it. */
async function startActorsNode(ctx: CaseContext, args: Omit<NodeStartArgs, 'nodeId'>): Promise<BenchChild> {
  const child = new BenchChild(id('faults-node'), NODE_PROCESS);
  ctx.resources.onClose(() => child.close());
  await child.request('start', { nodeId: id('actors'), ...args } satisfies NodeStartArgs, 60_000);
  return child;
}

const ask = (n: BenchChild, kind: string, actor: string, msg: Record<string, unknown>, timeoutMs = 30_000): Promise<unknown> => n.request('ask', { kind, id: actor, msg }, timeoutMs);
const worker = (n: BenchChild, thread: number): Promise<WorkerView> => n.request('worker', { thread });
const quarantined = (n: BenchChild, to: string): Promise<{ id: string; reason: string; messageType: string | null }[]> => n.request('quarantine', { to });
const errorOf = (p: Promise<unknown>): Promise<string> => p.then(() => 'answered', (err: Error) => /GLASS_ERR_[A-Z_]+/.exec(err.message)?.[0] ?? err.message.split('\n')[0]);

const workerBlocked: FaultCase = {
  name: 'worker-blocked',
  expected: 'a handler that never returns: the watchdog ends and restarts its worker, the message is quarantined, the other actors come back with their saved state, the other worker is untouched',
  async run(ctx) {
    const couch = await ctx.resources.couch();
    const checks = new Checks();
    const node = await startActorsNode(ctx, { couchUrl: couch.url, db: id('blocked').toLowerCase(), blockedAfterMs: 1_000, requestTimeoutMs: 5_000 });
    try {
      const [blocker] = await node.request<string[]>('idsOnThread', { prefix: 'spinner', thread: 1, count: 1 });
      const [saver] = await node.request<string[]>('idsOnThread', { prefix: 'saver', thread: 1, count: 1 });
      const [elsewhere] = await node.request<string[]>('idsOnThread', { prefix: 'elsewhere', thread: 2, count: 1 });
      await ask(node, 'keeper', saver, { type: 'add', item: 'kept before the block' });
      await ask(node, 'keeper', elsewhere, { type: 'add', item: 'kept on thread 2' });
      checks.check((await ask(node, 'stuck', blocker, { type: 'ping' })) === 'pong', 'the blocker answers before');
      const before = await worker(node, 1);
      const other = await worker(node, 2);
      ctx.note('blocking worker 1');
      await node.request('tell', { kind: 'stuck', id: blocker, msg: { type: 'spin' } });
      const t0 = performance.now();
      // Served by the other worker while worker 1 spins.
      const during = await ask(node, 'keeper', elsewhere, { type: 'add', item: 'said during the block' });
      checks.check(during === 2, `the other worker answers during the block (${String(during)})`);
      const after = await until('worker 1 restarted', async () => {
        const w = await worker(node, 1);
        return w.restarts > before.restarts && w.status === 'running' ? w : undefined;
      }, 20_000);
      const recoveryMs = Math.round(performance.now() - t0);
      checks.check(after.lastExit === 'blocked', `worker 1 ended by the watchdog (last exit: ${after.lastExit}) and restarted`);
      const q = await quarantined(node, `fault-stuck:${blocker}`);
      checks.check(q.length === 1 && q[0].reason === 'blocked' && q[0].messageType === 'spin', `the spin quarantined (${q.map((e) => `${e.reason}/${e.messageType}`).join(', ') || 'nothing'})`);
      const kept = (await ask(node, 'keeper', saver, { type: 'items' })) as string[];
      const kept2 = (await ask(node, 'keeper', elsewhere, { type: 'items' })) as string[];
      const lost = (kept.includes('kept before the block') ? 0 : 1) + ['kept on thread 2', 'said during the block'].filter((t) => !kept2.includes(t)).length;
      checks.check(lost === 0, 'the other actors have their state (worker 1\'s from the store)');
      checks.check((await ask(node, 'stuck', blocker, { type: 'ping' })) === 'pong', 'the blocker answers a harmless message afterwards');
      const settled = await worker(node, 1);
      checks.check(settled.restarts === before.restarts + 1, `worker 1 restarted once (${settled.restarts - before.restarts})`);
      checks.check((await worker(node, 2)).restarts === other.restarts, 'worker 2 not restarted');
      return checks.outcome({ recoveryMs, lost });
    } finally {
      await node.close();
    }
  },
};

const poison: FaultCase = {
  name: 'poison-message',
  expected: 'a message whose handler always throws: refused GLASS_ERR_QUARANTINED after its restarts and quarantined, the next messages are handled, no worker restarted (no crash loop)',
  async run(ctx) {
    const couch = await ctx.resources.couch();
    const checks = new Checks();
    const node = await startActorsNode(ctx, { couchUrl: couch.url, db: id('poison').toLowerCase(), blockedAfterMs: 3_000, requestTimeoutMs: 5_000 });
    try {
      const [actor] = await node.request<string[]>('idsOnThread', { prefix: 'picky', thread: 1, count: 1 });
      const before = [await worker(node, 1), await worker(node, 2)];
      const rounds = ctx.quick ? 3 : 20;
      const codes: string[] = [];
      let handled = 0;
      for (let i = 1; i <= rounds; i++) {
        codes.push(await errorOf(ask(node, 'picky', actor, { type: 'work', n: -i })));
        // Answered with its count of work done (since its last restart: a restart starts it afresh).
        if (typeof (await ask(node, 'picky', actor, { type: 'work', n: i })) === 'number') handled++;
      }
      checks.check(codes.every((c) => c === 'GLASS_ERR_QUARANTINED'), `${rounds} poison messages refused (${[...new Set(codes)].join(', ')})`);
      checks.check(handled === rounds, `${handled}/${rounds} good messages after them handled`);
      const q = await quarantined(node, `fault-picky:${actor}`);
      checks.check(q.length === rounds, `${q.length} quarantined`);
      const after = [await worker(node, 1), await worker(node, 2)];
      checks.check(after.every((w, i) => w.restarts === before[i].restarts && w.status === 'running'), 'no worker restarted');
      return checks.outcome();
    } finally {
      await node.close();
    }
  },
};

const storeSlow: FaultCase = {
  name: 'store-slow',
  expected: 'the store behind a slow proxy: saves wait and succeed; past the bound they fail typed (GLASS_ERR_STORE_FAILED or the ask timeout GLASS_ERR_ASK_TIMEOUT); fast again, saves succeed; every acknowledged save is read back by a new node',
  async run(ctx) {
    const couch = await ctx.resources.couch();
    const checks = new Checks();
    const target = new URL(couch.url);
    const proxy = await TcpProxy.start(target.hostname, Number(target.port));
    ctx.resources.onClose(() => proxy.close());
    const db = id('slow').toLowerCase();
    const BOUND_MS = 1_500;
    const node = await startActorsNode(ctx, { couchUrl: `http://127.0.0.1:${proxy.port}`, db, blockedAfterMs: 3_000, requestTimeoutMs: BOUND_MS });
    const acknowledged: string[] = [];
    let reader: BenchChild | null = null;
    try {
      const [actor] = await node.request<string[]>('idsOnThread', { prefix: 'keeper', thread: 1, count: 1 });
      const add = async (item: string): Promise<string> => {
        const code = await errorOf(ask(node, 'keeper', actor, { type: 'add', item }));
        if (code === 'answered') acknowledged.push(item);
        return code;
      };
      const n = ctx.quick ? 3 : 10;
      for (let i = 0; i < n; i++) checks.check((await add(`fast ${i}`)) === 'answered', `fast save ${i}`);
      ctx.note('slow store');
      proxy.delayMs = 200;
      const t0 = performance.now();
      const slow: string[] = [];
      for (let i = 0; i < n; i++) slow.push(await add(`slow ${i}`));
      const perSave = Math.round((performance.now() - t0) / n);
      checks.check(slow.every((c) => c === 'answered'), `${slow.filter((c) => c === 'answered').length}/${n} slow saves acknowledged (~${perSave} ms each)`);
      ctx.note('store past the bound');
      proxy.delayMs = BOUND_MS + 1_500;
      const late = await add('too late');
      // The save's request times out (GLASS_ERR_STORE_FAILED), or the actor's reload after it is slow
      // too and the ask's own bound answers first (GLASS_ERR_ASK_TIMEOUT): typed either way.
      checks.check(late === 'GLASS_ERR_STORE_FAILED' || late === 'GLASS_ERR_ASK_TIMEOUT', `a save past the bound refused typed (${late})`);
      proxy.delayMs = 0;
      const t1 = performance.now();
      const again = await until('a save acknowledged again', async () => ((await add(`again ${Date.now()}`)) === 'answered' ? true : undefined), 20_000, 100);
      const recoveryMs = Math.round(performance.now() - t1);
      checks.check(again, 'saves acknowledged again once the store is fast');
      await node.close();
      // A new node on the same database reads every acknowledged save back from the store.
      reader = await startActorsNode(ctx, { couchUrl: couch.url, db, blockedAfterMs: 3_000, requestTimeoutMs: 5_000 });
      const items = (await ask(reader, 'keeper', actor, { type: 'items' })) as string[];
      const lost = acknowledged.filter((t) => !items.includes(t)).length;
      const counts = new Map<string, number>();
      for (const t of items) counts.set(t, (counts.get(t) ?? 0) + 1);
      const duplicated = [...counts.values()].reduce((a, c) => a + (c > 1 ? c - 1 : 0), 0);
      checks.see(`${acknowledged.length} acknowledged, ${items.length} read back${items.includes('too late') ? ' (the refused one landed later)' : ''}`);
      return checks.outcome({ lost, duplicated, recoveryMs });
    } finally {
      await node.close();
      await reader?.close();
      await proxy.close();
    }
  },
};

export const ACTOR_CASES: FaultCase[] = [workerBlocked, poison, storeSlow];
