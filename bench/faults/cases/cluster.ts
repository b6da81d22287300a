// Faults of a cluster: three `glass start` nodes on a redis-server of the suite's own (so that it
// can be restarted) and one CouchDB-protocol server for their actor state. Players on two nodes
// talk in rooms placed over all three; a node is SIGKILLed, Redis is killed and started again
// empty, and entries and RPCs are forged on Redis.
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { EnvelopeCodec, redisStreamKey, startEmbeddedCouch } from '../../../cluster/index.js';
import { Envelope, Lane } from '../../../runtime/index.js';
import { OwnRedisServer } from '../../support/redis-server.js';
import { Checks, type CaseContext, type FaultCase } from '../case.js';
import { GlassProcess } from '../support/glass-process.js';
import { tokenEnv } from '../support/keys.js';
import type { SuiteResources } from '../support/resources.js';
import { Talker, countLines, describeRefused } from '../support/talkers.js';
import { until } from '../support/wait.js';
import { WsPlayer } from '../support/ws-player.js';

let unique = 0;
const id = (label: string): string => `${label}-${Date.now().toString(36)}-${++unique}`;

interface Cluster {
  prefix: string;
  redis: OwnRedisServer;
  nodes: GlassProcess[];
}

async function startCluster(resources: SuiteResources, label: string): Promise<Cluster> {
  const dir = await mkdtemp(join(tmpdir(), `glass-faults-${label}-`));
  const [redis, couch] = await Promise.all([OwnRedisServer.start(), startEmbeddedCouch({ dataDir: join(dir, 'couch') })]);
  const prefix = `faults-${label}-${Date.now().toString(36)}`;
  // One cluster key for all three (each node's working directory is its own).
  const env = { ...tokenEnv(), REDIS_URL: redis.url, COUCHDB_URL: couch.url, GLASS_CLUSTER_KEY: randomBytes(32).toString('base64url') };
  const ids = ['n0', 'n1', 'n2'];
  const nodes = await Promise.all(ids.map((n) => GlassProcess.start(n, env, { args: ['--cluster', prefix, '--idle-ms', '3600000'] })));
  resources.onClose(async () => {
    await Promise.all(nodes.map((n) => n.stop()));
    await couch.close();
    await redis.dispose();
    await rm(dir, { recursive: true, force: true });
  });
  await Promise.all(
    nodes.map((n) => n.waitForLog((e) => Array.isArray(e.members) && ids.every((i) => (e.members as string[]).includes(i)) && (e.msg === 'cluster changed' || e.msg === 'node started'), 60_000)),
  );
  return { prefix, redis, nodes };
}

/** Talkers on nodes 0 and 1, `rooms` rooms. */
async function talkers(c: Cluster, label: string, rooms: number, maxLines: number): Promise<Talker[]> {
  const out: Talker[] = [];
  for (let i = 0; i < rooms; i++) {
    const node = c.nodes[i % 2];
    const p = await WsPlayer.connect(node.ws, id(`${label}-p${i}`));
    const room = id(`${label}-r${i}`);
    await p.join(room, 20_000);
    out.push(new Talker(p, room, maxLines).start());
  }
  return out;
}

async function eachAcknowledges(ts: Talker[], n: number, what: string, timeoutMs = 45_000): Promise<number> {
  const marks = ts.map((t) => t.acknowledged.length);
  const t0 = performance.now();
  await until(what, () => (ts.every((t, i) => t.acknowledged.length - marks[i] >= n || t.said >= t.maxLines) ? true : undefined), timeoutMs, 20);
  return Math.round(performance.now() - t0);
}

async function finish(node: GlassProcess, ts: Talker[], checks: Checks): Promise<{ lost: number; duplicated: number }> {
  await Promise.all(ts.map((t) => t.stop()));
  const reader = await WsPlayer.connect(node.ws, id('reader'));
  try {
    const c = await countLines(reader, ts);
    checks.see(`${c.acknowledged} lines acknowledged over ${ts.length} rooms, ${describeRefused(c.refused)}`);
    let answering = 0;
    for (const t of ts) if ((await reader.say(t.room, `after in ${t.room}`)) === 'said') answering++;
    checks.check(answering === ts.length, `${answering}/${ts.length} rooms answer afterwards`);
    return c;
  } finally {
    await reader.close();
    await Promise.all(ts.map((t) => t.client.close()));
  }
}

let shared: Promise<Cluster> | null = null;
/** One cluster for the forged-entries and Redis-restart cases; the node-kill case gets its own. */
function sharedCluster(ctx: CaseContext): Promise<Cluster> {
  return (shared ??= startCluster(ctx.resources, 'cluster'));
}

