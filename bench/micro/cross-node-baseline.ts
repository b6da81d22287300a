// Baseline of the cross-node scenario, run in the main thread of each node process: the same pings
// and pongs, as the same envelopes encoded by the same EnvelopeCodec, moved with bare ioredis —
// pipelined XADD, XREADGROUP, XACK — and nothing else: no routing, no actors, no worker threads,
// no delivery receipts, no retries.
import { Redis } from 'ioredis';
import { EnvelopeCodec } from '../../cluster/index.js';
import type { Envelope } from '../../runtime/index.js';
import { epochNow, type Ping, type PingRun, type PingTiming, type Pong } from './actors/cluster-actors.js';
import { BaselineRun } from './cross-node-baseline-run.js';
import { Numbering } from './cross-node-envelopes.js';

/** The transport's defaults (cluster/redis-streams-options.ts), used the same way here. */
export const READ_COUNT = 128;
export const BLOCK_MS = 1_000;
export const ENTRY_ENVELOPES = 32;
export const ENTRY_BYTES = 65_536;
export const PIPELINE_ENTRIES = 512;
const GROUP = 'bench';

export interface BaselineOpen {
  prefix: string;
  redisUrl: string;
  /** This process's side ("a": pinger, "b": echo) and the other's. */
  side: 'a' | 'b';
  /** The runtime's pinger id on node A, used as the `from` of the baseline's pings (same bytes). */
  pinger: string;
}

interface OutEntry {
  stream: string;
  records: Buffer[];
  bytes: number;
}

/**
 * One side of the baseline. Side b answers every ping with a pong; side a runs ping runs like the
 * pinger actor (closed loop with a window, or paced at a rate) and times them.
 */
export class RawStreamsPeer {
  readonly #codec = new EnvelopeCodec();
  readonly #numbers = new Numbering();
  readonly #commands: Redis;
  readonly #reader: Redis;
  readonly #open: BaselineOpen;
  readonly #stream: string;
  readonly #peerStream: string;
  /** Entries being filled this turn, by stream; sealed ones waiting for the pipeline. */
  #filling = new Map<string, OutEntry>();
  #sealed: OutEntry[] = [];
  #acks: string[] = [];
  #scheduled = false;
  #pumping = false;
  #closed = false;
  #reading: Promise<void> | null = null;
  /** Side b: one-way latency of each ping received since the last take (µs). */
  #pingLatencies: number[] = [];
  #run: BaselineRun | null = null;

