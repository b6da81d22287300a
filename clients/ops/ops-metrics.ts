import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { HubHopHistogram } from './hub-hop-histogram.js';
import type { NodeReport } from './ops-view.js';

/**
 * The node's Prometheus metrics (prom-client), one registry per node so that several nodes in one
 * process (tests) do not mix. Gauges are set from the latest ops report; counters follow the
 * runtime's monotonic totals (a total that went down — a restarted worker — starts over).
 */
export class OpsMetrics {
  readonly registry = new Registry();
  readonly #mailbox: Gauge;
  readonly #workerMailbox: Gauge;
  readonly #actors: Gauge;
  readonly #actorRestarts: Gauge;
  readonly #messages: Counter;
  readonly #rate: Gauge;
  readonly #workerRestarts: Counter;
  readonly #quarantined: Counter;
  readonly #activation: Histogram;
  readonly #turn: Histogram;
  readonly #streamLag: Gauge;
  readonly #signal: Gauge;
  readonly #signalThreshold: Gauge;
  readonly #signalFiring: Gauge;
  readonly #cpu: Gauge;
  readonly #eld: Gauge;
  readonly #overrides: Counter;
  readonly #seen = new Map<string, number>();
  /** glass_hub_hop_seconds, fed by the gateway (clients/gateway/hub-hop.ts). */
  readonly hubHop = new HubHopHistogram();

