// Counts and hop latencies of a run, per time bucket: each load process keeps one, the parent
// merges them (same buckets: every process counts from the same epoch start).
import hdr from 'hdr-histogram-js';

/** Latencies are recorded in µs, from 1 µs to 10 minutes, 3 significant digits. */
const HIGHEST_US = 600_000_000;

export function newHistogram(): hdr.Histogram {
  return hdr.build({ lowestDiscernibleValue: 1, highestTrackableValue: HIGHEST_US, numberOfSignificantValueDigits: 3 });
}

/** One bucket as it crosses the IPC channel: counts, and the histogram compressed (base64). */
export interface EncodedBucket {
  sent: number;
  delivered: number;
  histogram: string;
}

interface Bucket {
  sent: number;
  delivered: number;
  histogram: hdr.Histogram | null;
}

export class Timeline {
  readonly bucketMs: number;
  readonly #buckets: Bucket[] = [];

  constructor(bucketMs: number) {
    this.bucketMs = bucketMs;
  }

  /** `atMs`: time since the run's start. A time before the start counts in the first bucket. */
  #bucket(atMs: number): Bucket {
    const i = Math.max(0, Math.floor(atMs / this.bucketMs));
    while (this.#buckets.length <= i) this.#buckets.push({ sent: 0, delivered: 0, histogram: null });
    return this.#buckets[i];
  }

  sent(atMs: number): void {
    this.#bucket(atMs).sent++;
  }

  /** A line of another member received at `atMs`, `latencyMs` after it was sent. */
  delivered(atMs: number, latencyMs: number): void {
    const b = this.#bucket(atMs);
    b.delivered++;
    b.histogram ??= newHistogram();
    b.histogram.recordValue(Math.min(HIGHEST_US, Math.max(1, Math.round(latencyMs * 1000))));
  }

  encode(): EncodedBucket[] {
    return this.#buckets.map((b) => ({ sent: b.sent, delivered: b.delivered, histogram: b.histogram === null ? '' : hdr.encodeIntoCompressedBase64(b.histogram) }));
  }

  destroy(): void {
    for (const b of this.#buckets) b.histogram?.destroy();
  }
}

/** A merged bucket: counts summed, histograms added. */
export interface MergedBucket {
  sent: number;
  delivered: number;
  histogram: hdr.Histogram;
}

/** Merges the timelines of every load process, bucket by bucket. */
export function mergeTimelines(timelines: readonly (readonly EncodedBucket[])[]): MergedBucket[] {
  const length = Math.max(0, ...timelines.map((t) => t.length));
  const merged: MergedBucket[] = Array.from({ length }, () => ({ sent: 0, delivered: 0, histogram: newHistogram() }));
  for (const timeline of timelines) {
    timeline.forEach((b, i) => {
      merged[i].sent += b.sent;
      merged[i].delivered += b.delivered;
      if (b.histogram !== '') {
        const h = hdr.decodeFromCompressedBase64(b.histogram);
        merged[i].histogram.add(h);
        h.destroy();
      }
    });
  }
  return merged;
}
