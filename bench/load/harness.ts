// The load harness, `glass bench run | compare` (docs/LOAD.md): drives a scenario file's players
// against a gateway from forked load processes, then reports (terminal table, JSON, HTML with SVG
// plots). Loaded by command.ts.
import type { KeyObject } from 'node:crypto';
import { access, mkdir, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { resolveTokenPrivateKey, signAccessToken } from '../../clients/index.js';
import { ErrorCodes, GlassError } from '../../runtime/index.js';
import { BenchChild } from '../support/child-process.js';
import { createProgress } from '../support/progress.js';
import { readResultSummary, renderComparison } from './report/compare.js';
import { CountsLog } from './faults/counts-log.js';
import { checkFaultTarget } from './faults/fault-plan.js';
import { buildFaultReports } from './faults/fault-report.js';
import { FaultRunner } from './faults/fault-runner.js';
import { renderHtml } from './report/html-report.js';
import { teardownOnSignals } from './interrupt.js';
import type { Counts, RunArgs, RunResult } from './traffic/player-process.js';
import type { PlayerSpec } from './traffic/player.js';
import { ProcProbe } from './resources/proc-probe.js';
import { ResourceMonitor } from './resources/resource-monitor.js';
import { buildResult } from './report/result.js';
import { openTarget, type RunTarget, type TargetMode } from './targets/run-target.js';
import { readScenarioFile, type LoadScenario } from './scenario-file.js';
import { renderSummary } from './report/summary-table.js';
import { trafficArgs } from './traffic/traffic-fields.js';
import { moderationTargets, moderatorPlan, sessionOf } from './traffic/traffic-plan.js';
import { BENCH_USAGE } from './usage.js';


const PLAYER_PROCESS = fileURLToPath(new URL('./traffic/player-process.js', import.meta.url));
/** The source tree's bench/results (git-ignored), from dist/bench/load/. */
const DEFAULT_OUT = fileURLToPath(new URL('../../../bench/results/', import.meta.url));
/** Time between the load processes being told to start and the start itself. */
const START_DELAY_MS = 300;
const PROGRESS_EVERY_MS = 250;

function usage(message: string): GlassError {
  return new GlassError(ErrorCodes.INVALID_OPTION, message);
}

export async function runBenchCommand(args: string[], env: NodeJS.ProcessEnv): Promise<number> {
  const [sub, ...rest] = args;
  if (sub === 'compare') {
    if (rest.length !== 2) throw usage('usage: glass bench compare A.json B.json');
    const [a, b] = await Promise.all(rest.map(readResultSummary));
    process.stdout.write(renderComparison(a, b, [rest[0], rest[1]]));
    return 0;
  }
  if (sub === 'help') {
    process.stdout.write(BENCH_USAGE);
    return 0;
  }
  if (sub === undefined) {
    process.stderr.write(BENCH_USAGE);
    return 2;
  }
  if (sub !== 'run') throw usage(`unknown bench command ${JSON.stringify(sub)}: run or compare`);
  let parsed;
  try {
    parsed = parseArgs({
      args: rest,
      strict: true,
      allowPositionals: true,
      options: { url: { type: 'string' }, 'token-private-key-file': { type: 'string' }, local: { type: 'boolean' }, nodes: { type: 'string' }, workers: { type: 'string' }, out: { type: 'string' } },
    });
  } catch (err) {
    throw usage((err as Error).message);
  }
  const { values, positionals } = parsed;
  if (positionals.length !== 1) throw usage('glass bench run takes one scenario file');
  if ((values.url === undefined) === (values.local !== true)) throw usage('glass bench run needs --url URL or --local (not both)');
  if (values.url !== undefined && !/^wss?:\/\//.test(values.url)) throw usage('--url must be a ws:// or wss:// URL');
  const workers = values.workers === undefined ? 2 : Number(values.workers);
  if (!Number.isInteger(workers) || workers < 1 || workers > 256) throw usage('--workers must be an integer from 1 to 256');
  if (values.nodes !== undefined && values.local !== true) throw usage('--nodes goes with --local (the harness starts the nodes)');
  const nodes = values.nodes === undefined ? 1 : Number(values.nodes);
  if (!Number.isInteger(nodes) || nodes < 1 || nodes > 16) throw usage('--nodes must be an integer from 1 to 16');
  const mode: TargetMode = values.local !== true ? 'remote' : nodes === 1 ? 'in-process' : 'cluster';
  let scenario: LoadScenario;
  try {
    scenario = await readScenarioFile(positionals[0]);
  } catch (err) {
    throw usage((err as Error).message);
  }
  try {
    checkFaultTarget(scenario.faults ?? [], { mode, nodes, workers });
  } catch (err) {
    throw usage((err as Error).message);
  }
  const out = resolve(values.out ?? DEFAULT_OUT);
  const key = mode === 'remote' ? await remoteKey(values['token-private-key-file'], env) : undefined;

  // Ctrl-C or SIGTERM from here on tears down what was started (local cluster, store, Redis, temp dirs).
  let target: RunTarget | null = null;
  const removeHandlers = teardownOnSignals(async () => void (await target?.close()));
  try {
    // Overrides are refused by a node without an audit log: with moderators, a local target gets one.
    target = await openTarget({ mode, url: values.url, key, nodes, workers, ttlMs: scenario.durationMs + scenario.drainMs + 3_600_000, audit: scenario.moderators !== undefined, env });
    if (mode === 'remote') await checkRemoteNodes(scenario, target);
    await runScenario(scenario, target, out);
    return 0;
  } finally {
    await target?.close();
    removeHandlers();
  }
}

/** A remote cluster's kill-worker faults name nodes by index into its sorted node ids: they must exist. */
async function checkRemoteNodes(s: LoadScenario, target: RunTarget): Promise<void> {
  const wanted = (s.faults ?? []).filter((f) => f.action === 'kill-worker');
  if (wanted.length === 0) return;
  const ids = await target.nodeIds().catch((err: unknown) => {
    throw new GlassError(ErrorCodes.INVALID_OPTION, `kill-worker faults need the ops API of ${target.urls[0]} (an ops-role token signed with the key): ${(err as Error).message}`);
  });
  for (const f of wanted) if (f.node >= ids.length) throw usage(`faults: kill-worker of node ${f.node}, but the cluster has ${ids.length} (${ids.join(', ')})`);
}

/** The issuer's private key, from --token-private-key-file or GLASS_TOKEN_PRIVATE_KEY_FILE (which must exist: a load tool creates no key). */
async function remoteKey(file: string | undefined, env: NodeJS.ProcessEnv): Promise<KeyObject> {
  const path = file ?? (env.GLASS_TOKEN_PRIVATE_KEY_FILE || undefined);
  if (path === undefined) throw usage('with --url, give the private key that signs tokens: --token-private-key-file F or GLASS_TOKEN_PRIVATE_KEY_FILE');
  await access(path).catch(() => {
    throw usage(`--token-private-key-file ${path} does not exist`);
  });
  return (await resolveTokenPrivateKey({ GLASS_TOKEN_PRIVATE_KEY_FILE: path })).key;
}

/**
 * Player i is in room r = i mod rooms; room r is in load process r mod loadProcesses; player i
 * connects at i / players of the ramp-up. With several gateways (a local cluster), the k-th player
 * of room r (k = floor(i / rooms)) uses gateway (r + k) mod N first, then the others in turn: the
 * members of a room sit on different nodes, so its lines cross nodes.
 */
async function playerPlan(s: LoadScenario, key: KeyObject, runId: string, urls: readonly string[]): Promise<PlayerSpec[][]> {
  const ttlMs = s.durationMs + s.drainMs + 3_600_000;
  const plan: PlayerSpec[][] = Array.from({ length: s.loadProcesses }, () => []);
  for (let i = 0; i < s.players; i++) {
    const r = i % s.rooms;
    const player = `bench-${runId}-p${i}`;
    const token = await signAccessToken(key, { player, character: `${player}-c`, roles: ['player'], ttlMs });
    const spec: PlayerSpec = { player, room: `bench-${runId}-r${r}`, ...sessionOf(s, runId, i), token, offsetMs: Math.floor((s.rampUpMs * i) / s.players) };
    if (urls.length > 1) {
      const home = (r + Math.floor(i / s.rooms)) % urls.length;
      spec.urls = urls.map((_, n) => urls[(home + n) % urls.length]);
    }
    plan[r % s.loadProcesses].push(spec);
  }
  return plan;
}

async function runScenario(s: LoadScenario, target: RunTarget, out: string): Promise<void> {
  const runId = Date.now().toString(36);
  const plan = await playerPlan(s, target.key, runId, target.urls);
  const moderators = await moderatorPlan(s, target.key, runId, s.durationMs + s.drainMs + 3_600_000);
  const targets = moderationTargets(s, runId);
  const children = plan.map((_, i) => new BenchChild(`load-${i}`, PLAYER_PROCESS));
  const progress = createProgress(`glass bench ${s.name}`);
  // Every node (and the load processes) sampled once per bucket; the faults at their times.
  const loads = children.map((c) => ({ name: c.name, role: 'load' as const, pid: () => c.pid }));
  const monitor = new ResourceMonitor([new ProcProbe([...target.procTargets(), ...loads]), ...target.probes()], s.bucketMs);
  const faults = new FaultRunner(s.faults ?? [], target.actions());
  const countsLog = new CountsLog();
  try {
    await Promise.all(children.map((c, i) => c.request('prepare', { url: target.urls[0], players: plan[i], moderators: moderators[i], targets })));
    const startAt = Date.now() + START_DELAY_MS;
    monitor.start(startAt);
    faults.start(startAt);
    const args: RunArgs = {
      startAt,
      durationMs: s.durationMs,
      drainMs: s.drainMs,
      bucketMs: s.bucketMs,
      linesPerSecondPerPlayer: s.linesPerSecondPerPlayer,
      textChars: s.textChars,
      ...(s.reconnectEvery === undefined ? {} : { reconnectEvery: s.reconnectEvery }),
      traffic: trafficArgs(s),
    };
    const cpu0 = process.cpuUsage();
    const runs = Promise.all(children.map((c) => c.request<RunResult>('run', args, s.durationMs + s.drainMs + 60_000)));
    const totalSec = Math.ceil((s.durationMs + s.drainMs) / 1000);
    progress.begin('running', totalSec);
    let done = false;
    const poll = async (): Promise<void> => {
      while (!done) {
        await new Promise((r) => setTimeout(r, PROGRESS_EVERY_MS));
        if (done) break;
        const asked = Date.now();
        const counts = await Promise.all(children.map((c) => c.request<Counts>('progress', {}, 5_000))).catch(() => null);
        if (counts === null) continue;
        const sum = (k: 'sent' | 'delivered' | 'ready' | 'reconnects'): number => counts.reduce((a, c) => a + c[k], 0);
        const errors = counts.reduce((a, c) => a + Object.values(c.errors).reduce((x, n) => x + n, 0), 0);
        countsLog.add({ atMs: asked - startAt, reconnects: sum('reconnects'), errors: mergeErrors(counts) });
        const faulted = s.faults === undefined ? '' : ` faults ${faults.done}/${s.faults.length}`;
        progress.update(Math.min(totalSec, Math.floor((Date.now() - startAt) / 1000)), `players ${sum('ready')}/${s.players} sent ${sum('sent')} heard ${sum('delivered')} reconnects ${sum('reconnects')} errors ${errors}${faulted}`);
      }
    };
    const polling = poll();
    const results = await runs.finally(() => (done = true));
    await polling;
    const fired = await faults.finish();
    const resources = await monitor.stop();
    countsLog.add({ atMs: Date.now() - startAt, reconnects: results.reduce((a, r) => a + r.reconnects, 0), errors: mergeErrors(results) });
    progress.update(totalSec);
    progress.stop();
    const wallMs = Date.now() - startAt;
    const cpu = process.cpuUsage(cpu0);
    const localNode = target.mode === 'in-process' ? { cpuPct: ((cpu.user + cpu.system) / 1000 / wallMs) * 100, rssMb: process.memoryUsage().rss / 2 ** 20 } : undefined;
    const auditLog = s.moderators === undefined ? {} : { auditLog: target.auditLog ?? 'unknown (a remote target)' };
    const result = buildResult(s, { url: target.urls.join(' '), local: target.mode !== 'remote', ...auditLog }, startAt, results, localNode);
    if (target.cluster !== undefined) result.cluster = target.cluster;
    result.resources = resources;
    if (s.faults !== undefined) result.faults = buildFaultReports(fired, result.timeline, s, countsLog);
    await mkdir(out, { recursive: true });
    const stem = join(out, `${s.name}-${new Date(startAt).toISOString().replace(/[:.]/g, '-')}`);
    const files = { json: `${stem}.json`, html: `${stem}.html` };
    await writeFile(files.json, JSON.stringify(result, null, 2) + '\n');
    await writeFile(files.html, renderHtml(result));
    process.stdout.write(renderSummary(result, files));
  } finally {
    progress.stop();
    await faults.finish();
    await monitor.stop();
    await Promise.all(children.map((c) => c.close()));
  }
}

/** Errors by code summed over the load processes. */
function mergeErrors(counts: readonly Pick<Counts, 'errors'>[]): Record<string, number> {
  const errors: Record<string, number> = {};
  for (const c of counts) for (const [code, n] of Object.entries(c.errors)) errors[code] = (errors[code] ?? 0) + n;
  return errors;
}
