import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import nano from 'nano';
import { couchStoreRef, startEmbeddedCouch, type EmbeddedCouch } from '../../cluster/index.js';
import { COUNTER_KIND, FEEDER_KIND, type CounterState } from './actors/cluster-actors.js';
import type { Progress } from '../support/progress.js';
import { median, type ScenarioResult } from '../support/report.js';
import type { OptionValues, Scenario } from '../support/scenario.js';
import { REDIS_URL, deleteRunKeys, epochNow, runPrefix, startNodes, waitMembers, type NodeProcess } from './cluster-helpers.js';
import type { FeedOutcome, PollOutcome } from './failover-helpers.js';
import { GOAL_RECOVERY_MS, countBetween, failoverReport } from './failover-report.js';

const DB = 'failover';
/** How long the poll keeps asking before it reports actors that never answered. */
const POLL_DEADLINE_MS = 30_000;
const POLL_ASK_TIMEOUT_MS = 1_000;

/**
 * A node process killed with SIGKILL while its actors are busy: how long until every actor
 * answers again, and whether any acknowledged update was lost or applied twice.
 *
 * An embedded CouchDB-protocol server (this process's child) holds actor state. Three node
 * processes (A, B, C; `workers` worker threads each; heartbeat `heartbeat-ms`, declared down after
 * `down-after-ms`) share it and the Redis on 127.0.0.1:6379 under a prefix unique to the run.
 * `actors` bench-fo-counter actors (c0, c1, …) are spread over the three by the placement; each
 * saves after every message, before it answers (`every-message`), and keeps the op id of every
 * add it applied.
 *
 * Node A feeds every counter through a feeder actor of its own (so each feeder → counter pair is
 * sequenced): one `add {op}` at a time per counter, each op id unique, for `traffic-ms`. Then C is
 * SIGKILLed. From the kill, node A asks every counter `get` until each has answered once (a new ask
 * every `poll-interval-ms` to those that have not, without waiting for earlier ones to time out):
 * recovery is the kill → last first answer. Feeding goes on meanwhile and for `after-ms` more;
 * then it stops, what is in flight settles, and every counter's state is read back: each
 * acknowledged op must be in it exactly once (lost: missing; duplicated: more than once). An op
 * whose add failed or timed out may be in it once.
 */
export const failover: Scenario = {
  name: 'failover',
  summary: `SIGKILL one of three node processes under load: time until every actor answers again, acknowledged updates lost or doubled (goals: < ${GOAL_RECOVERY_MS} ms, 0 lost, 0 duplicated)`,
  options: {
    actors: { kind: 'int', default: 300, min: 3, max: 100_000, description: 'counter actors spread over the three nodes' },
    workers: { kind: 'int', default: 1, min: 1, max: 16, description: 'worker threads per node process' },
    'heartbeat-ms': { kind: 'int', default: 250, min: 10, max: 60_000, description: 'membership heartbeat of every node' },
    'down-after-ms': { kind: 'int', default: 1_000, min: 50, max: 600_000, description: 'a node silent this long is declared down' },
    'traffic-ms': { kind: 'int', default: 2_000, min: 0, max: 600_000, description: 'feeding before the kill' },
    'after-ms': { kind: 'int', default: 1_000, min: 0, max: 600_000, description: 'feeding after every actor has answered again' },
    'ask-timeout-ms': { kind: 'int', default: 2_000, min: 50, max: 600_000, description: "timeout of each add (the feeder's ask to its counter)" },
    'poll-interval-ms': { kind: 'int', default: 50, min: 5, max: 10_000, description: 'a new poll ask to an actor that has not answered, this often' },
  },
  run: runFailover,
};

interface Verdict {
  acked: number;
  unacked: number;
  lost: number;
  duplicated: number;
  appliedUnacked: number;
  /** Ops in a state that were never sent to that counter (must be 0). */
  foreign: number;
  /** Counters whose state could not be read. */
  unreadable: number;
  lostOps: { counter: string; op: number }[];
  duplicatedOps: { counter: string; op: number; times: number }[];
}

