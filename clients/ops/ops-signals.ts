import type { WorkerSample } from '../../runtime/index.js';
import { measureWorkflows, WORKFLOW_TRIGGERS, type WorkflowSignalInputs, type WorkflowTriggerId } from './workflow-signals.js';

/**
 * The scaling triggers of DES-19 (infrastructure topology), each with the action the seed names.
 * `sustainMs`: how long the value must stay over the threshold before the signal fires (the seed
 * says "for 15 min" for narrative latency; the others fire at once).
 */
export const SCALING_TRIGGERS = [
  {
    id: 'sessions-per-worker',
    label: 'Active sessions per worker',
    threshold: 40,
    unit: 'sessions',
    sustainMs: 0,
    action: 'Add a worker to the narrative plane: new sessions are placed on it by the hashring; warm its caches with tone/lore snippets.',
  },
  {
    id: 'turn-latency-p95',
    label: 'p95 narrative turn latency',
    threshold: 2.5,
    unit: 's',
    sustainMs: 15 * 60_000,
    action: 'Add a worker to the narrative plane: new sessions are placed on it by the hashring; warm its caches with tone/lore snippets.',
  },
  {
    id: 'command-backlog',
    label: 'Command backlog',
    threshold: 200,
    unit: 'commands',
    sustainMs: 0,
    action: 'Add an orchestrator worker or a new gateway instance; consistent hashing on the room id keeps state skew low.',
  },
  {
    id: 'cpu',
    label: 'CPU',
    threshold: 0.7,
    unit: 'ratio',
    sustainMs: 0,
    action: 'Add an orchestrator worker or a new gateway instance; consistent hashing on the room id keeps state skew low.',
  },
  // DES-19's budget controls (docs/BUDGETS.md): not scaling levers, but signals a moderator acts on.
  {
    id: 'gm-queue-depth',
    label: 'Sessions waiting in the human GM queue',
    threshold: 0,
    unit: 'sessions',
    sustainMs: 0,
    action: 'A moderator takes the session (GET /api/gm-queue, POST /api/gm-queue/take) and narrates through the narrate override, or raises the world\'s budget.',
  },
  {
    id: 'world-budget-use',
    label: 'Highest share of a world\'s weekly budget spent',
    threshold: 0.85,
    unit: 'ratio',
    sustainMs: 0,
    action: 'Sessions of that world escalate to the human GM queue (offline narration or a human GM, by GLASS_BUDGET_POLICY); at 1 no LLM call is made until the week rolls over.',
  },
  {
    id: 'search-changes-lag',
    label: 'Search indexing behind CouchDB _changes',
    threshold: 180,
    unit: 's',
    sustainMs: 0,
    action: 'Search is behind the actor store: check the search backend (PostgreSQL or Meilisearch) and the indexer log; move search to its own PostgreSQL or Meilisearch if the node cannot keep up.',
  },
  ...WORKFLOW_TRIGGERS,
] as const;

export type SignalId = (typeof SCALING_TRIGGERS)[number]['id'];

export interface Signal {
  id: SignalId;
  label: string;
  /** null when there is nothing to measure yet (e.g. no narrative turn seen). */
  value: number | null;
  threshold: number;
  unit: string;
  /** Where the value comes from (e.g. the worker with the most sessions). */
  detail: string;
  over: boolean;
  /** Since when the value has been over the threshold (epoch ms), null when it is not. */
  overSince: number | null;
  sustainMs: number;
  /** Over the threshold for at least sustainMs: the action is due. */
  firing: boolean;
  action: string;
}

/** What the signals of one node are computed from. */
export interface SignalInputs {
  workers: readonly Pick<WorkerSample, 'thread' | 'kinds' | 'mailboxTotal'>[];
  /** p95 of the narrative turn latency over the window, in seconds; null without turns. */
  turnLatencyP95: number | null;
  /** Cross-node envelopes accepted and not yet stored in Redis. */
  queuedRemote: number;
  cpu: number;
  /** The node's budget figures (absent on a node without the budget service). */
  budget?: { gmQueueOpen: number; highestUse: { world: string; use: number } | null };
  /** The node's workflow figures (cluster/workflows WorkflowStats); absent or null without the service. */
  workflows?: WorkflowSignalInputs | null;
  /** How long the search indexer has been behind CouchDB's _changes, in seconds; null without an indexer. */
  searchLagSeconds?: number | null;
}

