import type { Deliver, DeliveryReceipt, Envelope, Transport } from '../../runtime/index.js';
import type { ClusterKey } from '../cluster-key.js';
import type { EnvelopeCodec } from './envelope-codec.js';
import { ForgedEntryError, MalformedEntryError, ReplayedEntryError } from './redis-streams-status.js';
import { NonceCheck, type ReplayWindow } from './replay-window.js';

/** What a durable transport adds: delivery survives the receiver, so there is something to trim and claim. */
export interface DurableTransport extends Transport {
  /** Resolves when every envelope sent before the call is stored; rejects if one was given up. */
  flush(): Promise<void>;
  /** Drops stored entries that every reader has acknowledged; resolves how many went. */
  trim(node?: string): Promise<number>;
  /** Takes over what a dead node received and did not acknowledge, oldest first. */
  claimFrom(deadNode: string, options?: ClaimOptions): Promise<StreamDelivery[]>;
}

export interface ClaimOptions {
  /** Only entries delivered to a reader at least this long ago are claimed (default 10,000 ms). */
  minIdleMs?: number;
  /**
   * Also take the entries the dead node never read (default true). Only for a node known to be
   * dead: unlike pending entries, these have no idle time that would protect a live reader.
   */
  includeUndelivered?: boolean;
  /**
   * The consumers known to be alive (the sweep passes the members): entries pending under any other
   * consumer are claimed at once, whatever `minIdleMs` says (see claimStream).
   */
  liveConsumers?: ReadonlySet<string>;
}

/** Where an acknowledged entry goes: the ack batcher of the transport. */
export interface AckSink {
  acknowledge(stream: string, id: string, remove: boolean): void;
}

/**
 * One stream entry handed to a consumer. The envelopes of an entry were sent by one node in one
 * turn to one node; the entry is acknowledged as a whole once all of them have been handled.
 */
export class StreamDelivery implements DeliveryReceipt {
  readonly stream: string;
  readonly id: string;
  readonly from: string;
  readonly envelopes: readonly Envelope[];
  /** Entries claimed from a dead node are deleted once acknowledged: nobody reads that stream any more. */
  readonly #remove: boolean;
  readonly #sink: AckSink;
  readonly #onAck: ((d: StreamDelivery) => void) | null;
  #remaining: number;

  constructor(
    stream: string,
    id: string,
    from: string,
    envelopes: readonly Envelope[],
    sink: AckSink,
    remove: boolean,
    onAck: ((d: StreamDelivery) => void) | null,
  ) {
    this.stream = stream;
    this.id = id;
    this.from = from;
    this.envelopes = envelopes;
    this.#sink = sink;
    this.#remove = remove;
    this.#onAck = onAck;
    this.#remaining = envelopes.length;
  }

  get acknowledged(): boolean {
    return this.#remaining < 0;
  }