  constructor(node: string) {
    const r = this.registry;
    r.setDefaultLabels({ node });
    collectDefaultMetrics({ register: r });
    const registers = [r];
    this.#mailbox = new Gauge({ name: 'glass_mailbox_depth', help: 'Messages waiting in the mailboxes of the actors of a kind on a worker', labelNames: ['thread', 'kind'], registers });
    this.#workerMailbox = new Gauge({ name: 'glass_worker_mailbox_depth', help: 'Messages waiting in every mailbox of a worker', labelNames: ['thread'], registers });
    this.#actors = new Gauge({ name: 'glass_actors', help: 'Actors in memory, by kind, worker and status', labelNames: ['thread', 'kind', 'status'], registers });
    this.#actorRestarts = new Gauge({ name: 'glass_actor_restarts', help: 'Restarts of the actors of a kind now in memory on a worker', labelNames: ['thread', 'kind'], registers });
    this.#messages = new Counter({ name: 'glass_messages_total', help: 'Messages per hop: handled by a worker (hop="worker"), sent to / received from other nodes (hop="stream_out" / "stream_in")', labelNames: ['hop', 'thread'], registers });
    this.#rate = new Gauge({ name: 'glass_message_rate', help: 'Messages per second handled by the actors of a kind on a worker, over the last sample', labelNames: ['thread', 'kind'], registers });
    this.#workerRestarts = new Counter({ name: 'glass_worker_restarts_total', help: 'Worker thread restarts after a crash', labelNames: ['thread'], registers });
    this.#quarantined = new Counter({ name: 'glass_quarantined_total', help: 'Poison messages quarantined', registers });
    this.#activation = new Histogram({
      name: 'glass_activation_seconds',
      help: 'Time from an actor\'s first message to its activation (state loaded)',
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers,
    });
    this.#turn = new Histogram({ name: 'glass_narrative_turn_seconds', help: 'Narrative turn latency as the gateway sees it', buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30], registers });
    this.#streamLag = new Gauge({
      name: 'glass_stream_lag',
      help: 'Cross-node stream entries not yet through: queued (not yet in Redis), in_flight (read, not acknowledged), pending_acks, unacked (envelopes handed to workers)',
      labelNames: ['stage'],
      registers,
    });
    this.#signal = new Gauge({ name: 'glass_scaling_signal', help: 'Value of a DES-19 scaling trigger signal', labelNames: ['signal'], registers });
    this.#signalThreshold = new Gauge({ name: 'glass_scaling_signal_threshold', help: 'Threshold of a DES-19 scaling trigger signal', labelNames: ['signal'], registers });
    this.#signalFiring = new Gauge({ name: 'glass_scaling_signal_firing', help: '1 when the signal is over its threshold for long enough that its action is due', labelNames: ['signal'], registers });
    this.#cpu = new Gauge({ name: 'glass_node_cpu_ratio', help: 'Process CPU over wall time and cores, over the last sample', registers });
    this.#overrides = new Counter({ name: 'glass_moderation_overrides_total', help: 'Moderators\' overrides applied through this node (telemetry.moderation.overrides), by command and target kind', labelNames: ['command', 'target'], registers });
    this.#eld = new Gauge({ name: 'glass_event_loop_delay_seconds', help: 'Event-loop delay per thread (0 = main) over the last sample', labelNames: ['thread', 'quantile'], registers });
    r.registerMetric(this.hubHop.asMetric());
  }

  /** One hub hop the gateway measured, in seconds. */
  observeHubHop(seconds: number): void {
    this.hubHop.observe(seconds);
  }

  observeActivations(ms: readonly number[]): void {
    for (const v of ms) this.#activation.observe(v / 1000);
  }

  observeTurn(ms: number): void {
    this.#turn.observe(ms / 1000);
  }

  /** An override applied (acknowledged by its target). */
  overrideApplied(command: string, target: string): void {
    this.#overrides.inc({ command, target });
  }

  quarantined(): void {
    this.#quarantined.inc();
  }

  /** Sets every gauge from the node's latest report. */
  update(report: NodeReport): void {
    for (const g of [this.#mailbox, this.#workerMailbox, this.#actors, this.#actorRestarts, this.#rate, this.#eld]) g.reset();
    this.#cpu.set(report.process.cpu);
    this.#eld.set({ thread: '0', quantile: '0.5' }, report.process.eventLoopDelayMs.p50 / 1000);
    this.#eld.set({ thread: '0', quantile: '0.99' }, report.process.eventLoopDelayMs.p99 / 1000);
    for (const w of report.workers) {
      const thread = String(w.thread);
      this.#follow(this.#workerRestarts, { thread }, `restarts:${thread}`, w.restarts);
      const s = w.sample;
      if (s === null) continue;
      this.#follow(this.#messages, { hop: 'worker', thread }, `worker:${thread}`, s.processed);
      this.#workerMailbox.set({ thread }, s.mailboxTotal);
      this.#eld.set({ thread, quantile: '0.5' }, s.eventLoopDelayMs.p50 / 1000);
      this.#eld.set({ thread, quantile: '0.99' }, s.eventLoopDelayMs.p99 / 1000);
      for (const k of s.kinds) {
        this.#mailbox.set({ thread, kind: k.kind }, k.mailbox);
        this.#actorRestarts.set({ thread, kind: k.kind }, k.restarts);
        this.#rate.set({ thread, kind: k.kind }, k.rate);
        for (const [status, n] of Object.entries(k.byStatus)) this.#actors.set({ thread, kind: k.kind, status }, n);
      }
    }
    const st = report.stream;
    if (st !== null) {
      this.#follow(this.#messages, { hop: 'stream_out', thread: '0' }, 'stream_out', st.sent);
      this.#follow(this.#messages, { hop: 'stream_in', thread: '0' }, 'stream_in', st.received);
      this.#streamLag.set({ stage: 'queued' }, st.queued);
      this.#streamLag.set({ stage: 'in_flight' }, st.inFlight);
      this.#streamLag.set({ stage: 'pending_acks' }, st.pendingAcks);
      this.#streamLag.set({ stage: 'unacked' }, st.unacked);
    }
    for (const s of report.signals) {
      if (s.value !== null) this.#signal.set({ signal: s.id }, s.value);
      this.#signalThreshold.set({ signal: s.id }, s.threshold);
      this.#signalFiring.set({ signal: s.id }, s.firing ? 1 : 0);
    }
  }

  text(): Promise<string> {
    return this.registry.metrics();
  }

  get contentType(): string {
    return this.registry.contentType;
  }

  #follow(counter: Counter, labels: Record<string, string>, key: string, total: number): void {
    const last = this.#seen.get(key) ?? 0;
    const delta = total >= last ? total - last : total;
    this.#seen.set(key, total);
    if (delta > 0) counter.inc(labels, delta);
    else counter.inc(labels, 0);
  }
}
