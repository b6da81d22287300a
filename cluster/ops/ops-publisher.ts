import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import { GlassError, nonEmptyStringOption } from '../../runtime/index.js';
import { OpsPublisherErrors } from './ops-publisher-errors.js';
import { clusterKeyFrom, type ClusterKey, type ClusterKeyInput } from '../cluster-key.js';
import { openRedis } from '../redis-connection.js';

export { OpsPublisherErrors };

export interface OpsPublisherOptions {
  redisUrl: string;
  /** The cluster's key prefix (as for startClusterNode). */
  prefix: string;
  nodeId: string;
  /** A published report expires after this long without a new one. Default 5,000 ms. */
  ttlMs?: number;
  /** How long a request to another node waits for its answer. Default 5,000 ms. */
  requestTimeoutMs?: number;
  /** Reports, requests and answers are signed and verified with it; default: the configured cluster key (see cluster-key.ts). */
  clusterKey?: ClusterKeyInput;
  /** A signed message older than this (or this far ahead: clocks) is refused as a replay. Default 10,000 ms. */
  maxAgeMs?: number;
  /** Told of every message refused (bad or missing MAC, too old, replayed): never handed to the handler. */
  onRejected?: (where: string, reason: OpsRejectReason) => void;
}

export type OpsRejectReason = 'unsigned' | 'bad-mac' | 'stale' | 'replayed';

/** What the requesting node says about a request, besides its body. */
export interface OpsRequestMeta {
  /** The node that sent it (covered by the MAC). */
  from: string;
  /** The operator's token, when the caller passed one: the acting node verifies and audits it. */
  token?: string;
}

/** Answers ops requests other nodes address to this one; a thrown GlassError's code goes back. */
export type OpsRequestHandler = (body: unknown, meta: OpsRequestMeta) => Promise<unknown>;

/**
 * The signed form of every report and pub/sub message: `{ ts, p, mac }`, where `p` is the JSON
 * text of the message, `ts` when it was signed (ms since the epoch), and `mac` the cluster key's
 * HMAC over (context, where — the report key or the channel —, ts, p), base64. The place is signed
 * so that a report or request cannot be moved to another node's key or channel.
 */
const OPS_MAC_CONTEXT = 'glass-ops/1';

interface Pending {
  resolve: (value: unknown) => void;
  reject: (err: Error) => void;
  timer: NodeJS.Timeout;
}

/**
 * A node's ops presence on the cluster's Redis: it publishes its ops report under
 * `<prefix>:ops:report:<node>` with a TTL (a node that stops publishing disappears), reads the
 * reports of the members, and carries requests (expand a worker, search, actions) to the node that
 * holds the actors over pub/sub (`<prefix>:ops:rpc:<node>`): ops requests are answered or time out,
 * they are never queued for later.
 */
export class OpsPublisher {
  readonly nodeId: string;
  readonly #prefix: string;
  readonly #ttlMs: number;
  readonly #timeoutMs: number;
  readonly #cmd: Redis;
  readonly #sub: Redis;
  readonly #pending = new Map<string, Pending>();
  readonly #key: ClusterKey;
  readonly #maxAgeMs: number;
  readonly #onRejected: OpsPublisherOptions['onRejected'];
  /** Request ids seen within the age window: a request replayed inside it is refused too. */
  readonly #seen = new Map<string, number>();
  /** Messages and reports refused (bad or missing MAC, stale, replayed). */
  rejected = 0;
  #handler: OpsRequestHandler | null = null;
  #closed = false;

  private constructor(o: OpsPublisherOptions) {
    this.nodeId = o.nodeId;
    this.#prefix = o.prefix;
    this.#ttlMs = o.ttlMs ?? 5_000;
    this.#timeoutMs = o.requestTimeoutMs ?? 5_000;
    this.#key = clusterKeyFrom(o.clusterKey);
    this.#maxAgeMs = o.maxAgeMs ?? 10_000;
    this.#onRejected = o.onRejected;
    const options = { lazyConnect: true, maxRetriesPerRequest: 2, enableOfflineQueue: true };
    this.#cmd = openRedis(o.redisUrl, options);
    this.#sub = openRedis(o.redisUrl, options);
    // Connection errors are retried by ioredis; they must not crash the process (the URL, which
    // may hold a password, is never logged here).
    this.#cmd.on('error', () => {});
    this.#sub.on('error', () => {});
  }

