import type { KeyObject } from 'node:crypto';
import { SpanStatusCode, trace } from '@opentelemetry/api';
import { previewPlacement, type OpsPublisher, type OpsRequestMeta } from '../../cluster/index.js';
import { GlassError, type ActorQuery, type ActorSample, type WorkerSample } from '../../runtime/index.js';
import { ProcessSampler, type GlassNode } from '../../runtime/node/index.js';
import { OpsErrors } from '../protocol/index.js';
import { actionTarget, executeLocally, noAudit, parseAction, targetNode, type ActionResult, type OpsAction, type OpsAuditHook, type OpsOperator } from './ops-actions.js';
import type { OpsRefusalHook } from './ops-audit.js';
import { OpsMetrics } from './ops-metrics.js';
import { budgetView, registerBudgetMetrics } from './budget-metrics.js';
import { budgetHubOf } from '../../cluster/index.js';
import { LatencyWindow, SignalTracker } from './ops-signals.js';
import { workflowFigures } from './workflow-signals.js';
import { QUARANTINE_ROWS, quarantineRow, streamFigures, workerReport, type ActorRow, type ClusterView, type DrainPreview, type NodeReport } from './ops-view.js';
import { RemoteRequest, remoteOperator } from './ops-remote.js';

export interface OpsServiceOptions {
  /** Writes each action to the audit log before it is carried out. Default: records nothing. */
  audit?: OpsAuditHook;
  /** Publishes this node's report to the cluster and reaches the other nodes (a cluster node). */
  cluster?: OpsPublisher | null;
  /** Hands this node's actors to the others and stops it (the `drain-node` action). */
  drainNode?: () => Promise<void> | void;
  /** How often the view is refreshed while someone watches (and published in a cluster). Default 1,000 ms. */
  intervalMs?: number;
  /**
   * The public key operators' access tokens are verified with: an action another node forwards here
   * is carried out only with a token it verifies that has the `ops` role. Without one, every
   * forwarded action is refused.
   */
  key?: KeyObject | null;
}

const tracer = trace.getTracer('glass-runtime/ops');
const TOP = 20;
const ID_PAGE = 1_000;



/**
 * The ops side of one node: samples its workers and process into a bounded report (aggregated per
 * kind and worker), publishes it to the cluster, assembles the cluster view, feeds live watchers,
 * answers expansions and searches, and carries out audited actions here or on the node concerned.
 */
export class OpsService {
  readonly node: GlassNode;
  readonly metrics: OpsMetrics;
  readonly #process = new ProcessSampler();
  readonly #signals = new SignalTracker();
  readonly #turns = new LatencyWindow();
  readonly #overrides = new Map<string, number>();
  #searchLag: (() => number | null) | null = null;
  readonly #watchers = new Set<(view: ClusterView) => void>();
  #audit: OpsAuditHook;
  #refusals: OpsRefusalHook | null = null;
  readonly #key: KeyObject | null;
  #cluster: OpsPublisher | null;
  #drainNode: () => Promise<void> | void;
  readonly #intervalMs: number;
  #last: NodeReport | null = null;
  #sampling: Promise<NodeReport> | null = null;
  #timer: NodeJS.Timeout | null = null;
  #soon: NodeJS.Timeout | null = null;
  #closed = false;
  readonly #unsubscribe: () => void;

