// `glass bench run | compare` (docs/LOAD.md): drives a scenario file's players against a gateway
// from forked load processes, then reports (terminal table, JSON, HTML with SVG plots).
import { access, mkdir, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { resolveTokenSecret, signAccessToken } from '../../clients/index.js';
import { ErrorCodes, GlassError } from '../../runtime/index.js';
import { BenchChild } from '../child-process.js';
import { createProgress } from '../progress.js';
import { readResultSummary, renderComparison } from './compare.js';
import { renderHtml } from './html-report.js';
import { startAuditedLocalTarget, type AuditedLocalTarget } from './local-audited-target.js';
import type { Counts, RunArgs, RunResult } from './player-process.js';
import type { PlayerSpec } from './player.js';
import { buildResult } from './result.js';
import { readScenarioFile, type LoadScenario } from './scenario-file.js';
import { renderSummary } from './summary-table.js';
import { trafficArgs } from './traffic-fields.js';
import { moderationTargets, moderatorPlan, sessionOf } from './traffic-plan.js';
import { BENCH_USAGE } from './usage.js';


const PLAYER_PROCESS = fileURLToPath(new URL('./player-process.js', import.meta.url));
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
      options: { url: { type: 'string' }, 'token-secret-file': { type: 'string' }, local: { type: 'boolean' }, workers: { type: 'string' }, out: { type: 'string' } },
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
  let scenario: LoadScenario;
  try {
    scenario = await readScenarioFile(positionals[0]);
  } catch (err) {
    throw usage((err as Error).message);
  }
  const out = resolve(values.out ?? DEFAULT_OUT);

  let local: AuditedLocalTarget | null = null;
  let url: string;
  let key: Uint8Array;
  if (values.local === true) {
    // Overrides are refused by a node without an audit log: with moderators, --local gets one.
    local = await startAuditedLocalTarget({ workers, audit: scenario.moderators !== undefined }, env);
    url = local.url;
    key = local.key;
  } else {
    url = values.url!;
    key = await remoteKey(values['token-secret-file'], env);
  }
  try {
    await runScenario(scenario, { url, key, local: local !== null, out, ...(scenario.moderators === undefined ? {} : { auditLog: local?.auditLog ?? 'unknown (a remote target)' }) });
    return 0;
  } finally {
    await local?.close();
  }
}

/** The cluster's key, from --token-secret-file (which must exist: a load tool creates no key) or GLASS_TOKEN_SECRET. */
async function remoteKey(file: string | undefined, env: NodeJS.ProcessEnv): Promise<Uint8Array> {
  if (file !== undefined) {
    await access(file).catch(() => {
      throw usage(`--token-secret-file ${file} does not exist`);
    });
    return (await resolveTokenSecret({ GLASS_TOKEN_SECRET_FILE: file })).key;
  }
  if (env.GLASS_TOKEN_SECRET === undefined || env.GLASS_TOKEN_SECRET === '') throw usage('with --url, give the key that signs tokens: --token-secret-file F or GLASS_TOKEN_SECRET');
  return (await resolveTokenSecret({ GLASS_TOKEN_SECRET: env.GLASS_TOKEN_SECRET })).key;
}

/** Player i is in room i mod rooms; room r is in load process r mod loadProcesses; player i connects at i / players of the ramp-up. */
async function playerPlan(s: LoadScenario, key: Uint8Array, runId: string): Promise<PlayerSpec[][]> {
  const ttlMs = s.durationMs + s.drainMs + 3_600_000;
  const plan: PlayerSpec[][] = Array.from({ length: s.loadProcesses }, () => []);
  for (let i = 0; i < s.players; i++) {
    const r = i % s.rooms;
    const player = `bench-${runId}-p${i}`;
    const token = await signAccessToken(key, { player, character: `${player}-c`, roles: ['player'], ttlMs });
    plan[r % s.loadProcesses].push({ player, room: `bench-${runId}-r${r}`, ...sessionOf(s, runId, i), token, offsetMs: Math.floor((s.rampUpMs * i) / s.players) });
  }
  return plan;
}

async function runScenario(s: LoadScenario, target: { url: string; key: Uint8Array; local: boolean; out: string; auditLog?: string }): Promise<void> {
  const runId = Date.now().toString(36);
  const plan = await playerPlan(s, target.key, runId);
  const moderators = await moderatorPlan(s, target.key, runId, s.durationMs + s.drainMs + 3_600_000);
  const targets = moderationTargets(s, runId);
  const children = plan.map((_, i) => new BenchChild(`load-${i}`, PLAYER_PROCESS));
  const progress = createProgress(`glass bench ${s.name}`);
  try {
    await Promise.all(children.map((c, i) => c.request('prepare', { url: target.url, players: plan[i], moderators: moderators[i], targets })));
    const startAt = Date.now() + START_DELAY_MS;
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
        const counts = await Promise.all(children.map((c) => c.request<Counts>('progress', {}, 5_000))).catch(() => null);
        if (counts === null) continue;
        const sum = (k: 'sent' | 'delivered' | 'ready' | 'reconnects'): number => counts.reduce((a, c) => a + c[k], 0);
        const errors = counts.reduce((a, c) => a + Object.values(c.errors).reduce((x, n) => x + n, 0), 0);
        progress.update(Math.min(totalSec, Math.floor((Date.now() - startAt) / 1000)), `players ${sum('ready')}/${s.players} sent ${sum('sent')} heard ${sum('delivered')} reconnects ${sum('reconnects')} errors ${errors}`);
      }
    };
    const polling = poll();
    const results = await runs.finally(() => (done = true));
    await polling;
    progress.update(totalSec);
    progress.stop();
    const wallMs = Date.now() - startAt;
    const cpu = process.cpuUsage(cpu0);
    const localNode = target.local ? { cpuPct: ((cpu.user + cpu.system) / 1000 / wallMs) * 100, rssMb: process.memoryUsage().rss / 2 ** 20 } : undefined;
    const result = buildResult(s, { url: target.url, local: target.local, ...(target.auditLog === undefined ? {} : { auditLog: target.auditLog }) }, startAt, results, localNode);
    await mkdir(target.out, { recursive: true });
    const stem = join(target.out, `${s.name}-${new Date(startAt).toISOString().replace(/[:.]/g, '-')}`);
    const files = { json: `${stem}.json`, html: `${stem}.html` };
    await writeFile(files.json, JSON.stringify(result, null, 2) + '\n');
    await writeFile(files.html, renderHtml(result));
    process.stdout.write(renderSummary(result, files));
  } finally {
    progress.stop();
    await Promise.all(children.map((c) => c.close()));
  }
}
