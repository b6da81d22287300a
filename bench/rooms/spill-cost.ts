// What one room spill costs the archive on files: `node dist/bench/rooms/spill-cost.js [spills] [dist]`
// writes `spills` chunks of 50 room lines through writeChunk (as actors/archive-spill.ts does, older
// versions erased) into a fresh FsObjectStore under the OS temp directory, 40 rooms at a time as the
// rooms bench's 40 rooms spill, first to new keys, then the same keys again (what the bench does
// after its first run: its rooms restart at seq 0 in the memory store, the archive's files stay).
// It prints the process CPU and wall time per spill for each pass. `dist` (default: this tree's)
// names another build to measure, e.g. /work/main/dist, for a same-run comparison.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

const ROOMS = 40;
const LINES = 50;

interface Build {
  createFsObjectStore(options: { dir: string }): { close(): Promise<void> };
  writeChunk(store: unknown, chunk: unknown, eraseOlder: boolean): Promise<string>;
}

async function load(dist: string | undefined): Promise<Build> {
  const base = dist === undefined ? new URL('../../', import.meta.url) : pathToFileURL(resolve(dist) + '/');
  const cluster = (await import(new URL('cluster/index.js', base).href)) as Pick<Build, 'createFsObjectStore'>;
  const actors = (await import(new URL('actors/index.js', base).href)) as Pick<Build, 'writeChunk'>;
  return { createFsObjectStore: cluster.createFsObjectStore, writeChunk: actors.writeChunk };
}

function chunk(room: number, n: number) {
  const first = n * LINES + 1;
  const items = Array.from({ length: LINES }, (_, i) => Object.freeze({ seq: first + i, from: `p${room * 10 + (i % 10)}`, text: 'x'.repeat(64), at: 1_700_000_000_000 + i }));
  return { v: 1, kind: 'room', id: `room-${room}`, first, last: first + LINES - 1, items };
}

async function pass(build: Build, store: unknown, spills: number): Promise<{ cpuUs: number; wallUs: number }> {
  const cpu = process.cpuUsage();
  const t0 = performance.now();
  // Each room spills one chunk at a time (its next waits for the last), the rooms side by side.
  await Promise.all(
    Array.from({ length: ROOMS }, async (_, room) => {
      for (let n = 0; n < spills / ROOMS; n++) await build.writeChunk(store, chunk(room, n), true);
    }),
  );
  const used = process.cpuUsage(cpu);
  return { cpuUs: (used.user + used.system) / spills, wallUs: ((performance.now() - t0) * 1000) / spills };
}

const spills = Number(process.argv[2] ?? 800);
const build = await load(process.argv[3]);
const dir = await mkdtemp(join(tmpdir(), 'glass-spill-cost-'));
try {
  const store = build.createFsObjectStore({ dir });
  const fresh = await pass(build, store, spills);
  const again = await pass(build, store, spills);
  await store.close();
  console.log(JSON.stringify({ spills, dist: process.argv[3] ?? 'this tree', freshCpuUsPerSpill: Math.round(fresh.cpuUs), freshWallUsPerSpill: Math.round(fresh.wallUs), rewriteCpuUsPerSpill: Math.round(again.cpuUs), rewriteWallUsPerSpill: Math.round(again.wallUs) }));
} finally {
  await rm(dir, { recursive: true, force: true });
}
