// What the cluster tests check once the load is over: every number each pump told each tally seen
// exactly once, every acknowledged add of a durable counter kept, none applied twice.
import type { Load } from './cluster-load.js';
import { RemoteError, type NodeProcess } from './cluster-process.js';

/** Per tally: per sender key, the numbers it saw in order. */
export type TallyReport = Record<string, number[]>;

/**
 * What is wrong with what `tallyId` saw from `sender`, told 1..sent: numbers missing, numbers seen
 * more than once, numbers out of the sent range. Empty when it saw each exactly once.
 */
export function tallyProblems(tallyId: string, sender: string, seen: readonly number[] | undefined, sent: number): string[] {
  const problems: string[] = [];
  const counts = new Map<number, number>();
  for (const n of seen ?? []) counts.set(n, (counts.get(n) ?? 0) + 1);
  const missing: number[] = [];
  for (let n = 1; n <= sent; n++) if (!counts.has(n)) missing.push(n);
  const doubled = [...counts].filter(([, c]) => c > 1).map(([n, c]) => `${n}×${c}`);
  const extra = [...counts.keys()].filter((n) => n < 1 || n > sent);
  const where = `tally:${tallyId} from ${sender}`;
  if (missing.length > 0) problems.push(`${where}: ${missing.length} of ${sent} lost (${missing.slice(0, 8).join(', ')}${missing.length > 8 ? ', …' : ''})`);
  if (doubled.length > 0) problems.push(`${where}: ${doubled.length} handled twice (${doubled.slice(0, 8).join(', ')})`);
  if (extra.length > 0) problems.push(`${where}: numbers never sent (${extra.slice(0, 8).join(', ')})`);
  return problems;
}

/** Asks every tally for its report (from `via`), failing the test on any refusal. */
export async function tallyReports(via: NodeProcess, ids: readonly string[], timeoutMs = 15_000): Promise<Map<string, TallyReport>> {
  const outcomes = await via.askMany(
    ids.map((id) => ({ to: { kind: 'tally', id }, msg: { type: 'report' } })),
    timeoutMs,
  );
  const reports = new Map<string, TallyReport>();
  for (const [i, o] of outcomes.entries()) {
    if (!o.ok) throw new RemoteError(via.id, { code: o.error.code, message: `report of tally:${ids[i]}: ${o.error.message}` });
    reports.set(ids[i], o.value as TallyReport);
  }
  return reports;
}

/** How many numbers the tallies saw in all. */
export function totalSeen(reports: ReadonlyMap<string, TallyReport>): number {
  let total = 0;
  for (const r of reports.values()) for (const ns of Object.values(r)) total += ns.length;
  return total;
}

/** Every pump's `sent` (target id → how many it told that target), keyed by the pump's address key. */
export async function pumpsSent(via: NodeProcess, pumps: readonly string[]): Promise<Map<string, Record<string, number>>> {
  const out = new Map<string, Record<string, number>>();
  for (const id of pumps) out.set(`pump:${id}`, await via.ask<Record<string, number>>({ kind: 'pump', id }, { type: 'sent' }));
  return out;
}

export function sum(values: Iterable<number>): number {
  let s = 0;
  for (const v of values) s += v;
  return s;
}

/**
 * How many numbers the tallies saw in all, or null while one is too busy to answer in time: after
 * a failover the survivors work off a backlog of messages that each wait for a save, and a report
 * asked for waits behind them. That is progress, not a failure: the caller asks again.
 */
export async function seenOrBusy(via: NodeProcess, ids: readonly string[]): Promise<number | null> {
  try {
    return totalSeen(await tallyReports(via, ids));
  } catch (err) {
    if (err instanceof RemoteError && err.code === 'GLASS_ERR_ASK_TIMEOUT') return null;
    throw err;
  }
}

/** Every problem of every (tally, pump) pair, given what each pump says it sent. */
export function allTallyProblems(reports: ReadonlyMap<string, TallyReport>, sent: ReadonlyMap<string, Record<string, number>>): string[] {
  const problems: string[] = [];
  for (const [tallyId, report] of reports) {
    for (const [pumpKey, byTarget] of sent) problems.push(...tallyProblems(tallyId, pumpKey, report[pumpKey], byTarget[tallyId] ?? 0));
    for (const sender of Object.keys(report)) if (!sent.has(sender)) problems.push(`tally:${tallyId}: numbers from an unexpected sender ${sender}`);
  }
  return problems;
}

/** How many tells the pumps say they sent, in all. */
export function totalSent(sent: ReadonlyMap<string, Record<string, number>>): number {
  let total = 0;
  for (const byTarget of sent.values()) total += sum(Object.values(byTarget));
  return total;
}

/** What is wrong with each durable counter's saved total, given the adds asked of it. */
export async function counterProblems(via: NodeProcess, ids: readonly string[], load: Load): Promise<string[]> {
  const problems: string[] = [];
  for (const id of ids) {
    const { total, adds } = await via.ask<{ total: number; adds: number }>({ kind: 'durable-counter', id }, { type: 'get' });
    const acked = load.acked.get(id)!;
    const sent = load.sent.get(id)!;
    if (total !== adds) problems.push(`durable-counter:${id}: total ${total} but ${adds} adds`);
    if (total < acked) problems.push(`durable-counter:${id}: ${total} saved < ${acked} acknowledged (acknowledged adds lost)`);
    if (total > sent) problems.push(`durable-counter:${id}: ${total} saved > ${sent} asked (an add applied twice)`);
  }
  return problems;
}