  constructor(open: BaselineOpen) {
    this.#open = open;
    this.#stream = `${open.prefix}:baseline:${open.side}`;
    this.#peerStream = `${open.prefix}:baseline:${open.side === 'a' ? 'b' : 'a'}`;
    const options = { lazyConnect: true, enableOfflineQueue: false, maxRetriesPerRequest: 0, protocol: 2 } as const;
    this.#commands = new Redis(open.redisUrl, { ...options, connectionName: `${open.prefix}:baseline-${open.side}:commands` });
    this.#reader = new Redis(open.redisUrl, { ...options, connectionName: `${open.prefix}:baseline-${open.side}:reader` });
    for (const r of [this.#commands, this.#reader]) r.on('error', () => undefined);
  }

  async start(): Promise<void> {
    await Promise.all([this.#commands.connect(), this.#reader.connect()]);
    for (const stream of [this.#stream, this.#peerStream]) {
      try {
        await this.#commands.call('XGROUP', 'CREATE', stream, GROUP, '0', 'MKSTREAM');
      } catch (err) {
        if (!(err instanceof Error && err.message.startsWith('BUSYGROUP'))) throw err;
      }
    }
    this.#reading = this.#readLoop();
  }

  /** Side a: one run, answered when every ping has had its pong. */
  ping(run: PingRun): Promise<PingTiming> {
    if (this.#open.side !== 'a') throw new Error('pings are sent from side a');
    if (this.#run !== null) throw new Error('a baseline run is already in progress');
    const r = new BaselineRun(run, this);
    this.#run = r;
    return r.start().finally(() => (this.#run = null));
  }

  /** Side b: one-way latencies of the pings received since the last call. */
  take(): { count: number; latencyUs: Float64Array } {
    const out = { count: this.#pingLatencies.length, latencyUs: Float64Array.from(this.#pingLatencies) };
    this.#pingLatencies = [];
    return out;
  }

  /** Queues one envelope for the other side; everything queued in a turn leaves in one pipeline. */
  send(e: Envelope): void {
    const record = this.#codec.encode(e);
    let entry = this.#filling.get(this.#peerStream);
    if (entry !== undefined && (entry.records.length >= ENTRY_ENVELOPES || entry.bytes + record.length > ENTRY_BYTES)) {
      this.#sealed.push(entry);
      entry = undefined;
    }
    if (entry === undefined) {
      entry = { stream: this.#peerStream, records: [], bytes: 0 };
      this.#filling.set(this.#peerStream, entry);
    }
    entry.records.push(record);
    entry.bytes += record.length;
    this.#schedule();
  }

  get numbers(): Numbering {
    return this.#numbers;
  }

  get pinger(): string {
    return this.#open.pinger;
  }

  async close(): Promise<void> {
    this.#closed = true;
    this.#reader.disconnect();
    await this.#reading?.catch(() => undefined);
    this.#commands.disconnect();
  }

  #schedule(): void {
    if (this.#scheduled) return;
    this.#scheduled = true;
    queueMicrotask(() => {
      this.#scheduled = false;
      void this.#pump();
    });
  }

  /** One pipeline in flight at a time (order), each with the turn's XADDs and XACKs. */
  async #pump(): Promise<void> {
    if (this.#pumping) return;
    this.#pumping = true;
    try {
      for (;;) {
        for (const entry of this.#filling.values()) this.#sealed.push(entry);
        this.#filling.clear();
        if (this.#sealed.length === 0 && this.#acks.length === 0) return;
        if (this.#closed) return;
        const entries = this.#sealed.splice(0, PIPELINE_ENTRIES);
        const acks = this.#acks;
        this.#acks = [];
        const pipeline = this.#commands.pipeline();
        for (const entry of entries) pipeline.xadd(entry.stream, '*', 's', this.#open.side, 'e', this.#codec.join(entry.records, entry.bytes));
        if (acks.length > 0) pipeline.xack(this.#stream, GROUP, ...acks);
        const results = await pipeline.exec();
        for (const [err] of results ?? []) if (err !== null) throw err;
      }
    } finally {
      this.#pumping = false;
    }
  }

  async #readLoop(): Promise<void> {
    const consumer = this.#open.side;
    while (!this.#closed) {
      let reply: unknown;
      try {
        reply = await this.#reader.callBuffer('XREADGROUP', 'GROUP', GROUP, consumer, 'COUNT', READ_COUNT, 'BLOCK', BLOCK_MS, 'STREAMS', this.#stream, '>');
      } catch (err) {
        if (this.#closed) return;
        throw err;
      }
      if (!Array.isArray(reply) || reply.length === 0) continue;
      const entries = (reply[0] as [Buffer, [Buffer, Buffer[]][]])[1];
      for (const [idBuffer, fields] of entries) {
        const id = idBuffer.toString();
        // fields: ['s', side, 'e', payload]
        for (const e of this.#codec.decode(fields[3], this.#stream, id)) this.#handle(e);
        this.#acks.push(id);
      }
      this.#schedule();
    }
  }

  #handle(e: Envelope): void {
    const now = epochNow();
    const msg = e.msg as Ping | Pong;
    if (msg.type === 'ping') {
      this.#pingLatencies.push((now - msg.at) * 1000);
      this.send(this.#numbers.envelope(e.from!, e.to, { type: 'pong', n: msg.n, at: msg.at, bt: epochNow() } satisfies Pong));
    } else if (msg.type === 'pong') {
      this.#run?.pong(msg, now);
    }
  }
}