function verify(feed: FeedOutcome, states: (CounterState | { error: string })[]): Verdict {
  const v: Verdict = { acked: 0, unacked: 0, lost: 0, duplicated: 0, appliedUnacked: 0, foreign: 0, unreadable: 0, lostOps: [], duplicatedOps: [] };
  feed.feeds.forEach((f, i) => {
    v.acked += f.acked.length;
    v.unacked += f.unacked.length;
    const state = states[i];
    if ('error' in state) {
      v.unreadable++;
      return;
    }
    const times = new Map<number, number>();
    for (const op of state.applied) times.set(op, (times.get(op) ?? 0) + 1);
    for (const op of f.acked) {
      if (!times.has(op)) {
        v.lost++;
        if (v.lostOps.length < 20) v.lostOps.push({ counter: f.counter, op });
      }
    }
    const unacked = new Set(f.unacked);
    const acked = new Set(f.acked);
    for (const [op, n] of times) {
      if (n > 1) {
        v.duplicated += n - 1;
        if (v.duplicatedOps.length < 20) v.duplicatedOps.push({ counter: f.counter, op, times: n });
      }
      if (unacked.has(op)) v.appliedUnacked++;
      else if (!acked.has(op)) v.foreign++;
    }
  });
  return v;
}

async function runFailover(options: OptionValues, progress: Progress): Promise<ScenarioResult> {
  const n = options.actors as number;
  const heartbeatMs = options['heartbeat-ms'] as number;
  const downAfterMs = options['down-after-ms'] as number;
  const askTimeoutMs = options['ask-timeout-ms'] as number;
  const prefix = runPrefix('fo');
  const ids = ['a', 'b', 'c'].map((x) => `fo-${x}-${process.pid}`);
  const [aId, bId, victimId] = ids;
  const dataDir = mkdtempSync(join(tmpdir(), 'glass-failover-'));
  let couch: EmbeddedCouch | null = null;
  let procs: NodeProcess[] = [];
  const runStarted = performance.now();
  try {
    progress.begin('starting the CouchDB-protocol server and three node processes', 5);
    couch = await startEmbeddedCouch({ dataDir });
    await nano({ url: couch.url, parseUrl: false } as nano.Configuration).db.create(DB);
    progress.tick();
    const store = couchStoreRef(couch.url, DB);
    procs = await startNodes(['node-a', 'node-b', 'node-c'], (_name, i) => ({
      nodeId: ids[i],
      prefix,
      redisUrl: REDIS_URL,
      workers: options.workers as number,
      store,
      heartbeatMs,
      downAfterMs,
      askTimeoutMs: 5_000,
    }));
    progress.update(4);
    await waitMembers(procs, ids);
    progress.tick();
    const [a, b, c] = procs;

    const counters = Array.from({ length: n }, (_, i) => `c${i}`);
    const owners = (await a.request<{ node: string }[]>('locate', { kind: COUNTER_KIND, ids: counters })).map((l) => l.node);
    const perNode = Object.fromEntries(ids.map((id) => [id, owners.filter((o) => o === id).length]));
    const onVictim = counters.filter((_, i) => owners[i] === victimId);
    if (onVictim.length === 0) throw new Error('the placement put no counter on the node to be killed: use more actors');
    const feeders = await a.request<string[]>('pick', { kind: FEEDER_KIND, prefix: 'feeder-', count: n, node: aId });

    progress.begin(`activating ${n} counters`, 1);
    const first = await a.request<(CounterState | { error: string })[]>('fo-dump', { counters, timeoutMs: 30_000 }, 120_000);
    const failed = first.filter((s) => 'error' in s);
    if (failed.length > 0) throw new Error(`${failed.length} counters did not answer before the kill: ${JSON.stringify(failed[0])}`);
    progress.tick();

    const trafficMs = options['traffic-ms'] as number;
    progress.begin(`feeding ${n} counters from node A`, 1);
    await a.request('fo-feed-start', { pairs: feeders.map((f, i) => [f, counters[i]]), timeoutMs: askTimeoutMs, pauseAfterFailureMs: 20 });
    await new Promise((resolve) => setTimeout(resolve, trafficMs));
    progress.tick();

    progress.begin(`SIGKILL node C (${onVictim.length} counters on it): every actor answering again`, 1);
    const killedAt = epochNow();
    c.kill();
    const poll = await a.request<PollOutcome>(
      'fo-poll',
      { counters, since: killedAt, intervalMs: options['poll-interval-ms'] as number, askTimeoutMs: POLL_ASK_TIMEOUT_MS, deadlineMs: POLL_DEADLINE_MS },
      POLL_DEADLINE_MS + 10_000,
    );
    const exit = await c.exited;
    progress.tick();

    progress.begin('feeding after recovery, then settling and reading every state back', 3);
    await new Promise((resolve) => setTimeout(resolve, options['after-ms'] as number));
    const feed = await a.request<FeedOutcome>('fo-feed-stop', {}, askTimeoutMs + 30_000);
    progress.tick();
    const [logA, logB] = await Promise.all([a, b].map((p) => p.request<{ at: number; ids: string[] }[]>('member-log', { since: killedAt })));
    const states = await a.request<(CounterState | { error: string })[]>('fo-dump', { counters, timeoutMs: 10_000 }, 120_000);
    progress.tick();
    const verdict = verify(feed, states);
    progress.tick();

    const answeredMs = poll.firstAnswer.map((t) => t - killedAt);
    const unanswered = answeredMs.filter((ms) => Number.isNaN(ms)).length;
    const victimIndex = new Set(onVictim);
    const victimAnswers = counters.flatMap((id, i) => (victimIndex.has(id) ? [answeredMs[i]] : []));
    const recoveryMs = unanswered > 0 ? null : Math.round(Math.max(...answeredMs));
    const survivorAnswers = counters.flatMap((id, i) => (victimIndex.has(id) ? [] : [answeredMs[i]]));
    // The last actors to answer, and where they lived before the kill.
    const lastToAnswer = counters
      .map((id, i) => ({ counter: id, ms: Math.round(answeredMs[i]), was: owners[i] === victimId ? 'C' : owners[i] === aId ? 'A' : 'B' }))
      .sort((x, y) => (Number.isNaN(y.ms) ? 1 : 0) - (Number.isNaN(x.ms) ? 1 : 0) || y.ms - x.ms)
      .slice(0, 5);
    const seenDown = (log: { at: number; ids: string[] }[]): number | null => {
      const change = log.find((m) => !m.ids.includes(victimId));
      return change === undefined ? null : Math.round(change.at - killedAt);
    };
    const r1 = (x: number): number => Math.round(x * 10) / 10;
    const acksBefore = countBetween(feed.ackTimes, feed.startedAt, killedAt);
    const figures = {
      scenario: 'failover',
      actors: n,
      nodeKillRecoveryMs: recoveryMs,
      lost: verdict.lost,
      duplicated: verdict.duplicated,
      heartbeatMs,
      downAfterMs,
      actorsPerNode: { a: perNode[aId], b: perNode[bId], c: perNode[victimId] },
      victimActors: onVictim.length,
      unansweredAfterMs: unanswered > 0 ? POLL_DEADLINE_MS : null,
      unanswered,
      downSeenByAMs: seenDown(logA),
      downSeenByBMs: seenDown(logB),
      victimFirstAnswerMs: r1(Math.min(...victimAnswers)),
      victimAnswerP50Ms: r1(median(victimAnswers)),
      victimLastAnswerMs: Math.round(Math.max(...victimAnswers)),
      survivorsLastAnswerMs: Math.round(Math.max(...survivorAnswers)),
      lastToAnswer,
      acked: verdict.acked,
      unacked: verdict.unacked,
      appliedUnacked: verdict.appliedUnacked,
      foreign: verdict.foreign,
      unreadable: verdict.unreadable,
      addsPerSecBeforeKill: Math.round(acksBefore / ((killedAt - feed.startedAt) / 1000)),
      addFailures: mergeFailures(feed),
      pollAsks: poll.asks,
      pollFailures: poll.failures,
      victimExit: exit,
      lostOps: verdict.lostOps,
      duplicatedOps: verdict.duplicatedOps,
      runMs: Math.round(performance.now() - runStarted),
    };
    return failoverReport(figures, feed, killedAt, recoveryMs, options);
  } finally {
    progress.begin('closing nodes and the CouchDB server, deleting the run’s Redis keys', 1);
    await Promise.allSettled(procs.map((p) => p.close()));
    await couch?.close().catch(() => undefined);
    rmSync(dataDir, { recursive: true, force: true });
    await deleteRunKeys(prefix).catch(() => undefined);
    progress.tick();
    progress.stop();
  }
}

function mergeFailures(feed: FeedOutcome): Record<string, number> {
  const out: Record<string, number> = {};
  for (const f of feed.feeds) for (const [code, k] of Object.entries(f.failures)) out[code] = (out[code] ?? 0) + k;
  return out;
}
