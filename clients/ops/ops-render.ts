import type { ActorSample, KindSample } from '../../runtime/index.js';
import type { ActorRow } from './ops-view.js';
import type { Signal } from './ops-signals.js';
import type { ClusterView, NodeReport, WorkerReport } from './ops-view.js';

/** Plain-text renderings of the ops view for `glass ops tree` and `glass ops top` (no colours, stable layout). */

const num = (n: number, digits = 0): string => n.toLocaleString('en', { maximumFractionDigits: digits, minimumFractionDigits: digits });
const mib = (bytes: number): string => `${num(bytes / 1_048_576, 1)} MiB`;
const time = (at: number): string => new Date(at).toISOString().slice(11, 19);

function signalText(s: Signal): string {
  const value = s.value === null ? '–' : s.unit === 'ratio' ? `${num(s.value * 100)}%` : num(s.value, s.unit === 's' ? 2 : 0);
  const limit = s.unit === 'ratio' ? `${num(s.threshold * 100)}%` : `${num(s.threshold, s.unit === 's' ? 1 : 0)}${s.unit === 's' ? ' s' : ''}`;
  const state = s.firing ? 'FIRING' : s.over ? 'over' : 'ok';
  return `${s.label} ${value}/${limit} ${state}`;
}

function failureText(f: ActorSample['lastFailure']): string {
  return f === null ? '' : `failure "${f.message}" on ${f.messageType} at ${time(f.at)}`;
}

function actorLine(a: ActorSample): string {
  const parts = [`${a.kind}:${a.id}`, a.status, `restarts ${a.restarts}`, `mailbox ${a.mailbox}`, `${num(a.rate, 1)} msg/s`];
  const f = failureText(a.lastFailure);
  if (f !== '') parts.push(f);
  return parts.join(' · ');
}

function kindLine(k: KindSample): string {
  const statuses = Object.entries(k.byStatus)
    .map(([s, n]) => `${s} ${n}`)
    .join(', ');
  const parts = [`${k.kind} ×${k.count}`, statuses, `restarts ${k.restarts}`, `mailbox ${k.mailbox}`, `${num(k.rate, 1)} msg/s`];
  if (k.lastFailure !== null) parts.push(`last failure "${k.lastFailure.message}" on ${k.lastFailure.messageType} at ${time(k.lastFailure.at)} (${k.lastFailure.actor})`);
  return parts.join(' · ');
}

function workerLine(w: WorkerReport): string {
  const parts = [`worker ${w.thread}`, w.status, `restarts ${w.restarts}`];
  if (w.lastExit !== null) parts.push(`last exit ${w.lastExit.code}${w.lastExit.error === null ? '' : ` (${w.lastExit.error})`} at ${time(w.lastExit.at)}`);
  const s = w.sample;
  if (s === null) parts.push('down');
  else parts.push(`${s.actors} actors`, `mailbox ${s.mailboxTotal}`, `${num(s.rate, 1)} msg/s`, `busy ${num(s.utilization * 100)}%`, `loop p99 ${num(s.eventLoopDelayMs.p99, 1)} ms`);
  return parts.join(' · ');
}

export function nodeLine(n: NodeReport): string {
  const p = n.process;
  const actors = n.workers.reduce((sum, w) => sum + (w.sample?.actors ?? 0), 0);
  const parts = [`node ${n.node} (${n.mode})`, `cpu ${num(p.cpu * 100)}% of ${p.cores} cores`, `rss ${mib(p.memory.rss)}`, `heap ${mib(p.memory.heapUsed)}`, `loop p99 ${num(p.eventLoopDelayMs.p99, 1)} ms`, `${actors} actors`];
  const overrides = overridesText(n);
  if (overrides !== '') parts.push(overrides);
  return parts.join(' · ');
}

/** `overrides 3 (pause:session 2, mute:room 1)`, or '' when none were applied through the node. */
export function overridesText(n: NodeReport): string {
  const entries = Object.entries(n.moderation?.overrides ?? {}).filter(([, v]) => typeof v === 'number' && v > 0);
  if (entries.length === 0) return '';
  const total = entries.reduce((sum, [, v]) => sum + v, 0);
  return `overrides ${total} (${entries.map(([k, v]) => `${k} ${v}`).join(', ')})`;
}