  static async start(options: OpsPublisherOptions): Promise<OpsPublisher> {
    for (const name of ['redisUrl', 'prefix', 'nodeId'] as const) {
      nonEmptyStringOption(name, options[name], name === 'redisUrl' ? '[redacted]' : options[name]);
    }
    const p = new OpsPublisher(options);
    await Promise.all([p.#cmd.connect(), p.#sub.connect()]);
    p.#sub.on('message', (channel: string, raw: string) => p.#onMessage(channel, raw));
    await p.#sub.subscribe(p.#channel(p.nodeId));
    return p;
  }

  /** Answers requests addressed to this node. */
  serve(handler: OpsRequestHandler): void {
    this.#handler = handler;
  }

  async publish(report: unknown): Promise<void> {
    if (this.#closed) return;
    const key = this.#reportKey(this.nodeId);
    await this.#cmd.set(key, this.#sign(key, report), 'PX', this.#ttlMs);
  }

  /** The latest report of each given node that has one (parsed JSON), by node id. */
  async read(nodeIds: readonly string[]): Promise<Map<string, unknown>> {
    const out = new Map<string, unknown>();
    if (nodeIds.length === 0 || this.#closed) return out;
    const values = await this.#cmd.mget(...nodeIds.map((id) => this.#reportKey(id)));
    values.forEach((raw, i) => {
      if (raw === null) return;
      // A report cut short, foreign, unsigned or stale: treated as missing (and counted).
      const report = this.#open(this.#reportKey(nodeIds[i]), raw);
      if (report !== undefined) out.set(nodeIds[i], report);
    });
    return out;
  }

  /** Sends a request to another node's handler and resolves with its answer; `token` (the operator's) travels with it. */
  async request(nodeId: string, body: unknown, timeoutMs = this.#timeoutMs, token?: string): Promise<unknown> {
    if (this.#closed) throw new GlassError(OpsPublisherErrors.UNREACHABLE, 'the ops publisher is closed');
    const id = randomUUID();
    const answer = new Promise<unknown>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#pending.delete(id);
        reject(new GlassError(OpsPublisherErrors.TIMEOUT, `node ${nodeId} did not answer within ${timeoutMs} ms`, { node: nodeId }));
      }, timeoutMs);
      this.#pending.set(id, { resolve, reject, timer });
    });
    const channel = this.#channel(nodeId);
    const message = token === undefined ? { t: 'req', id, from: this.nodeId, body } : { t: 'req', id, from: this.nodeId, body, token };
    const listeners = await this.#cmd.publish(channel, this.#sign(channel, message));
    if (listeners === 0) {
      const p = this.#pending.get(id);
      this.#pending.delete(id);
      if (p !== undefined) {
        clearTimeout(p.timer);
        p.reject(new GlassError(OpsPublisherErrors.UNREACHABLE, `node ${nodeId} is not reachable for ops requests`, { node: nodeId }));
      }
    }
    return answer;
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    for (const p of this.#pending.values()) {
      clearTimeout(p.timer);
      p.reject(new GlassError(OpsPublisherErrors.UNREACHABLE, 'the ops publisher closed'));
    }
    this.#pending.clear();
    await this.#cmd.del(this.#reportKey(this.nodeId)).catch(() => 0);
    this.#sub.disconnect();
    this.#cmd.disconnect();
  }

  #onMessage(channel: string, raw: string): void {
    type Message = { t?: unknown; id?: unknown; from?: unknown; body?: unknown; token?: unknown; ok?: unknown; value?: unknown; error?: { code?: unknown; message?: unknown } };
    const msg = this.#open(channel, raw) as Message | undefined;
    if (msg === undefined || msg === null || typeof msg !== 'object') return;
    if (typeof msg.id !== 'string') return;
    if (msg.t === 'rep') {
      const p = this.#pending.get(msg.id);
      if (p === undefined) return;
      this.#pending.delete(msg.id);
      clearTimeout(p.timer);
      if (msg.ok === true) return p.resolve(msg.value);
      const code = typeof msg.error?.code === 'string' ? msg.error.code : OpsPublisherErrors.REMOTE_FAILED;
      p.reject(new GlassError(code, typeof msg.error?.message === 'string' ? msg.error.message : 'remote ops request failed'));
      return;
    }
    if (msg.t === 'req' && typeof msg.from === 'string') {
      // Signed and fresh, but seen already: the same request replayed within the window.
      if (this.#seen.has(msg.id)) return this.#reject(channel, 'replayed');
      this.#seen.set(msg.id, Date.now());
      const meta: OpsRequestMeta = typeof msg.token === 'string' ? { from: msg.from, token: msg.token } : { from: msg.from };
      void this.#answer(msg.id, meta, msg.body);
    }
  }

  /** The signed text of `message` for `where` (a report key or a channel). */
  #sign(where: string, message: unknown): string {
    const p = JSON.stringify(message);
    const ts = Date.now();
    return JSON.stringify({ ts, p, mac: this.#key.mac(OPS_MAC_CONTEXT, where, String(ts), p).toString('base64') });
  }

  /** The message signed for `where`, parsed; undefined (counted, reported) when it is not signed with the cluster key, or stale. */
  #open(where: string, raw: string): unknown {
    let signed: { ts?: unknown; p?: unknown; mac?: unknown };
    try {
      signed = JSON.parse(raw);
    } catch {
      return this.#reject(where, 'unsigned');
    }
    if (signed === null || typeof signed !== 'object' || typeof signed.ts !== 'number' || typeof signed.p !== 'string' || typeof signed.mac !== 'string') {
      return this.#reject(where, 'unsigned');
    }
    if (!this.#key.verify(Buffer.from(signed.mac, 'base64'), OPS_MAC_CONTEXT, where, String(signed.ts), signed.p)) return this.#reject(where, 'bad-mac');
    const now = Date.now();
    if (Math.abs(now - signed.ts) > this.#maxAgeMs) return this.#reject(where, 'stale');
    this.#forgetSeen(now);
    try {
      return JSON.parse(signed.p);
    } catch {
      return this.#reject(where, 'unsigned');
    }
  }

  #reject(where: string, reason: OpsRejectReason): undefined {
    this.rejected++;
    this.#onRejected?.(where, reason);
    return undefined;
  }

  /** Ids older than the window need no memory: a replay of them is stale. */
  #forgetSeen(now: number): void {
    for (const [id, at] of this.#seen) {
      if (now - at <= 2 * this.#maxAgeMs) break;
      this.#seen.delete(id);
    }
  }

  async #answer(id: string, meta: OpsRequestMeta, body: unknown): Promise<void> {
    const from = meta.from;
    let reply: object;
    try {
      if (this.#handler === null) throw new GlassError(OpsPublisherErrors.UNREACHABLE, `node ${this.nodeId} serves no ops requests`);
      reply = { t: 'rep', id, ok: true, value: (await this.#handler(body, meta)) ?? null };
    } catch (err) {
      const code = err instanceof GlassError ? err.code : OpsPublisherErrors.REMOTE_FAILED;
      reply = { t: 'rep', id, ok: false, error: { code, message: err instanceof Error ? err.message : String(err) } };
    }
    const channel = this.#channel(from);
    if (!this.#closed) await this.#cmd.publish(channel, this.#sign(channel, reply)).catch(() => 0);
  }

  #reportKey(nodeId: string): string {
    return `${this.#prefix}:ops:report:${nodeId}`;
  }

  #channel(nodeId: string): string {
    return `${this.#prefix}:ops:rpc:${nodeId}`;
  }
}

export function startOpsPublisher(options: OpsPublisherOptions): Promise<OpsPublisher> {
  return OpsPublisher.start(options);
}
