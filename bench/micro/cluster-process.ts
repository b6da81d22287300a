// A node process of the cluster scenarios, forked by bench/micro/cluster-helpers.ts. It starts
// one cluster node and does what the scenario asks over the IPC channel (see `commands`); it ends
// when asked to close, or when the scenario's process goes away.
import { MEMORY_STORE, startClusterNode } from '../../cluster/index.js';
import { withEdgeSpan, type Address } from '../../runtime/index.js';
import type { GlassNode } from '../../runtime/node/index.js';
import { CLUSTER_ACTORS, PROBE_KIND, WAITER_KIND, PINGER_KIND, epochNow, type PingRun, type PingTiming } from './actors/cluster-actors.js';
import { RawStreamsPeer, type BaselineOpen } from './cross-node-baseline.js';
import type { StartArgs } from './cluster-helpers.js';
import { serve } from '../support/child-process.js';
import { Feeding, dumpCounters, pollUntilAnswered, type FeedStart, type PollArgs } from './failover-helpers.js';

/** Long enough that no actor is passivated during a run. */
const IDLE_AFTER_MS = 3_600_000;

let node: GlassNode | null = null;
let peer: RawStreamsPeer | null = null;
let feeding: Feeding | null = null;
/** Every membership change this node saw: when, and the live member ids after it. */
const memberLog: { at: number; ids: string[] }[] = [];

function live(): GlassNode {
  if (node === null) throw new Error('the node is not started');
  return node;
}

/**
 * The ids of live members, from what `members()` / `onMembers` hand out: ids, or records with an
 * id and a state (records in state "down" or "left" are not live).
 */
export function memberIds(value: unknown): string[] {
  const list = Array.isArray(value) ? value : value instanceof Map ? [...value.values()] : value !== null && typeof value === 'object' && 'members' in value ? (value as { members: unknown }).members : [];
  const ids: string[] = [];
  for (const m of list as unknown[]) {
    if (typeof m === 'string') ids.push(m);
    else if (m !== null && typeof m === 'object') {
      const r = m as { id?: unknown; nodeId?: unknown; node?: unknown; state?: unknown; status?: unknown };
      const state = String(r.state ?? r.status ?? 'up').toLowerCase();
      if (state === 'down' || state === 'left' || state === 'suspect') continue;
      const id = r.id ?? r.nodeId ?? r.node;
      if (typeof id === 'string') ids.push(id);
    }
  }
  return ids.sort();
}

