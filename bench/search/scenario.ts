// `npm run bench -- search`: index a corpus of lore and transcripts into the PostgreSQL SearchIndex
// (embedded PGlite or the server), then time a mix of queries one after another.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { EmbeddedPostgres, PgSearchIndex } from '../../cluster/index.js';
import type { Progress } from '../support/progress.js';
import type { ScenarioResult } from '../support/report.js';
import type { OptionValues, Scenario } from '../support/scenario.js';
import { Lcg, benchDocument, benchQuery } from './search-corpus.js';

const P99_GOAL_MS = 200;
/** Committed turns a second in the `turn` bench (bench/RESULTS.md, pace 0, 200 sessions on 2 workers): each is one transcript document to index. */
export const TURN_BENCH_RATE = 121;

export const search: Scenario = {
  name: 'search',
  summary: `search on PostgreSQL: index lore and transcripts in batches, then one turn's document at a time, then time a mix of queries (goal: p99 < ${P99_GOAL_MS} ms; one-at-a-time indexing ≥ ${TURN_BENCH_RATE} docs/s, the turn bench's rate)`,
  options: {
    docs: { kind: 'int', default: 50_000, min: 100, max: 1_000_000, description: 'documents indexed (one in five lore, the rest transcript turns)' },
    queries: { kind: 'int', default: 600, min: 10, max: 100_000, description: 'queries timed, one after another' },
    single: { kind: 'int', default: 300, min: 10, max: 100_000, description: 'documents then indexed one per call, as the indexer does per turn' },
    backend: { kind: 'choice', default: 'pglite', choices: ['pglite', 'postgres'], description: 'the embedded PostgreSQL (PGlite, cluster/postgres, in this process) or the server at GLASS_PG_URL (default postgres://postgres@127.0.0.1:5432/test)' },
  },
  run: runSearch,
};

async function runSearch(options: OptionValues, progress: Progress): Promise<ScenarioResult> {
  const docs = options.docs as number;
  const backend = options.backend as 'pglite' | 'postgres';
  const schema = `glass_bench_search_${process.pid}`;
  let embedded: { pg: EmbeddedPostgres; dir: string } | null = null;
  let url: string;
  if (backend === 'pglite') {
    // The node's embedded PostgreSQL (cluster/postgres), in this process, on a fresh directory.
    progress.begin('starting PGlite', 1);
    const dir = mkdtempSync(join(tmpdir(), 'glass-bench-search-'));
    embedded = { pg: await EmbeddedPostgres.start({ dataDir: dir }), dir };
    await embedded.pg.ready;
    url = embedded.pg.url;
  } else {
    url = process.env.GLASS_PG_URL || 'postgres://postgres@127.0.0.1:5432/test';
  }
  const index = new PgSearchIndex({ url, schema, backend, ...(backend === 'pglite' && { poolSize: 1 }) });
  try {
    await index.ready();
    const rng = new Lcg(16);
    const batch = 500;
    progress.begin('indexing', docs);
    const t0 = performance.now();
    for (let i = 0; i < docs; i += batch) {
      const chunk = [];
      for (let j = i; j < Math.min(docs, i + batch); j++) chunk.push(benchDocument(rng, j, docs));
      await index.upsert(chunk);
      progress.update(Math.min(docs, i + batch));
    }
    const indexSec = (performance.now() - t0) / 1000;
    const single = options.single as number;
    progress.begin('one at a time', single);
    const t1 = performance.now();
    for (let i = 0; i < single; i++) {
      await index.upsert([benchDocument(rng, docs + i, docs)]);
      progress.tick();
    }
    const singleSec = (performance.now() - t1) / 1000;
    const queries = options.queries as number;
    const latencies: number[] = [];
    let hits = 0;
    progress.begin('querying', queries);
    for (let i = 0; i < queries; i++) {
      const q = benchQuery(rng, i);
      const start = performance.now();
      hits += (await index.search(q)).length;
      latencies.push(performance.now() - start);
      progress.tick();
    }
    progress.stop();
    latencies.sort((a, b) => a - b);
    const at = (p: number): number => round(latencies[Math.min(latencies.length - 1, Math.floor(p * latencies.length))]);
    const total = docs + single;
    const indexDocsPerSec = round(docs / indexSec);
    const singleDocsPerSec = round(single / singleSec);
    const p50Ms = at(0.5);
    const p99Ms = at(0.99);
    const goalMet = p99Ms < P99_GOAL_MS && singleDocsPerSec >= TURN_BENCH_RATE;
    return {
      figures: { scenario: 'search', docs: total, indexDocsPerSec, p50Ms, p99Ms, backend, singleDocsPerSec, turnRate: TURN_BENCH_RATE, maxMs: round(latencies.at(-1)!), meanHits: round(hits / queries) },
      goal: `p99 < ${P99_GOAL_MS} ms, one-at-a-time indexing ≥ ${TURN_BENCH_RATE} docs/s`,
      goalMet,
      table: {
        head: ['figure', 'value'],
        rows: [['documents', total], ['batch indexing docs/s', indexDocsPerSec], ['one-at-a-time docs/s', singleDocsPerSec], ['query p50 ms', p50Ms], ['query p99 ms', p99Ms], ['mean hits', round(hits / queries)]],
      },
      bars: [{ label: 'p50 ms', value: p50Ms }, { label: 'p99 ms', value: p99Ms }, { label: 'goal ms', value: P99_GOAL_MS }],
      unit: 'ms',
    };
  } finally {
    await index.close();
    if (embedded !== null) {
      await embedded.pg.stop();
      rmSync(embedded.dir, { recursive: true, force: true });
    }
    else await dropSchema(url, schema);
  }
}

async function dropSchema(url: string, schema: string): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
  } finally {
    await client.end();
  }
}

function round(n: number): number {
  return Math.round(n * 100) / 100;
}
