// Baseline of the cross-node scenario, run in the main thread of each node process: the same pings
// and pongs, as the same envelopes encoded by the same EnvelopeCodec, moved with bare ioredis —
// pipelined XADD, XREADGROUP, XACK — and nothing else: no routing, no actors, no worker threads,
// no delivery receipts, no retries. Also the envelopes the encoding comparison is made of.
import { Redis } from 'ioredis';
import { EnvelopeCodec } from '../../cluster/index.js';
import { Envelope, Lane } from '../../runtime/index.js';
import { ECHO_KIND, PINGER_KIND, epochNow, type Ping, type PingRun, type PingTiming, type Pong } from './actors/cluster-actors.js';

/** What the runtime puts in replyThread for a tell (runtime/envelope.ts NO_REPLY). */
const TELL = -1;
/** The transport's defaults (cluster/redis-streams-options.ts), used the same way here. */
export const READ_COUNT = 128;
export const BLOCK_MS = 1_000;
export const ENTRY_ENVELOPES = 32;
export const ENTRY_BYTES = 65_536;
export const PIPELINE_ENTRIES = 512;
const GROUP = 'bench';

/** Sequence numbers per sender→receiver pair and message ids, as the runtime numbers them. */
export class Numbering {
  #id = 0;
  readonly #seq = new Map<string, number>();
  /** The pair's incarnation: a millisecond clock value, as the runtime's nextPairEpoch gives. */
  readonly epoch = Date.now();

  envelope(to: string, from: string, msg: unknown): Envelope {
    const pair = `${from}>${to}`;
    const seq = (this.#seq.get(pair) ?? 0) + 1;
    this.#seq.set(pair, seq);
    const e = new Envelope(to, from, ++this.#id, seq, msg, undefined, Lane.USER, TELL, 0, 1);
    e.seqEpoch = this.epoch;
    return e;
  }
}

export const pingerKey = (id: string): string => `${PINGER_KIND}:${id}`;
export const echoKey = (id: string): string => `${ECHO_KIND}:${id}`;

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

/** A ping run of side a, shaped like the pinger actor's. */
class BaselineRun {
  readonly #run: PingRun;
  readonly #peer: RawStreamsPeer;
  readonly #from: string;
  readonly #targets: string[];
  readonly #pongLatencyUs: Float64Array;
  readonly #roundTripUs: Float64Array;
  #sent = 0;
  #pongs = 0;
  #strays = 0;
  #startedAt = 0;
  #timer: NodeJS.Timeout | null = null;
  #finish!: (t: PingTiming) => void;

  constructor(run: PingRun, peer: RawStreamsPeer) {
    this.#run = run;
    this.#peer = peer;
    this.#from = pingerKey(peer.pinger);
    this.#targets = run.targets.map(echoKey);
    this.#pongLatencyUs = new Float64Array(run.total);
    this.#roundTripUs = new Float64Array(run.total);
  }

  start(): Promise<PingTiming> {
    const done = new Promise<PingTiming>((resolve) => (this.#finish = resolve));
    this.#startedAt = epochNow();
    if (this.#run.rate > 0) this.#pace();
    else while (this.#sent < this.#run.total && this.#sent - this.#pongs < this.#run.window) this.#sendPing();
    return done;
  }

  pong(msg: Pong, now: number): void {
    if (msg.n >= this.#run.total) return void this.#strays++;
    const i = this.#pongs++;
    this.#pongLatencyUs[i] = (now - msg.bt) * 1000;
    this.#roundTripUs[i] = (now - msg.at) * 1000;
    if (this.#run.rate === 0) while (this.#sent < this.#run.total && this.#sent - this.#pongs < this.#run.window) this.#sendPing();
    if (this.#pongs === this.#run.total) {
      if (this.#timer !== null) clearTimeout(this.#timer);
      this.#finish({
        pings: this.#sent,
        pongs: this.#pongs,
        elapsedMs: now - this.#startedAt,
        pongLatencyUs: this.#pongLatencyUs,
        roundTripUs: this.#roundTripUs,
        strays: this.#strays,
      });
    }
  }

  #sendPing(): void {
    const n = this.#sent++;
    this.#peer.send(this.#peer.numbers.envelope(this.#targets[n % this.#targets.length], this.#from, { type: 'ping', n, at: epochNow() } satisfies Ping));
  }

  /** The same pacing as the pinger: a 1 ms timer, sending what is due by now. */
  #pace(): void {
    const due = Math.min(this.#run.total, Math.floor(((epochNow() - this.#startedAt) * this.#run.rate) / 1000) + 1);
    while (this.#sent < due) this.#sendPing();
    this.#timer = this.#sent < this.#run.total ? setTimeout(() => this.#pace(), 1) : null;
  }
}

// ---- envelopes for the encoding comparison ---------------------------------------------------

/** The wire fields of an envelope as a JSON transport would send them, by name. */
export function namedRecord(e: Envelope): Record<string, unknown> {
  return {
    to: e.to,
    from: e.from,
    id: e.id,
    seq: e.seq,
    lane: e.lane,
    replyThread: e.replyThread,
    replyId: e.replyId,
    origin: e.origin,
    trace: e.trace ?? null,
    msg: e.msg,
    seqEpoch: e.seqEpoch,
    replyNode: e.replyNode,
  };
}

/** The same fields in the codec's positional order. */
export function positionalRecord(e: Envelope): unknown[] {
  return [e.to, e.from, e.id, e.seq, e.lane, e.replyThread, e.replyId, e.origin, e.trace ?? null, e.msg, e.seqEpoch, e.replyNode];
}

export function fromPositional(r: unknown[]): Envelope {
  const e = new Envelope(r[0] as string, r[1] as string | null, r[2] as number, r[3] as number, r[9], (r[8] ?? undefined) as string | undefined, r[4] as Lane, r[5] as number, r[6] as number, r[7] as number);
  e.seqEpoch = r[10] as number;
  e.replyNode = r[11] as string | null;
  return e;
}

export interface EnvelopeSample {
  name: string;
  envelopes: Envelope[];
}

/**
 * Envelopes as the scenario sends them (pings A → B, pongs B → A), and a game message for
 * comparison: a player's `say` asked of a room from the gateway (outside any actor), whose reply
 * goes back across nodes.
 */
export function sampleEnvelopes(count: number, pinger: string, targets: readonly string[]): EnvelopeSample[] {
  const numbers = new Numbering();
  const now = epochNow();
  const pings: Envelope[] = [];
  const pongs: Envelope[] = [];
  const says: Envelope[] = [];
  const lines = ['I open the door', 'Is anyone here? We come from the northern pass.', 'hello', 'I draw my sword and step between them and the innkeeper.'];
  for (let n = 0; n < count; n++) {
    const at = now + n * 0.1;
    const ping = numbers.envelope(echoKey(targets[n % targets.length]), pingerKey(pinger), { type: 'ping', n, at } satisfies Ping);
    pings.push(ping);
    pongs.push(numbers.envelope(ping.from!, ping.to, { type: 'pong', n, at, bt: at + 0.8 } satisfies Pong));
    const say = new Envelope(`room:hall-${n % 50}`, null, n + 1, 0, { type: 'say', player: `player-${n % 1000}`, text: lines[n % lines.length] }, undefined, Lane.USER, 0, n + 1, 0);
    say.replyNode = 'glass-node-a-12345';
    says.push(say);
  }
  return [
    { name: 'ping (A → B)', envelopes: pings },
    { name: 'pong (B → A)', envelopes: pongs },
    { name: 'room say (gateway ask)', envelopes: says },
  ];
}
