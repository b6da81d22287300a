import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { GlassError, nonEmptyStringOption } from '../../runtime/index.js';
import { OpsPublisherErrors } from './ops-publisher-errors.js';

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
}

/** Answers ops requests other nodes address to this one; a thrown GlassError's code goes back. */
export type OpsRequestHandler = (body: unknown) => Promise<unknown>;

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
  #handler: OpsRequestHandler | null = null;
  #closed = false;

  private constructor(o: OpsPublisherOptions) {
    this.nodeId = o.nodeId;
    this.#prefix = o.prefix;
    this.#ttlMs = o.ttlMs ?? 5_000;
    this.#timeoutMs = o.requestTimeoutMs ?? 5_000;
    const options = { lazyConnect: true, maxRetriesPerRequest: 2, enableOfflineQueue: true };
    this.#cmd = new Redis(o.redisUrl, options);
    this.#sub = new Redis(o.redisUrl, options);
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
    p.#sub.on('message', (_channel: string, raw: string) => p.#onMessage(raw));
    await p.#sub.subscribe(p.#channel(p.nodeId));
    return p;
  }

  /** Answers requests addressed to this node. */
  serve(handler: OpsRequestHandler): void {
    this.#handler = handler;
  }

  async publish(report: unknown): Promise<void> {
    if (this.#closed) return;
    await this.#cmd.set(this.#reportKey(this.nodeId), JSON.stringify(report), 'PX', this.#ttlMs);
  }

  /** The latest report of each given node that has one (parsed JSON), by node id. */
  async read(nodeIds: readonly string[]): Promise<Map<string, unknown>> {
    const out = new Map<string, unknown>();
    if (nodeIds.length === 0 || this.#closed) return out;
    const values = await this.#cmd.mget(...nodeIds.map((id) => this.#reportKey(id)));
    values.forEach((raw, i) => {
      if (raw === null) return;
      try {
        out.set(nodeIds[i], JSON.parse(raw));
      } catch {
        // A report cut short or foreign: treated as missing.
      }
    });
    return out;
  }

  /** Sends a request to another node's handler and resolves with its answer. */
  async request(nodeId: string, body: unknown, timeoutMs = this.#timeoutMs): Promise<unknown> {
    if (this.#closed) throw new GlassError(OpsPublisherErrors.UNREACHABLE, 'the ops publisher is closed');
    const id = randomUUID();
    const answer = new Promise<unknown>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#pending.delete(id);
        reject(new GlassError(OpsPublisherErrors.TIMEOUT, `node ${nodeId} did not answer within ${timeoutMs} ms`, { node: nodeId }));
      }, timeoutMs);
      this.#pending.set(id, { resolve, reject, timer });
    });
    const listeners = await this.#cmd.publish(this.#channel(nodeId), JSON.stringify({ t: 'req', id, from: this.nodeId, body }));
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

  #onMessage(raw: string): void {
    let msg: { t?: unknown; id?: unknown; from?: unknown; body?: unknown; ok?: unknown; value?: unknown; error?: { code?: unknown; message?: unknown } };
    try {
      msg = JSON.parse(raw);
    } catch {
      return;
    }
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
    if (msg.t === 'req' && typeof msg.from === 'string') void this.#answer(msg.id, msg.from, msg.body);
  }

  async #answer(id: string, from: string, body: unknown): Promise<void> {
    let reply: object;
    try {
      if (this.#handler === null) throw new GlassError(OpsPublisherErrors.UNREACHABLE, `node ${this.nodeId} serves no ops requests`);
      reply = { t: 'rep', id, ok: true, value: (await this.#handler(body)) ?? null };
    } catch (err) {
      const code = err instanceof GlassError ? err.code : OpsPublisherErrors.REMOTE_FAILED;
      reply = { t: 'rep', id, ok: false, error: { code, message: err instanceof Error ? err.message : String(err) } };
    }
    if (!this.#closed) await this.#cmd.publish(this.#channel(from), JSON.stringify(reply)).catch(() => 0);
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
