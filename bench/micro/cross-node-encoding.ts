// The encoding comparison of the cross-node scenario: size and encode+decode time of msgpackr
// (EnvelopeCodec, the transport's) against JSON of the same envelopes, in this process.
import { EnvelopeCodec } from '../../cluster/index.js';
import type { Envelope } from '../../runtime/index.js';
import type { Progress } from '../support/progress.js';
import { median } from '../support/report.js';
import { ENTRY_ENVELOPES } from './cross-node-baseline.js';
import { fromPositional, namedRecord, positionalRecord, type EnvelopeSample } from './cross-node-envelopes.js';

export interface EncodingRow {
  sample: string;
  msgpackBytes: number;
  /** JSON.stringify of the same positional record as the codec's. */
  jsonBytes: number;
  /** JSON.stringify of an object with the fields by name. */
  jsonNamedBytes: number;
  /** Encode + decode per envelope, in entries of 32 (join/split included), median of 9 passes. */
  msgpackNs: number;
  jsonNs: number;
  jsonNamedNs: number;
}

type Codec = (chunk: readonly Envelope[]) => number;

export function measureEncoding(samples: EnvelopeSample[], progress: Progress): { rows: EncodingRow[]; benchMix: EncodingRow } {
  const codec = new EnvelopeCodec();
  const msgpack: Codec = (chunk) => {
    let bytes = 0;
    const records = chunk.map((e) => {
      const r = codec.encode(e);
      bytes += r.length;
      return r;
    });
    return codec.decode(codec.join(records, bytes), 'bench', '0-0').length;
  };
  const json: Codec = (chunk) => (JSON.parse(Buffer.from(JSON.stringify(chunk.map(positionalRecord))).toString('utf8')) as unknown[][]).map(fromPositional).length;
  const jsonNamed: Codec = (chunk) =>
    (JSON.parse(Buffer.from(JSON.stringify(chunk.map(namedRecord))).toString('utf8')) as Record<string, unknown>[]).map((o) => fromPositional(Object.values(o))).length;
  const passes = 9;
  progress.begin('encoding: msgpackr vs JSON', samples.length * (passes + 1));
  const rows = samples.map((s) => {
    const avg = (f: (e: Envelope) => number): number => Math.round((s.envelopes.reduce((sum, e) => sum + f(e), 0) / s.envelopes.length) * 10) / 10;
    const chunks: Envelope[][] = [];
    for (let i = 0; i < s.envelopes.length; i += ENTRY_ENVELOPES) chunks.push(s.envelopes.slice(i, i + ENTRY_ENVELOPES));
    const time = (c: Codec): number => {
      const started = process.hrtime.bigint();
      let n = 0;
      for (const chunk of chunks) n += c(chunk);
      if (n !== s.envelopes.length) throw new Error('a codec lost envelopes');
      return Number(process.hrtime.bigint() - started) / n;
    };
    const t = { msgpack: [] as number[], json: [] as number[], jsonNamed: [] as number[] };
    for (let p = 0; p <= passes; p++) {
      const m = time(msgpack);
      const j = time(json);
      const jn = time(jsonNamed);
      if (p > 0) {
        t.msgpack.push(m);
        t.json.push(j);
        t.jsonNamed.push(jn);
      }
      progress.tick();
    }
    return {
      sample: s.name,
      msgpackBytes: avg((e) => codec.encode(e).length),
      jsonBytes: avg((e) => Buffer.byteLength(JSON.stringify(positionalRecord(e)))),
      jsonNamedBytes: avg((e) => Buffer.byteLength(JSON.stringify(namedRecord(e)))),
      msgpackNs: Math.round(median(t.msgpack)),
      jsonNs: Math.round(median(t.json)),
      jsonNamedNs: Math.round(median(t.jsonNamed)),
    };
  });
  // The bench's own traffic is one ping and one pong per round trip.
  const [ping, pong] = rows;
  const mean = (k: keyof Omit<EncodingRow, 'sample'>): number => Math.round(((ping[k] + pong[k]) / 2) * 10) / 10;
  const benchMix: EncodingRow = {
    sample: 'bench traffic (ping + pong)',
    msgpackBytes: mean('msgpackBytes'),
    jsonBytes: mean('jsonBytes'),
    jsonNamedBytes: mean('jsonNamedBytes'),
    msgpackNs: mean('msgpackNs'),
    jsonNs: mean('jsonNs'),
    jsonNamedNs: mean('jsonNamedNs'),
  };
  return { rows, benchMix };
}