/** Draws `children` under a prefix with tree branches. */
function branch(lines: string[], prefix: string, items: { text: string; children?: (p: string) => void }[]): void {
  items.forEach((item, i) => {
    const last = i === items.length - 1;
    lines.push(`${prefix}${last ? '└─ ' : '├─ '}${item.text}`);
    item.children?.(prefix + (last ? '   ' : '│  '));
  });
}

export interface TreeOptions {
  /** Only this node. */
  node?: string;
}

/** The cluster as a tree: nodes → workers → kinds (aggregated) → the actors that need attention. */
export function renderTree(view: ClusterView, options: TreeOptions = {}): string {
  const nodes = view.nodes.filter((n) => options.node === undefined || n.node === options.node);
  const lines = [`cluster via ${view.via} at ${time(view.at)} — ${nodes.length} node${nodes.length === 1 ? '' : 's'}${view.missing.length > 0 ? `, no report from ${view.missing.join(', ')}` : ''}`];
  branch(
    lines,
    '',
    nodes.map((n) => ({
      text: nodeLine(n),
      children: (p) =>
        branch(lines, p, [
          ...n.workers.map((w) => ({
            text: workerLine(w),
            children: (wp: string) =>
              branch(
                lines,
                wp,
                (w.sample?.kinds ?? []).map((k) => ({
                  text: kindLine(k),
                  children: (kp: string) =>
                    branch(
                      lines,
                      kp,
                      (w.sample?.notable ?? []).filter((a) => a.kind === k.kind).map((a) => ({ text: `! ${actorLine(a)}` })),
                    ),
                })),
              ),
          })),
          {
            text: `quarantine: ${n.quarantine.size}`,
            children: (qp: string) => branch(lines, qp, n.quarantine.latest.slice(0, 10).map((q) => ({ text: `${q.id} → ${q.to} ${q.messageType} "${q.error}" ×${q.attempts} at ${time(q.at)}` }))),
          },
          { text: 'signals', children: (sp: string) => branch(lines, sp, n.signals.map((s) => ({ text: signalText(s) + (s.over ? ` — action: ${s.action}` : '') }))) },
        ]),
    })),
  );
  return lines.join('\n') + '\n';
}

function pad(text: string, width: number, right = false): string {
  const t = text.length > width ? text.slice(0, width - 1) + '…' : text;
  return right ? t.padStart(width) : t.padEnd(width);
}

/** One frame of `glass ops top`: the actors with the deepest mailboxes (or most restarts), then the nodes and signals. */
export function renderTop(view: ClusterView, rows: readonly ActorRow[], sort: 'mailbox' | 'restarts', width = 120): string {
  const idWidth = Math.max(20, Math.min(60, width - 84));
  const lines = [
    `glass ops top — by ${sort} — ${time(view.at)} via ${view.via} — ${view.nodes.length} node${view.nodes.length === 1 ? '' : 's'}`,
    '',
    [pad('NODE', 14), pad('W', 3, true), pad('ACTOR', idWidth), pad('STATUS', 12), pad('RESTARTS', 9, true), pad('MAILBOX', 8, true), pad('MSG/S', 8, true), '  LAST FAILURE'].join(' '),
  ];
  if (rows.length === 0) lines.push(`(no actor with ${sort === 'mailbox' ? 'a waiting message' : 'a restart'})`);
  for (const a of rows) {
    lines.push(
      [pad(a.node, 14), pad(String(a.thread), 3, true), pad(`${a.kind}:${a.id}`, idWidth), pad(a.status, 12), pad(String(a.restarts), 9, true), pad(String(a.mailbox), 8, true), pad(num(a.rate, 1), 8, true), '  ' + (a.lastFailure?.message ?? '')].join(' ').trimEnd(),
    );
  }
  lines.push('');
  for (const n of view.nodes) {
    lines.push(nodeLine(n) + ` · quarantine ${n.quarantine.size}`);
    const over = n.signals.filter((s) => s.over);
    lines.push(`  signals: ${n.signals.map(signalText).join(' | ')}`);
    for (const s of over) lines.push(`  → ${s.label}: ${s.action}`);
  }
  return lines.join('\n') + '\n';
}