/** Tracks, per signal, since when it has been over its threshold: signals that must be sustained. */
export class SignalTracker {
  readonly #overSince = new Map<SignalId, number>();

  evaluate(inputs: SignalInputs, now: number): Signal[] {
    return SCALING_TRIGGERS.map((t) => {
      const { value, detail } = measure(t.id, inputs);
      const over = value !== null && value > t.threshold;
      if (!over) this.#overSince.delete(t.id);
      else if (!this.#overSince.has(t.id)) this.#overSince.set(t.id, now);
      const overSince = this.#overSince.get(t.id) ?? null;
      return {
        id: t.id,
        label: t.label,
        value,
        threshold: t.threshold,
        unit: t.unit,
        detail,
        over,
        overSince,
        sustainMs: t.sustainMs,
        firing: overSince !== null && now - overSince >= t.sustainMs,
        action: t.action,
      };
    });
  }
}

function measure(id: SignalId, inputs: SignalInputs): { value: number | null; detail: string } {
  switch (id) {
    case 'sessions-per-worker': {
      let most = 0;
      let where = 0;
      for (const w of inputs.workers) {
        const sessions = w.kinds.find((k) => k.kind === 'session')?.byStatus.active ?? 0;
        if (sessions > most || where === 0) [most, where] = [sessions, w.thread];
      }
      return { value: most, detail: where === 0 ? 'no live worker' : `worker ${where}` };
    }
    case 'turn-latency-p95':
      return { value: inputs.turnLatencyP95, detail: inputs.turnLatencyP95 === null ? 'no turns measured yet' : 'turns over the last 15 min' };
    case 'command-backlog': {
      const mailboxes = inputs.workers.reduce((sum, w) => sum + w.mailboxTotal, 0);
      return { value: mailboxes + inputs.queuedRemote, detail: `${mailboxes} in mailboxes, ${inputs.queuedRemote} queued for other nodes` };
    }
    case 'cpu':
      return { value: inputs.cpu, detail: 'process CPU over all cores' };
    case 'gm-queue-depth':
      return inputs.budget === undefined ? { value: null, detail: 'no budget service' } : { value: inputs.budget.gmQueueOpen, detail: 'items no moderator took yet (as the queue actor on this node reported)' };
    case 'world-budget-use': {
      const h = inputs.budget?.highestUse ?? null;
      return h === null ? { value: null, detail: 'no world with a weekly budget seen' } : { value: h.use, detail: `world ${h.world}` };
    }
    case 'search-changes-lag': {
      const lag = inputs.searchLagSeconds ?? null;
      return { value: lag, detail: lag === null ? 'no search indexer on this node' : lag === 0 ? 'caught up' : 'since the indexer last caught up' };
    }
    default:
      return measureWorkflows(id as WorkflowTriggerId, inputs.workflows ?? null);
  }
}

/** p95 of a sliding window of latencies (ms in, seconds out), bounded in count and age. */
export class LatencyWindow {
  readonly #values: number[] = [];
  readonly #times: number[] = [];

  constructor(
    readonly windowMs = 15 * 60_000,
    readonly maxSamples = 10_000,
  ) {}

  observe(ms: number, now: number): void {
    this.#values.push(ms);
    this.#times.push(now);
    if (this.#values.length > this.maxSamples) {
      this.#values.shift();
      this.#times.shift();
    }
  }

  p95Seconds(now: number): number | null {
    while (this.#times.length > 0 && now - this.#times[0] > this.windowMs) {
      this.#times.shift();
      this.#values.shift();
    }
    if (this.#values.length === 0) return null;
    const sorted = [...this.#values].sort((a, b) => a - b);
    return sorted[Math.min(sorted.length - 1, Math.ceil(sorted.length * 0.95) - 1)] / 1000;
  }
}
