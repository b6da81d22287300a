// The main thread while an embedded PostgreSQL (cluster/postgres) starts fresh and answers queries:
// the event loop's delay (what a gateway and Redis heartbeats on that thread would wait) and the
// time of 200 single-row inserts through the front. Not a scenario of bench/run.ts: a script, so
// that another build's dist can be measured beside this one in the same run.
//   node dist/bench/micro/embedded-pg-stall.js [--baseline /path/to/other/dist] [--rounds 3]
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import pg from 'pg';

interface Round {
  readyMs: number;
  insertsMs: number;
  loopDelayMaxMs: number;
  loopDelayP99Ms: number;
}

interface EmbeddedLike {
  url: string;
  ready: Promise<void>;
  stop(): Promise<void>;
}

async function round(dist: string): Promise<Round> {
  const mod = (await import(pathToFileURL(join(dist, 'cluster/postgres/index.js')).href)) as { EmbeddedPostgres: { start(o: { dataDir: string }): Promise<EmbeddedLike> } };
  const dir = mkdtempSync(join(tmpdir(), 'glass-pg-stall-'));
  const delay = monitorEventLoopDelay({ resolution: 10 });
  delay.enable();
  try {
    const t0 = performance.now();
    const db = await mod.EmbeddedPostgres.start({ dataDir: dir });
    await db.ready;
    const readyMs = performance.now() - t0;
    const client = new pg.Client({ connectionString: db.url });
    await client.connect();
    await client.query('CREATE TABLE t (id int, v text)');
    const q0 = performance.now();
    for (let i = 0; i < 200; i++) await client.query('INSERT INTO t VALUES ($1, $2)', [i, 'x'.repeat(100)]);
    const insertsMs = performance.now() - q0;
    await client.end();
    await db.stop();
    return { readyMs: Math.round(readyMs), insertsMs: Math.round(insertsMs), loopDelayMaxMs: Math.round(delay.max / 1e6), loopDelayP99Ms: Math.round(delay.percentile(99) / 1e6) };
  } finally {
    delay.disable();
    rmSync(dir, { recursive: true, force: true });
  }
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

const { values } = parseArgs({ options: { baseline: { type: 'string' }, rounds: { type: 'string', default: '3' } } });
const rounds = Math.max(1, Math.min(10, Number(values.rounds) || 3));
const here = resolve(fileURLToPath(new URL('../../', import.meta.url)));
const sides: [string, string][] = [['this build', here]];
if (values.baseline !== undefined) sides.push(['baseline', resolve(values.baseline)]);
const results = new Map<string, Round[]>(sides.map(([name]) => [name, []]));
// Interleaved, so that the machine's load falls on both sides alike.
for (let r = 0; r < rounds; r++) {
  for (const [name, dist] of sides) {
    const one = await round(dist);
    results.get(name)!.push(one);
    process.stderr.write(`round ${r + 1}/${rounds} ${name}: ${JSON.stringify(one)}\n`);
  }
}
console.log('| side | ready ms | 200 inserts ms | loop delay max ms | loop delay p99 ms |');
console.log('| --- | ---: | ---: | ---: | ---: |');
const summary: Record<string, Round> = {};
for (const [name, rs] of results) {
  const m: Round = { readyMs: median(rs.map((x) => x.readyMs)), insertsMs: median(rs.map((x) => x.insertsMs)), loopDelayMaxMs: median(rs.map((x) => x.loopDelayMaxMs)), loopDelayP99Ms: median(rs.map((x) => x.loopDelayP99Ms)) };
  summary[name] = m;
  console.log(`| ${name} | ${m.readyMs} | ${m.insertsMs} | ${m.loopDelayMaxMs} | ${m.loopDelayP99Ms} |`);
}
const base = summary.baseline;
const ours = summary['this build'];
console.log(JSON.stringify({ rounds, ...summary, ...(base === undefined ? {} : { insertsVsBaseline: +(ours.insertsMs / base.insertsMs).toFixed(2), loopDelayMaxVsBaseline: +(ours.loopDelayMaxMs / Math.max(1, base.loopDelayMaxMs)).toFixed(3) }) }));
