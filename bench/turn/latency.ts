// Latencies of one side, in microseconds in an HDR histogram; read back in milliseconds.
import hdr from 'hdr-histogram-js';

/** Ten minutes: a turn slower than that is recorded at the top. */
const MAX_US = 600_000_000;

export class Latencies {
  readonly #h = hdr.build({ lowestDiscernibleValue: 1, highestTrackableValue: MAX_US, numberOfSignificantValueDigits: 3 });

  /** Records one latency given in milliseconds (performance.now() differences). */
  record(ms: number): void {
    this.#h.recordValue(Math.min(MAX_US, Math.max(1, Math.round(ms * 1_000))));
  }

  get count(): number {
    return this.#h.totalCount;
  }

  /** The `p`-th percentile in milliseconds, rounded to 0.01 ms (NaN when nothing was recorded). */
  percentileMs(p: number): number {
    if (this.#h.totalCount === 0) return NaN;
    return Math.round(this.#h.getValueAtPercentile(p) / 10) / 100;
  }
}
