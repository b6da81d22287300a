// The runtime side of the turn scenario: a node on the game's defaults (turnServices: the narrator
// chain, the piscina rules pool, the safety registry, the turn graph in the workers; actor state in
// the memory store) and its uWS gateway on 127.0.0.1, in the bench's process; players are `ws`
// clients with access tokens the bench signs with a key pair of its own.
import { generateTokenKeyPair, signAccessToken, startGateway, type Gateway } from '../../clients/index.js';
import { MEMORY_STORE, defaultNodeOptions, turnServices, type NarratorConfig } from '../../cluster/index.js';
import { startNode, type GlassNode } from '../../runtime/node/index.js';
import { Latencies } from './latency.js';
import type { SideResult } from './side-result.js';
import { TurnPlayer, type PlayerSpec, type TurnTally } from './turn-player.js';

/** Long enough that no session is passivated during a run. */
const IDLE_AFTER_MS = 3_600_000;
const JOIN_TIMEOUT_MS = 60_000;
const TURN_TIMEOUT_MS = 30_000;
/** Players joining at once (each join is an upgrade, a token check and a session activation). */
const JOIN_CONCURRENCY = 50;

export interface RuntimeSide {
  readonly workers: number;
  /**
   * `sessions` sessions named `<prefix>-<i>`, one player each, joined first (not measured), then
   * every player takes `turns` turns one after another, all players at once.
   */
  run(prefix: string, sessions: number, turns: number, onTurn?: () => void): Promise<SideResult & { chunks: number }>;
  close(): Promise<void>;
}

export async function startRuntimeSide(options: { workers: number; narrator: NarratorConfig; maxConnections: number }): Promise<RuntimeSide> {
  const pair = generateTokenKeyPair();
  const node: GlassNode = await startNode(
    defaultNodeOptions({
      nodeId: `turn-${process.pid}`,
      workers: options.workers,
      store: MEMORY_STORE,
      idleAfterMs: IDLE_AFTER_MS,
      logLevel: process.env.BENCH_NODE_LOG_LEVEL ?? 'warn',
      // BENCH_BLOCKED_AFTER_MS (diagnosis only; 0: no watchdog) overrides the node's default watchdog limit.
      ...(process.env.BENCH_BLOCKED_AFTER_MS === undefined ? {} : { blockedAfterMs: Number(process.env.BENCH_BLOCKED_AFTER_MS) }),
      services: turnServices({ narrator: options.narrator }),
    }),
  );
  let gateway: Gateway;
  try {
    // The limits a bench would trip are raised: it measures turns, not the limiter (one player per
    // session takes a turn only after the last one is committed, so the frame rate stays low anyway).
    gateway = await startGateway({
      node,
      port: 0,
      host: '127.0.0.1',
      tokenKey: pair.publicKey,
      rateLimit: { burst: 1_000, perSecond: 1_000 },
      maxConnectionsPerIp: options.maxConnections + 10,
      creation: { policy: 'open', createsPerHour: 10_000 },
    });
  } catch (err) {
    await node.close();
    throw err;
  }
  const url = `ws://127.0.0.1:${gateway.port}/ws`;

  async function run(prefix: string, sessions: number, turns: number, onTurn: () => void = () => undefined): Promise<SideResult & { chunks: number }> {
    const tally: TurnTally = { committed: 0, failed: {}, chunks: 0, latency: new Latencies(), serverMs: new Latencies() };
    const players: TurnPlayer[] = [];
    try {
      for (let from = 0; from < sessions; from += JOIN_CONCURRENCY) {
        const batch: Promise<TurnPlayer>[] = [];
        for (let i = from; i < Math.min(sessions, from + JOIN_CONCURRENCY); i++) {
          const player = `${prefix}-p${i}`;
          const token = await signAccessToken(pair.privateKey, { player, character: `${player}-char`, roles: ['player'], ttlMs: 2 * 3_600_000 });
          const spec: PlayerSpec = { index: i, session: `${prefix}-${i}`, token };
          batch.push(TurnPlayer.join(url, spec, tally, JOIN_TIMEOUT_MS));
        }
        players.push(...(await Promise.all(batch)));
      }
      const started = performance.now();
      await Promise.all(players.map((p) => p.play(turns, TURN_TIMEOUT_MS, onTurn)));
      const wallMs = performance.now() - started;
      return { committed: tally.committed, failed: tally.failed, wallMs, latency: tally.latency, serverMs: tally.serverMs, chunks: tally.chunks };
    } finally {
      for (const p of players) p.close();
    }
  }

  return {
    workers: node.options.workers,
    run,
    async close() {
      await gateway.close();
      await node.close();
    },
  };
}
