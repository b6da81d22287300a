// `glass bench run --local --nodes N` (N ≥ 2): a private cluster on this machine — a redis-server
// of its own on a free port, one CouchDB-protocol server (the embedded one, in a temporary data
// directory) for every node's actor state, and N `glass start` processes, each with its own
// gateway on a free port of 127.0.0.1, sharing a fresh random key. The store is the harness's, not
// a node's (as `glass start` alone would do), so that any node can be killed without taking the
// state of the others with it.
import { randomBytes, type KeyObject } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateTokenKeyPair, publicKeyPem } from '../../../clients/index.js';
import { startEmbeddedCouch, type EmbeddedCouch } from '../../../cluster/index.js';
import { OwnRedisServer } from '../../support/redis-server.js';
import { GlassNodeProcess } from './glass-node-process.js';

export interface LocalClusterOptions {
  nodes: number;
  workers: number;
  /** How long a node may take to listen, and the cluster to converge (default 60 s). */
  startTimeoutMs?: number;
  /** Variables every node gets on top (e.g. the audit log's GLASS_PG_URL and GLASS_PG_SCHEMA). */
  env?: Record<string, string>;
}

/** Long enough that no room is passivated during a run. */
const IDLE_AFTER_MS = 3_600_000;
/** Bound on a node's graceful stop at the end (SIGTERM, then SIGKILL). */
const STOP_TIMEOUT_MS = 5_000;
/** Variables of the caller that must not reach the nodes: the private cluster's own take their place. */
const NOT_PASSED = ['GLASS_PG_URL', 'DATABASE_URL', 'GLASS_NODE_ID', 'GLASS_CLUSTER', 'PORT', 'HOST', 'GLASS_WORKERS', 'GLASS_TOKEN_SECRET_FILE', 'GLASS_TOKEN_PUBLIC_KEY_FILE', 'GLASS_TOKEN_PRIVATE_KEY_FILE', 'GLASS_IDLE_MS'];

/** Clusters not yet closed: their node processes are killed if this process exits first. */
const open = new Set<LocalCluster>();
process.once('exit', () => {
  for (const c of open) c.killNow();
});

export class LocalCluster {
  readonly ids: string[];
  readonly key: KeyObject;
  readonly redis: OwnRedisServer;
  readonly couch: EmbeddedCouch;
  readonly nodes: GlassNodeProcess[];
  readonly #dir: string;
  #urls: string[] = [];
  #closing: Promise<void> | null = null;

  private constructor(dir: string, key: KeyObject, redis: OwnRedisServer, couch: EmbeddedCouch, nodes: GlassNodeProcess[]) {
    this.#dir = dir;
    this.key = key;
    this.redis = redis;
    this.couch = couch;
    this.nodes = nodes;
    this.ids = nodes.map((n) => n.id);
    open.add(this);
  }

  /** Starts everything and resolves once every node listens and sees every other; tears down what started on failure. */
  static async start(options: LocalClusterOptions): Promise<LocalCluster> {
    const timeoutMs = options.startTimeoutMs ?? 60_000;
    const dir = await mkdtemp(join(tmpdir(), 'glass-bench-cluster-'));
    let redis: OwnRedisServer | null = null;
    let couch: EmbeddedCouch | null = null;
    let cluster: LocalCluster | null = null;
    try {
      [redis, couch] = await Promise.all([OwnRedisServer.start(), startEmbeddedCouch({ dataDir: join(dir, 'couch') })]);
      // The nodes verify with the public key (GLASS_TOKEN_PUBLIC_KEY); the harness signs with the
      // private one; GLASS_TOKEN_SECRET is the nodes' shared resume-token secret.
      const secret = randomBytes(32).toString('base64url');
      const pair = generateTokenKeyPair();
      const key = pair.privateKey;
      const env: NodeJS.ProcessEnv = { ...process.env, REDIS_URL: redis.url, COUCHDB_URL: couch.url, GLASS_TOKEN_SECRET: secret, GLASS_TOKEN_PUBLIC_KEY: publicKeyPem(pair.publicKey), LOG_LEVEL: 'info' };
      for (const name of NOT_PASSED) delete env[name];
      Object.assign(env, options.env);
      const clusterName = `bench-${Date.now().toString(36)}`;
      const nodes = Array.from({ length: options.nodes }, (_, i) => {
        const args = ['--port', '0', '--host', '127.0.0.1', '--workers', String(options.workers), '--cluster', clusterName, '--idle-ms', String(IDLE_AFTER_MS)];
        return new GlassNodeProcess(`node-${i}`, args, { ...env, GLASS_DATA_DIR: join(dir, `node-${i}`) });
      });
      cluster = new LocalCluster(dir, key, redis, couch, nodes);
      const ports = await Promise.all(nodes.map((n) => n.listening(timeoutMs)));
      cluster.#urls = ports.map((p) => `ws://127.0.0.1:${p}/ws`);
      await Promise.all(nodes.map((n) => n.seesMembers(cluster!.ids, timeoutMs)));
      return cluster;
    } catch (err) {
      if (cluster !== null) await cluster.close();
      else {
        await couch?.close();
        await redis?.dispose();
        await rm(dir, { recursive: true, force: true });
      }
      throw err;
    }
  }

  /** Each node's gateway, in node order. */
  get urls(): string[] {
    return this.#urls;
  }

  /** SIGKILL of node `i`; resolves once the process is gone. */
  async killNode(i: number): Promise<string> {
    const node = this.nodes[i];
    const pid = node.pid;
    await node.kill();
    return `SIGKILL ${node.id} (pid ${pid})`;
  }

  /** Redis killed (SIGKILL: it keeps nothing, like the machine's) and started again, empty, on the same port after `downMs`. */
  async restartRedis(downMs: number): Promise<string> {
    const before = performance.now();
    await this.redis.stop();
    if (downMs > 0) await new Promise((resolve) => setTimeout(resolve, downMs));
    await this.redis.start();
    return `redis-server on port ${this.redis.port} killed and answering again after ${Math.round(performance.now() - before)} ms`;
  }

  /** Stops the nodes (drain, bounded), the store and Redis, and removes the temporary directory. Idempotent. */
  close(): Promise<void> {
    this.#closing ??= (async () => {
      await Promise.all(this.nodes.map((n) => n.stop(STOP_TIMEOUT_MS)));
      await this.couch.close();
      await this.redis.dispose();
      await rm(this.#dir, { recursive: true, force: true });
      open.delete(this);
    })();
    return this.#closing;
  }

  /** SIGKILL of every node at once, without waiting (an exit hook: Redis and the store have their own). */
  killNow(): void {
    for (const n of this.nodes) n.killNow();
  }
}