  ack(): void {
    if (this.#remaining < 0) return;
    this.#remaining = -1;
    this.#sink.acknowledge(this.stream, this.id, this.#remove);
    this.#onAck?.(this);
  }

  ackOne(): void {
    if (this.#remaining > 0 && --this.#remaining === 0) this.ack();
  }
}

/**
 * Stream entries as the transport writes and reads them. An entry has four fields:
 *   s  the sending node's id (replies and logs need it; the envelopes do not carry it)
 *   n  the entry's nonce, `<incarnation>.<counter>` (NonceSource, see replay-window.ts)
 *   e  the payload made by EnvelopeCodec.join
 *   m  the entry's MAC (entryMac): HMAC-SHA256 with the cluster key over the stream it was
 *      written to, the sender, the nonce and the payload's exact bytes
 * Replies are read with callBuffer (RESP2), so ids and fields arrive as Buffers.
 */
export const SENDER_FIELD = 's';
export const NONCE_FIELD = 'n';
export const PAYLOAD_FIELD = 'e';
export const MAC_FIELD = 'm';

/** What an entry's MAC covers: one per entry (up to maxEntryEnvelopes envelopes), not per envelope. */
const ENTRY_MAC_CONTEXT = 'glass-stream-entry/2';

/**
 * The MAC of an entry. The stream is part of it, so an entry copied into another node's stream is
 * refused there; the sender is, so an entry cannot claim to come from another node; the nonce is,
 * so a copy written back into the same stream is recognised by the receiver's ReplayWindow.
 */
export function entryMac(key: ClusterKey, stream: string, sender: string, nonce: string, payload: Uint8Array): Buffer {
  return key.mac(ENTRY_MAC_CONTEXT, stream, sender, nonce, payload);
}

export interface RawEntry {
  id: string;
  /** null when the entry was deleted while it sat in a pending list. */
  fields: Buffer[] | null;
}

/** `[[id, fields], ...]`, the entry list of XRANGE, XREADGROUP and XAUTOCLAIM replies. */
export function entryList(list: unknown): RawEntry[] {
  if (!Array.isArray(list)) return [];
  const out: RawEntry[] = [];
  for (const item of list as [Buffer, Buffer[] | null][]) out.push({ id: item[0].toString(), fields: item[1] });
  return out;
}

/** The entries of the single stream an XREADGROUP asked for; none when it timed out (null). */
export function readGroupEntries(reply: unknown): RawEntry[] {
  if (!Array.isArray(reply) || reply.length === 0) return [];
  return entryList((reply[0] as [Buffer, unknown])[1]);
}

/** XAUTOCLAIM's reply: the cursor to continue from ("0-0" when done) and the claimed entries. */
export function autoclaimReply(reply: unknown): { cursor: string; entries: RawEntry[] } {
  const r = reply as [Buffer, unknown, unknown?];
  return { cursor: r[0].toString(), entries: entryList(r[1]) };
}

function field(fields: Buffer[], name: string): Buffer | undefined {
  for (let i = 0; i + 1 < fields.length; i += 2) if (fields[i].toString() === name) return fields[i + 1];
  return undefined;
}

/**
 * The delivery for one entry that has fields. Verifies the entry's MAC before decoding anything:
 * throws ForgedEntryError when it is missing or wrong (written by someone without the cluster key,
 * signed with another key, or copied from another stream), ReplayedEntryError (a ForgedEntryError)
 * when `replays` has seen its nonce in an earlier entry of the stream, MalformedEntryError when the signed
 * payload cannot be decoded. Either way the caller acknowledges it (it can never be handled, and
 * left pending it would come back on every claim) and reports it; it is never delivered.
 */
export function toDelivery(
  codec: EnvelopeCodec,
  key: ClusterKey,
  stream: string,
  entry: RawEntry & { fields: Buffer[] },
  sink: AckSink,
  remove: boolean,
  onAck: ((d: StreamDelivery) => void) | null,
  replays: ReplayWindow,
): StreamDelivery {
  const sender = field(entry.fields, SENDER_FIELD);
  const nonce = field(entry.fields, NONCE_FIELD);
  const payload = field(entry.fields, PAYLOAD_FIELD);
  const mac = field(entry.fields, MAC_FIELD);
  if (sender === undefined || nonce === undefined || payload === undefined || mac === undefined) throw new ForgedEntryError(stream, entry.id, 'missing field');
  const from = sender.toString();
  const n = nonce.toString();
  if (!key.verify(mac, ENTRY_MAC_CONTEXT, stream, from, n, payload)) {
    throw new ForgedEntryError(stream, entry.id, 'bad MAC');
  }
  // After the MAC: only genuine entries move a mark, so a forger cannot push one ahead.
  const seen = replays.check(stream, from, n, entry.id);
  if (seen === NonceCheck.invalid) throw new ForgedEntryError(stream, entry.id, 'bad nonce');
  if (seen === NonceCheck.replayed) throw new ReplayedEntryError(stream, entry.id, from);
  const envelopes = codec.decode(payload, stream, entry.id);
  return new StreamDelivery(stream, entry.id, from, envelopes, sink, remove, onAck);
}
