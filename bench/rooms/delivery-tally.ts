// The accounting of one run of a load generator, the same for every side: each `said` line a
// player receives is handed here as (receiver, from, text) whatever its wire format, and counted.
import hdr from 'hdr-histogram-js';

/** Highest latency recorded, µs (10 minutes): anything later is clamped to it. */
const MAX_LATENCY_US = 600_000_000;

/**
 * Deliveries of one run, identified by the tag at the start of every line's text (tag|sendTime|…):
 * lines of another run are strays. `deliveredAll` counts every line of this run received until
 * the drain ends (the loss check); `delivered` those received inside the measured window [w0, w1],
 * own lines included; lines of other members received in the window give a latency, receive −
 * send on this process's performance clock.
 */
export class DeliveryTally {
  readonly tag: string;
  readonly #w0: number;
  readonly #w1: number;
  readonly histogram = hdr.build({ lowestDiscernibleValue: 1, highestTrackableValue: MAX_LATENCY_US, numberOfSignificantValueDigits: 3 });
  delivered = 0;
  deliveredAll = 0;
  strays = 0;

  constructor(tag: string, w0: number, w1: number) {
    this.tag = tag;
    this.#w0 = w0;
    this.#w1 = w1;
  }

  said(receiver: string, from: string, text: string): void {
    const now = performance.now();
    const bar = text.indexOf('|');
    if (bar !== this.tag.length || !text.startsWith(this.tag)) {
      this.strays++;
      return;
    }
    this.deliveredAll++;
    if (now < this.#w0 || now > this.#w1) return;
    this.delivered++;
    if (from === receiver) return; // the sender's own confirmation
    const sentAt = Number(text.slice(bar + 1, text.indexOf('|', bar + 1)));
    this.histogram.recordValue(Math.min(MAX_LATENCY_US, Math.max(1, Math.round((now - sentAt) * 1000))));
  }
}