const nodeKill: FaultCase = {
  name: 'node-sigkill',
  expected: '3 nodes on Redis, players on two of them in rooms placed over all three; the third SIGKILLed: its rooms move, every acknowledged line is there once, every room answers',
  async run(ctx) {
    const c = await startCluster(ctx.resources, 'kill');
    const checks = new Checks();
    const ts = await talkers(c, 'nk', ctx.quick ? 6 : 12, ctx.quick ? 25 : 45);
    let recoveryMs: number | null = null;
    try {
      await eachAcknowledges(ts, 3, 'lines before the kill');
      ctx.note('SIGKILL n2');
      await c.nodes[2].kill();
      recoveryMs = await eachAcknowledges(ts, 2, 'lines after the kill', 60_000);
      checks.see('n2 SIGKILLed');
    } finally {
      const r = await finish(c.nodes[0], ts, checks);
      return checks.outcome({ ...r, recoveryMs });
    }
  },
};

const redisRestart: FaultCase = {
  name: 'redis-restart',
  expected: 'Redis killed and started again empty under cross-node traffic: the nodes reconnect and rejoin, every acknowledged line is there once, every room answers',
  async run(ctx) {
    const c = await sharedCluster(ctx);
    const checks = new Checks();
    const ts = await talkers(c, 'rr', ctx.quick ? 6 : 12, ctx.quick ? 25 : 45);
    let recoveryMs: number | null = null;
    try {
      await eachAcknowledges(ts, 3, 'lines before the restart');
      ctx.note('restarting Redis');
      const t0 = performance.now();
      await c.redis.stop();
      await c.redis.start();
      await eachAcknowledges(ts, 2, 'lines after the restart', 60_000);
      recoveryMs = Math.round(performance.now() - t0);
      checks.see(`redis-server on ${c.redis.port} SIGKILLed and started again empty`);
    } finally {
      const r = await finish(c.nodes[0], ts, checks);
      return checks.outcome({ ...r, recoveryMs });
    }
  },
};

const forged: FaultCase = {
  name: 'forged-redis',
  expected: 'a forged XADD of a say as another player into a node stream, and a bare PUBLISH of crash-worker on the ops RPC channel: dead-lettered (logged, counted), never delivered, never acted on',
  async run(ctx) {
    const c = await sharedCluster(ctx);
    const checks = new Checks();
    const target = c.nodes[1];
    const admin = new Redis(c.redis.url, { maxRetriesPerRequest: 2 });
    const witness = await WsPlayer.connect(target.ws, id('witness'));
    try {
      const room = id('forged-room');
      await witness.join(room, 20_000);
      const n = ctx.quick ? 3 : 30;
      const from = target.entries.length;
      const codec = new EnvelopeCodec();
      const stream = redisStreamKey(c.prefix, target.name);
      for (let i = 0; i < n; i++) {
        const e = new Envelope(`room:${room}`, 'gateway:n0', 1_000 + i, 0, { type: 'say', player: 'victim', text: `forged line ${i}` }, undefined, Lane.USER, -1, 0, 0);
        const record = codec.encode(e);
        await admin.xadd(stream, '*', 's', 'n0', 'e', codec.join([record], record.length));
        await admin.publish(`${c.prefix}:ops:rpc:${target.name}`, JSON.stringify({ t: 'req', id: `x${i}`, from: 'n0', body: { action: 'crash-worker', node: target.name, thread: 1 } }));
      }
      const refused = await until('the forged entries refused', () => {
        const k = target.entries.slice(from).filter((e) => e.msg === 'stream entry failed verification: acknowledged, deleted, not delivered').length;
        return k >= n ? k : undefined;
      }, 20_000).catch(() => target.entries.slice(from).filter((e) => e.msg === 'stream entry failed verification: acknowledged, deleted, not delivered').length);
      checks.check(refused === n, `${refused}/${n} forged entries refused (dead-lettered and logged)`);
      // A genuine line after them: the forged ones were never delivered to the room.
      const genuine = await witness.say(room, 'the genuine line');
      checks.check(genuine === 'said', `a genuine line is acknowledged${genuine === 'said' ? '' : ` (got ${genuine})`}`);
      const history = (await witness.join(room)).history as { text: string }[];
      const leaked = history.filter((l) => l.text.startsWith('forged line')).length;
      checks.check(leaked === 0, `${leaked} forged lines in the room`);
      checks.check(target.count((e) => e.msg === 'worker restarted' || e.msg === 'worker died; restarting') === 0, `no worker crashed by the ${n} forged RPCs`);
      checks.check(target.running, 'the node runs');
      return checks.outcome({ lost: 0, duplicated: leaked });
    } finally {
      admin.disconnect();
      await witness.close();
    }
  },
};

export const CLUSTER_CASES: FaultCase[] = [forged, redisRestart, nodeKill];
