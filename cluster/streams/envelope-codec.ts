import { Packr, type Options } from 'msgpackr';
import { Envelope, Lane } from '../../runtime/index.js';
import { MalformedEntryError } from './redis-streams-status.js';

/**
 * The binary form of envelopes in a stream entry:
 *
 *   payload = [ENTRY_FORMAT byte] [record] [record] ...
 *   record  = msgpack [to, from, id, seq, lane, replyThread, replyId, origin, trace, msg, seqEpoch, replyNode]
 *
 * The fixed fields are a positional record: a fixed-length msgpack array whose order is the
 * format (this file), so a record costs one header byte and its values, never field names. The
 * message body is plain msgpack (maps, arrays, strings, numbers, binary, timestamps; with
 * msgpackr's extensions for Set, Error, RegExp, typed arrays and bigint), readable by any
 * msgpack decoder. Measured against msgpackr's shared record structures (same size), the
 * positional array packs about 1.7× faster; records would also force every body object through
 * msgpackr's structure machinery. The one difference from the thread path: a Map arrives as a
 * plain object, as it would through JSON (messages are JSON-like: they are persisted to CouchDB).
 *
 * Each record is packed on its own, when it is sent, so a bad envelope is refused at once and
 * alone; an entry is the concatenation of its records, decoded with `unpackMultiple`.
 */
export const ENTRY_FORMAT = 1;

const RECORD_LENGTH = 12;

function packrOptions(): Options {
  return {
    useRecords: false,
    // fixmap for small objects: 2 bytes less per object than msgpackr's default map16.
    variableMapSize: true,
    moreTypes: true,
    // msgpackr would silently drop a function: refuse it instead, like postMessage does.
    writeFunction: () => {
      throw new TypeError('a function cannot be sent to another node');
    },
  };
}

const FORMAT_BYTE = Buffer.from([ENTRY_FORMAT]);

export class EnvelopeCodec {
  readonly #packr = new Packr(packrOptions());
  readonly #unpackr = new Packr(packrOptions());
  /** Reused for every record: pack is synchronous, so one array serves all and none is allocated per envelope. */
  readonly #scratch: unknown[] = new Array(RECORD_LENGTH).fill(null);

  /**
   * One envelope's record. Throws what msgpackr throws (TypeError for a function or symbol,
   * RangeError for a cycle); the caller wraps it with the context. The buffer stays valid:
   * msgpackr moves on to fresh space for the next pack.
   */
  encode(e: Envelope): Buffer {
    const r = this.#scratch;
    r[0] = e.to;
    r[1] = e.from;
    r[2] = e.id;
    r[3] = e.seq;
    r[4] = e.lane;
    r[5] = e.replyThread;
    r[6] = e.replyId;
    r[7] = e.origin;
    r[8] = e.trace ?? null;
    r[9] = e.msg;
    r[10] = e.seqEpoch;
    r[11] = e.replyNode;
    try {
      return this.#packr.pack(r);
    } finally {
      r[9] = null;
    }
  }

  /** The payload of one stream entry from records made by `encode`, in send order. */
  join(records: readonly Buffer[], bytes: number): Buffer {
    const payload = Buffer.allocUnsafe(1 + bytes);
    FORMAT_BYTE.copy(payload, 0);
    let at = 1;
    for (const r of records) at += r.copy(payload, at);
    return payload;
  }

  /** The envelopes of one entry; `stream` and `id` only name the entry in the error. */
  decode(payload: Buffer, stream: string, id: string): Envelope[] {
    if (payload.length < 2) throw new MalformedEntryError(stream, id, 'empty payload');
    if (payload[0] !== ENTRY_FORMAT) throw new MalformedEntryError(stream, id, `unknown format ${payload[0]}`);
    const out: Envelope[] = [];
    let records: unknown[];
    try {
      records = this.#unpackr.unpackMultiple(payload.subarray(1)) as unknown[];
    } catch (err) {
      throw new MalformedEntryError(stream, id, (err as Error).message, err);
    }
    for (const r of records) out.push(toEnvelope(r, stream, id));
    return out;
  }
}

const LANES: ReadonlySet<unknown> = new Set(Object.values(Lane));

function toEnvelope(value: unknown, stream: string, id: string): Envelope {
  const r = value as unknown[];
  if (
    !Array.isArray(r) ||
    r.length !== RECORD_LENGTH ||
    typeof r[0] !== 'string' ||
    (r[1] !== null && typeof r[1] !== 'string') ||
    typeof r[2] !== 'number' ||
    typeof r[3] !== 'number' ||
    !LANES.has(r[4]) ||
    typeof r[5] !== 'number' ||
    typeof r[6] !== 'number' ||
    typeof r[7] !== 'number' ||
    (r[8] !== null && typeof r[8] !== 'string') ||
    typeof r[10] !== 'number' ||
    (r[11] !== null && typeof r[11] !== 'string')
  ) {
    throw new MalformedEntryError(stream, id, 'a record is not an envelope');
  }
  const e = new Envelope(r[0], r[1] as string | null, r[2], r[3], r[9], (r[8] ?? undefined) as string | undefined, r[4] as Lane, r[5], r[6], r[7]);
  e.seqEpoch = r[10];
  e.replyNode = r[11] as string | null;
  return e;
}