const commands: Record<string, (args: any) => unknown> = {
  async start(a: StartArgs) {
    if (node !== null) throw new Error('already started');
    node = await startClusterNode({
      nodeId: a.nodeId,
      prefix: a.prefix,
      redisUrl: a.redisUrl,
      workers: a.workers,
      store: a.store ?? MEMORY_STORE,
      actorModules: [CLUSTER_ACTORS],
      idleAfterMs: IDLE_AFTER_MS,
      logLevel: process.env.BENCH_NODE_LOG_LEVEL ?? 'warn',
      ...(a.heartbeatMs === undefined ? {} : { heartbeatMs: a.heartbeatMs }),
      ...(a.downAfterMs === undefined ? {} : { downAfterMs: a.downAfterMs }),
      ...(a.askTimeoutMs === undefined ? {} : { askTimeoutMs: a.askTimeoutMs }),
    });
    node.onMembers((m: unknown) => memberLog.push({ at: epochNow(), ids: memberIds(m) }));
    return { nodeId: node.options.nodeId, workers: node.options.workers };
  },

  members() {
    return memberIds(live().members());
  },

  status() {
    return live().clusterStatus();
  },

  /** Resolves when the live members are exactly `ids`. */
  async 'wait-members'(a: { ids: string[]; timeoutMs: number }) {
    const want = [...a.ids].sort().join(',');
    const deadline = performance.now() + a.timeoutMs;
    for (;;) {
      const ids = memberIds(live().members());
      if (ids.join(',') === want) return ids;
      if (performance.now() > deadline) throw new Error(`members are [${ids.join(', ')}], expected [${want}] after ${a.timeoutMs} ms`);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  },

  'member-log'(a: { since: number }) {
    return memberLog.filter((m) => m.at >= a.since);
  },

  locate(a: { kind: string; ids: string[] }) {
    const n = live();
    return a.ids.map((id) => n.locate(a.kind, id));
  },

  /** `count` ids `<prefix><i>` (i = 0, 1, …) that the placement puts on `node` (and `thread`, if given). */
  pick(a: { kind: string; prefix: string; count: number; node: string; thread?: number }) {
    const n = live();
    const ids: string[] = [];
    for (let i = 0; ids.length < a.count; i++) {
      if (i > a.count * 1_000) throw new Error(`the placement puts too few ${a.kind} ids on ${a.node}`);
      const id = `${a.prefix}${i}`;
      const loc = n.locate(a.kind, id);
      if (loc.node === a.node && (a.thread === undefined || loc.thread === a.thread)) ids.push(id);
    }
    return ids;
  },

  ask(a: { to: Address; msg: unknown; timeoutMs?: number }) {
    return live().ask(a.to, a.msg, a.timeoutMs === undefined ? undefined : { timeoutMs: a.timeoutMs });
  },

  // ---- cross-node -----------------------------------------------------------------------------

  /** Ours: the pinger on this node runs `run`; answered with the timing measured in its worker. */
  async 'xn-ping'(a: { pinger: string; waiter: string; run: PingRun; timeoutMs: number }) {
    const n = live();
    await n.ask({ kind: PINGER_KIND, id: a.pinger }, { type: 'start', ...a.run }, { timeoutMs: a.timeoutMs });
    return (await n.ask({ kind: WAITER_KIND, id: a.waiter }, { type: 'wait' }, { timeoutMs: a.timeoutMs })) as PingTiming;
  },

  /**
   * Ours, kicked (bench/micro/cross-node-tracing.ts): the pinger starts a run that sends nothing, then
   * `kicks` tells each start one chain, each inside an edge span of this main thread — the root of a
   * trace when an SDK is tracing, sampled there as a gateway frame's would be.
   */
  async 'xn-ping-kicked'(a: { pinger: string; waiter: string; run: PingRun; kicks: number; timeoutMs: number }) {
    const n = live();
    const pinger = { kind: PINGER_KIND, id: a.pinger };
    await n.ask(pinger, { type: 'start', ...a.run, kicked: true }, { timeoutMs: a.timeoutMs });
    const kick = { type: 'kick' };
    for (let i = 0; i < a.kicks; i++) withEdgeSpan('bench.xn kick', {}, () => n.tell(pinger, kick));
    return (await n.ask({ kind: WAITER_KIND, id: a.waiter }, { type: 'wait' }, { timeoutMs: a.timeoutMs })) as PingTiming;
  },

  /**
   * Ours, kicked at a fixed rate (bench/micro/cross-node-tracing-paced.ts): `kicks` kicks in all,
   * `kicksPerSec` of them per second (a 1 ms timer sends what is due), each inside an edge span as
   * above; the run's `chain` says how many pings each kick's chain sends. Answered with the
   * waiter's counts and time, the last kick's lag behind the schedule and the median round trip (ms).
   */
  async 'xn-ping-paced'(a: { pinger: string; waiter: string; run: PingRun; kicks: number; kicksPerSec: number; timeoutMs: number }) {
    const n = live();
    const pinger = { kind: PINGER_KIND, id: a.pinger };
    await n.ask(pinger, { type: 'start', ...a.run, kicked: true }, { timeoutMs: a.timeoutMs });
    const kick = { type: 'kick' };
    const started = performance.now();
    let sent = 0;
    let lagMs = 0;
    await new Promise<void>((resolve) => {
      const send = (): void => {
        const now = performance.now();
        const due = Math.min(a.kicks, Math.floor(((now - started) * a.kicksPerSec) / 1000) + 1);
        for (; sent < due; sent++) withEdgeSpan('bench.xn kick', {}, () => n.tell(pinger, kick));
        if (sent < a.kicks) return;
        lagMs = now - started - ((a.kicks - 1) * 1000) / a.kicksPerSec;
        clearInterval(timer);
        resolve();
      };
      const timer = setInterval(send, 1);
      send();
    });
    const t = (await n.ask({ kind: WAITER_KIND, id: a.waiter }, { type: 'wait' }, { timeoutMs: a.timeoutMs })) as PingTiming;
    const rtt = Float64Array.from(t.roundTripUs).sort();
    return { pings: t.pings, pongs: t.pongs, elapsedMs: t.elapsedMs, strays: t.strays, kickLagMs: lagMs, medianRoundTripMs: (rtt[rtt.length >> 1] ?? 0) / 1000 };
  },

  /** CPU time of this process so far: every thread (process.cpuUsage is the whole process's). */
  cpu() {
    return process.cpuUsage();
  },

  /** Ours: the one-way latencies of the pings the echo actors of this node received since the last take. */
  async 'xn-take'(a: { probes: string[] }) {
    const n = live();
    const parts = (await Promise.all(a.probes.map((id) => n.ask({ kind: PROBE_KIND, id }, { type: 'take' })))) as { count: number; latencyUs: Float64Array }[];
    const all = new Float64Array(parts.reduce((s, p) => s + p.latencyUs.length, 0));
    let at = 0;
    for (const p of parts) {
      all.set(p.latencyUs, at);
      at += p.latencyUs.length;
    }
    return { count: parts.reduce((s, p) => s + p.count, 0), latencyUs: all };
  },

  async 'baseline-open'(a: BaselineOpen) {
    if (peer !== null) throw new Error('baseline already open');
    peer = new RawStreamsPeer(a);
    await peer.start();
  },

  'baseline-ping'(a: { run: PingRun }) {
    if (peer === null) throw new Error('baseline not open');
    return peer.ping(a.run);
  },

  'baseline-take'() {
    if (peer === null) throw new Error('baseline not open');
    return peer.take();
  },

  async 'baseline-close'() {
    await peer?.close();
    peer = null;
  },

  // ---- failover -------------------------------------------------------------------------------

  'fo-feed-start'(a: FeedStart) {
    if (feeding !== null) throw new Error('already feeding');
    feeding = new Feeding(live(), a);
  },

  async 'fo-feed-stop'() {
    if (feeding === null) throw new Error('not feeding');
    const outcome = await feeding.stop();
    feeding = null;
    return outcome;
  },

  'fo-poll'(a: PollArgs) {
    return pollUntilAnswered(live(), a);
  },

  'fo-dump'(a: { counters: string[]; timeoutMs: number }) {
    return dumpCounters(live(), a.counters, a.timeoutMs);
  },

  async close() {
    await peer?.close().catch(() => undefined);
    peer = null;
    const n = node;
    node = null;
    await n?.close();
    setImmediate(() => process.exit(0));
  },
};

serve(commands);
