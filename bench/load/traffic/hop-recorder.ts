// Per hop kind — a client frame and the answer that completes it — how many were sent, answered
// and refused, and the latency of the answered ones in an HDR histogram (µs). Each load process
// keeps one; the parent merges them. The say → said delivery's latency is in the timeline instead
// (per time bucket); here it only has its counts.
import hdr from 'hdr-histogram-js';
import { newHistogram } from './timeline.js';

/** Every hop kind, in report order. */
export const HOP_KINDS = ['say', 'turn', 'join', 'leave', 'resume', 'override'] as const;
export type HopKind = (typeof HOP_KINDS)[number];

/** What each kind measures: from the frame sent to … */
export const HOP_LABELS: Readonly<Record<HopKind, string>> = {
  say: 'say → said (another member)',
  turn: 'turn → turn-accepted',
  join: 'join → joined',
  leave: 'leave → left',
  resume: 'resume → resume-token',
  override: 'override → override-applied',
};

/** The `ref` of a measured frame starts with its kind's letter, then its send time: the answer echoes it. */
const PREFIX: Readonly<Record<HopKind, string>> = { say: 's', turn: 't', join: 'j', leave: 'l', resume: 'r', override: 'o' };
const BY_PREFIX = new Map(HOP_KINDS.map((k) => [PREFIX[k], k]));

/** A ref carrying the kind and the send time (performance clock, ms). */
export function hopRef(kind: HopKind, sentAt: number): string {
  return PREFIX[kind] + sentAt.toFixed(3);
}

/** The kind and send time of a ref made by hopRef; null for any other ref. */
export function parseHopRef(ref: unknown): { kind: HopKind; sentAt: number } | null {
  if (typeof ref !== 'string' || ref.length === 0) return null;
  const kind = BY_PREFIX.get(ref[0]);
  if (kind === undefined) return null;
  return { kind, sentAt: ref.length === 1 ? NaN : Number(ref.slice(1)) };
}

/** One kind as it crosses the IPC channel. */
export interface EncodedHop {
  sent: number;
  answered: number;
  refused: number;
  /** HDR, compressed base64; '' when nothing was answered. */
  histogram: string;
}

export type EncodedHops = Partial<Record<HopKind, EncodedHop>>;

interface Hop {
  sent: number;
  answered: number;
  refused: number;
  histogram: hdr.Histogram | null;
}

/** Latencies are clamped to the histogram's range (1 µs … 10 min). */
const HIGHEST_US = 600_000_000;

export class HopRecorder {
  readonly #hops = new Map<HopKind, Hop>();

  #hop(kind: HopKind): Hop {
    let hop = this.#hops.get(kind);
    if (hop === undefined) this.#hops.set(kind, (hop = { sent: 0, answered: 0, refused: 0, histogram: null }));
    return hop;
  }

  sent(kind: HopKind): void {
    this.#hop(kind).sent++;
  }

  /** Counted as answered; the latency goes to the histogram unless it is the say kind's (the timeline keeps those). */
  answered(kind: HopKind, latencyMs: number): void {
    const hop = this.#hop(kind);
    hop.answered++;
    if (kind === 'say' || !Number.isFinite(latencyMs)) return;
    hop.histogram ??= newHistogram();
    hop.histogram.recordValue(Math.min(HIGHEST_US, Math.max(1, Math.round(latencyMs * 1000))));
  }

  refused(kind: HopKind): void {
    this.#hop(kind).refused++;
  }

  /** Counts so far (for progress). */
  counts(): Partial<Record<HopKind, { sent: number; answered: number; refused: number }>> {
    const out: Partial<Record<HopKind, { sent: number; answered: number; refused: number }>> = {};
    for (const [kind, h] of this.#hops) out[kind] = { sent: h.sent, answered: h.answered, refused: h.refused };
    return out;
  }

  encode(): EncodedHops {
    const out: EncodedHops = {};
    for (const [kind, h] of this.#hops) {
      out[kind] = { sent: h.sent, answered: h.answered, refused: h.refused, histogram: h.histogram === null ? '' : hdr.encodeIntoCompressedBase64(h.histogram) };
    }
    return out;
  }

  destroy(): void {
    for (const h of this.#hops.values()) h.histogram?.destroy();
    this.#hops.clear();
  }
}

/** A merged kind: counts summed, histograms added. */
export interface MergedHop {
  sent: number;
  answered: number;
  refused: number;
  histogram: hdr.Histogram;
}

/** Merges the hops of every load process, kind by kind. The caller destroys the histograms. */
export function mergeHops(all: readonly EncodedHops[]): Map<HopKind, MergedHop> {
  const merged = new Map<HopKind, MergedHop>();
  for (const hops of all) {
    for (const kind of HOP_KINDS) {
      const h = hops[kind];
      if (h === undefined) continue;
      let m = merged.get(kind);
      if (m === undefined) merged.set(kind, (m = { sent: 0, answered: 0, refused: 0, histogram: newHistogram() }));
      m.sent += h.sent;
      m.answered += h.answered;
      m.refused += h.refused;
      if (h.histogram !== '') {
        const decoded = hdr.decodeFromCompressedBase64(h.histogram);
        m.histogram.add(decoded);
        decoded.destroy();
      }
    }
  }
  return merged;
}
