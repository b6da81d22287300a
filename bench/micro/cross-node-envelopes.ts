// Envelopes of the cross-node scenario built as the runtime builds them (numbering, keys), outside
// the runtime: for the raw-streams baseline, and as the samples of the encoding comparison with the
// JSON records they are compared to.
import { Envelope, Lane } from '../../runtime/index.js';
import { ECHO_KIND, PINGER_KIND, epochNow, type Ping, type Pong } from './actors/cluster-actors.js';

/** What the runtime puts in replyThread for a tell (runtime/envelope.ts NO_REPLY). */
const TELL = -1;

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