  constructor(node: GlassNode, options: OpsServiceOptions = {}) {
    this.node = node;
    this.metrics = new OpsMetrics(node.id);
    registerBudgetMetrics(this.metrics.registry, () => budgetHubOf(node.id));
    this.#audit = options.audit ?? noAudit;
    this.#key = options.key ?? null;
    this.#cluster = null;
    this.#drainNode = options.drainNode ?? (() => node.close());
    this.#intervalMs = options.intervalMs ?? 1_000;
    this.#unsubscribe = node.quarantine.subscribe(() => {
      this.metrics.quarantined();
      this.#refreshSoon();
    });
    if (options.cluster) this.useCluster(options.cluster);
  }

  /** Sets the audit hook (e.g. the moderation audit log once it is up). */
  setAudit(audit: OpsAuditHook): void {
    this.#audit = audit;
  }

  /** Where refused forwarded actions (no token, a bad one, no ops role) are audited, within the caller's bound. */
  setRefusalAudit(hook: OpsRefusalHook | null): void {
    this.#refusals = hook;
  }

  setDrainNode(drain: () => Promise<void> | void): void {
    this.#drainNode = drain;
  }

  /** Joins the cluster's ops view: publishes this node's report, answers the other nodes' requests. */
  useCluster(publisher: OpsPublisher): void {
    this.#cluster = publisher;
    publisher.serve((body, meta) => this.#answerRemote(body, meta));
    this.#arm();
  }

  /**
   * An override this node's desk saw applied (telemetry.moderation.overrides): the counter in
   * /metrics and the node's report. Bounded: commands × target kinds are fixed tables.
   */
  countOverride(command: string, targetKind: string): void {
    this.metrics.overrideApplied(command, targetKind);
    const key = `${command}:${targetKind}`;
    this.#overrides.set(key, (this.#overrides.get(key) ?? 0) + 1);
    this.#refreshSoon();
  }

  /** A narrative turn's latency as the gateway measured it (feeds the p95 signal and its histogram). */
  /** Where the search indexer's lag (s behind CouchDB's _changes) is read: the `search-changes-lag` signal. */
  useSearchLag = (read: () => number | null): void => void (this.#searchLag = read);

  observeTurnLatency(ms: number): void {
    this.#turns.observe(ms, Date.now());
    this.metrics.observeTurn(ms);
  }

  /** This node's report, sampled now unless a sample younger than a quarter interval exists. */
  report(): Promise<NodeReport> {
    if (this.#last !== null && Date.now() - this.#last.at < this.#intervalMs / 4) return Promise.resolve(this.#last);
    return (this.#sampling ??= this.#sample().finally(() => (this.#sampling = null)));
  }

  /** Every node's latest report: this one fresh, the others from Redis (a single node: just itself). */
  async view(): Promise<ClusterView> {
    const own = await this.report();
    const nodes = [own];
    const others = this.node.members().map((m) => m.id).filter((id) => id !== this.node.id);
    const missing: string[] = [];
    if (this.#cluster !== null && others.length > 0) {
      const reports = await this.#cluster.read(others).catch(() => new Map<string, unknown>());
      for (const id of others) {
        const r = reports.get(id) as NodeReport | undefined;
        if (r === undefined) missing.push(id);
        else nodes.push(r);
      }
    } else missing.push(...others);
    return { at: Date.now(), via: this.node.id, nodes, missing };
  }

  /** Calls `listener` with the cluster view every interval (and soon after a quarantine) while subscribed. */
  watch(listener: (view: ClusterView) => void): () => void {
    this.#watchers.add(listener);
    this.#arm();
    this.#refreshSoon();
    return () => {
      this.#watchers.delete(listener);
      if (this.#watchers.size === 0 && this.#cluster === null) this.#disarm();
    };
  }

  /** One page of the actors of a worker of any node (kind, id substring). */
  async actors(nodeId: string, thread: number, query: ActorQuery): Promise<{ total: number; actors: ActorRow[] }> {
    const page = nodeId === this.node.id ? await this.node.findActors(thread, query) : ((await this.#remote(nodeId, { op: 'actors', thread, query })) as { total: number; actors: ActorSample[] });
    return { total: page.total, actors: page.actors.map((a) => ({ ...a, node: nodeId, thread })) };
  }

  /** Actors whose id contains `q`, on every node that answers. */
  async search(q: string, limit = 100): Promise<{ actors: ActorRow[]; unreachable: string[] }> {
    const ids = this.node.members().map((m) => m.id);
    const unreachable: string[] = [];
    const found = await Promise.all(
      ids.map(async (id) => {
        try {
          return id === this.node.id ? await this.#searchLocal(q, limit) : ((await this.#remote(id, { op: 'search', q, limit })) as ActorRow[]);
        } catch {
          unreachable.push(id);
          return [];
        }
      }),
    );
    return { actors: found.flat().slice(0, limit), unreachable };
  }

  /** What draining `nodeId` would move, by the same placement every node uses. */
  async drainPreview(nodeId: string): Promise<DrainPreview> {
    const members = this.node.members();
    if (!members.some((m) => m.id === nodeId)) throw new GlassError(OpsErrors.UNKNOWN_NODE, `${nodeId} is not a member of the cluster`);
    const remaining = members.filter((m) => m.id !== nodeId);
    if (remaining.length === 0) throw new GlassError(OpsErrors.NO_PEERS, `node ${nodeId} is the only node: there is no other node to hand its actors to`);
    const ids = nodeId === this.node.id ? await this.#rootIds() : ((await this.#remote(nodeId, { op: 'ids' })) as string[]);
    const p = previewPlacement(members, remaining, ids);
    return {
      node: nodeId,
      remaining: remaining.map((m) => m.id),
      total: p.total,
      moved: p.moved.length,
      byNode: p.byNode,
      sample: p.moved.slice(0, 50).map((m) => ({ id: m.id, from: `${m.from.node}/${m.from.thread}`, to: `${m.to.node}/${m.to.thread}` })),
    };
  }

  /**
   * Validates, then carries out an action where it applies. Here: audited first (refused if the
   * audit log fails). On another node: forwarded with the operator's `token`, which that node
   * verifies itself (the `ops` role) and audits in its own log before it acts; its audit reference
   * comes back. Without a token a forwarded action is refused there.
   */
  async act(body: unknown, operator: OpsOperator, token?: string): Promise<ActionResult> {
    const action = parseAction(body);
    const where = targetNode(this.node, action);
    return tracer.startActiveSpan(`glass.ops.${action.action}`, { attributes: { 'glass.node': where, 'glass.ops.action': action.action } }, async (span) => {
      try {
        if (where !== this.node.id) {
          const remote = (await this.#remote(where, { op: 'act', action: { ...action, node: where } }, token)) as ActionResult;
          this.node.log.info({ action: action.action, target: actionTarget(action, where), operator: operator.player, done: remote.done, auditRef: remote.auditRef }, 'ops action (forwarded)');
          this.#refreshSoon();
          return remote;
        }
        return await this.#actHere(action, operator, this.node.id);
      } catch (err) {
        span.setStatus({ code: SpanStatusCode.ERROR, message: err instanceof Error ? err.message : String(err) });
        throw err;
      } finally {
        span.end();
      }
    });
  }

  /** Audits (refused if the audit log fails), then carries out an action on this node; `via` is the node whose API received it. */
  async #actHere(action: OpsAction, operator: OpsOperator, via: string): Promise<ActionResult> {
    const where = this.node.id;
    let auditRef: string | null;
    try {
      auditRef = await this.#audit({ type: 'ops-action', action: action.action, operator: { ...operator, roles: [...operator.roles] }, target: actionTarget(action, where), via, on: where, at: Date.now() });
    } catch (err) {
      throw new GlassError(OpsErrors.AUDIT_FAILED, 'the audit log did not record the action: it was not carried out', undefined, { cause: err });
    }
    const done = await executeLocally(this.node, action, this.#drainNode);
    this.node.log.info({ action: action.action, target: actionTarget(action, where), operator: operator.player, via, done: done.done, auditRef }, 'ops action');
    this.#refreshSoon();
    return { ...done, auditRef };
  }

  /** The actors with the deepest mailboxes or the most restarts, over every node's latest report. */
  static top(view: ClusterView, sort: 'mailbox' | 'restarts', limit = TOP): ActorRow[] {
    const rows: ActorRow[] = [];
    for (const n of view.nodes) {
      for (const w of n.workers) {
        if (w.sample === null) continue;
        for (const a of sort === 'mailbox' ? w.sample.topMailbox : w.sample.topRestarts) rows.push({ ...a, node: n.node, thread: w.thread });
      }
    }
    const key = (a: ActorRow) => (sort === 'mailbox' ? a.mailbox * 1e6 + a.restarts : a.restarts * 1e6 + a.mailbox);
    return rows.sort((a, b) => key(b) - key(a)).slice(0, limit);
  }

  close(): void {
    this.#closed = true;
    this.#disarm();
    if (this.#soon !== null) clearTimeout(this.#soon);
    this.#unsubscribe();
    this.#process.close();
    this.#watchers.clear();
  }

  async #sample(): Promise<NodeReport> {
    const samples: WorkerSample[] = await this.node.sampleWorkers({ top: TOP }).catch(() => []);
    for (const s of samples) this.metrics.observeActivations(s.activationsMs);
    const byThread = new Map(samples.map((s) => [s.thread, s]));
    const proc = this.#process.sample();
    const stream = streamFigures(this.node);
    const now = Date.now();
    const entries = this.node.quarantine.list();
    const report: NodeReport = {
      node: this.node.id,
      at: now,
      mode: this.node.clusterStatus().mode,
      members: this.node.members().map((m) => m.id),
      process: proc,
      workers: this.node.workers.map((h) => workerReport(h, byThread.get(h.thread))),
      quarantine: { size: entries.length, dropped: this.node.quarantine.dropped, latest: entries.slice(-QUARANTINE_ROWS).reverse().map((e) => quarantineRow(this.node.id, e)) },
      stream,
      moderation: { overrides: Object.fromEntries(this.#overrides) },
      signals: this.#signals.evaluate({ workers: samples, turnLatencyP95: this.#turns.p95Seconds(now), queuedRemote: stream?.queued ?? 0, cpu: proc.cpu, workflows: workflowFigures(this.node, now), ...budgetSignals(this.node.id), searchLagSeconds: this.#searchLag?.() ?? null }, now),
    };
    const budgets = budgetView(budgetHubOf(this.node.id));
    if (budgets !== undefined) report.budgets = budgets;
    this.metrics.update(report);
    this.#last = report;
    return report;
  }

  async #tick(): Promise<void> {
    if (this.#closed) return;
    try {
      const report = await this.report();
      if (this.#cluster !== null) await this.#cluster.publish(report).catch(() => {});
      if (this.#watchers.size > 0) {
        const view = await this.view();
        for (const w of this.#watchers) w(view);
      }
    } catch (err) {
      this.node.log.warn({ err: err instanceof Error ? err.message : String(err) }, 'ops refresh failed');
    }
  }

  #arm(): void {
    if (this.#timer !== null || this.#closed) return;
    this.#timer = setInterval(() => void this.#tick(), this.#intervalMs);
    this.#timer.unref();
  }

  #disarm(): void {
    if (this.#timer !== null) clearInterval(this.#timer);
    this.#timer = null;
  }

  /** A refresh shortly (coalesced): a quarantine or an action shows without waiting a whole interval. */
  #refreshSoon(): void {
    if (this.#soon !== null || this.#closed || (this.#watchers.size === 0 && this.#cluster === null)) return;
    this.#soon = setTimeout(() => {
      this.#soon = null;
      this.#last = null;
      void this.#tick();
    }, 50);
    this.#soon.unref();
  }

  async #searchLocal(q: string, limit: number): Promise<ActorRow[]> {
    const pages = await Promise.all(this.node.workers.map(async (w) => (await this.actors(this.node.id, w.thread, { q, limit })).actors));
    return pages.flat().slice(0, limit);
  }

  /** The ids of the root actors in memory on this node (children move with their root). */
  async #rootIds(): Promise<string[]> {
    const ids: string[] = [];
    for (const w of this.node.workers) {
      for (let offset = 0; ; offset += ID_PAGE) {
        const page = await this.node.findActors(w.thread, { offset, limit: ID_PAGE });
        for (const a of page.actors) if (!a.id.includes('/')) ids.push(a.id);
        if (page.actors.length < ID_PAGE) break;
      }
    }
    return ids;
  }

  #remote(nodeId: string, body: RemoteRequest, token?: string): Promise<unknown> {
    if (!this.node.members().some((m) => m.id === nodeId)) return Promise.reject(new GlassError(OpsErrors.UNKNOWN_NODE, `${nodeId} is not a member of the cluster`));
    if (this.#cluster === null) return Promise.reject(new GlassError(OpsErrors.UNKNOWN_NODE, `this node does not publish to the cluster's ops view: ${nodeId} is out of reach`));
    return token === undefined ? this.#cluster.request(nodeId, body) : this.#cluster.request(nodeId, body, undefined, token);
  }

  /**
   * A request from another node, signed with the cluster key. Reads (a worker's actors, a search,
   * the ids for a drain preview) are answered on that alone; an action is carried out only for an
   * operator token verified here, and is audited here first.
   */
  async #answerRemote(body: unknown, meta: OpsRequestMeta): Promise<unknown> {
    const parsed = RemoteRequest.safeParse(body);
    if (!parsed.success) throw new GlassError(OpsErrors.INVALID_REQUEST, 'invalid ops request');
    const r = parsed.data;
    switch (r.op) {
      case 'actors':
        return this.node.findActors(r.thread, r.query);
      case 'search':
        return this.#searchLocal(r.q, r.limit);
      case 'ids':
        return this.#rootIds();
      case 'act': {
        const operator = await remoteOperator(meta, { key: this.#key, nodeId: this.node.id, log: this.node.log, refusals: this.#refusals });
        const action = parseAction(r.action);
        if (action.node !== undefined && action.node !== this.node.id) throw new GlassError(OpsErrors.UNKNOWN_NODE, `this is ${this.node.id}, not ${action.node}`);
        return this.#actHere(action, operator, meta.from);
      }
    }
  }
}

/** The budget signals' inputs from the node's hub (none without the budget service). */
function budgetSignals(nodeId: string): { budget?: { gmQueueOpen: number; highestUse: { world: string; use: number } | null } } {
  const hub = budgetHubOf(nodeId);
  return hub === undefined ? {} : { budget: { gmQueueOpen: hub.gmQueue.open, highestUse: hub.highestUse() } };
}
