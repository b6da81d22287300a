import type { SeqTable } from '../state-store.js';

/** Separate runs of handled seqs kept above the floor before the oldest gap is given up. */
const MAX_RUNS = 256;
/** Senders remembered per actor; the oldest is forgotten past this. */
const MAX_SENDERS = 1024;

/**
 * What an actor has handled of what other nodes sent it, kept with its state so that a stream entry
 * delivered again (its acknowledgement was lost to a crash, or a dead node's entry was claimed) is
 * recognised and not handled twice: effectively-once over an at-least-once transport.
 *
 * Per sender the table holds `[seqEpoch, floor, from1, to1, from2, to2, ...]`: every seq up to
 * `floor` was handled, and so was every seq in each run `from..to` (sorted, disjoint, above the
 * floor with a gap before each). A pair normally arrives in order and has no runs; they appear
 * when entries of a dead node arrive after newer ones (failover), and close as the gaps fill, so a
 * reordering of thousands of messages costs a few numbers. A larger seqEpoch is a new activation
 * of the sender: its count starts again.
 */
export function alreadyHandled(seqs: SeqTable | null, from: string, seqEpoch: number, seq: number): boolean {
  if (seqs === null) return false;
  const entry = seqs[from];
  if (entry === undefined || entry[0] !== seqEpoch) return false;
  if (seq <= entry[1]) return true;
  for (let i = 2; i < entry.length; i += 2) {
    if (seq < entry[i]) return false;
    if (seq <= entry[i + 1]) return true;
  }
  return false;
}

/** Records a handled seq; returns the table (created on first use). */
export function recordHandled(seqs: SeqTable | null, from: string, seqEpoch: number, seq: number): SeqTable {
  const table = seqs ?? {};
  let entry = table[from];
  if (entry === undefined || seqEpoch > entry[0]) {
    if (entry === undefined && Object.keys(table).length >= MAX_SENDERS) delete table[Object.keys(table)[0]];
    entry = table[from] = [seqEpoch, 0];
  } else if (seqEpoch < entry[0]) {
    return table; // a late message of an earlier activation of the sender: nothing to remember it by
  }
  if (seq <= entry[1]) return table;
  // The first run that ends at or after seq - 1 (it may absorb seq).
  let i = 2;
  while (i < entry.length && entry[i + 1] < seq - 1) i += 2;
  if (i < entry.length && entry[i] <= seq + 1) {
    if (seq >= entry[i] && seq <= entry[i + 1]) return table;
    if (seq === entry[i] - 1) entry[i] = seq;
    else entry[i + 1] = seq;
    // Grown at its end up to the next run: merge the two.
    if (i + 2 < entry.length && entry[i + 1] + 1 >= entry[i + 2]) entry.splice(i + 1, 2);
  } else {
    entry.splice(i, 0, seq, seq);
  }
  // A run that starts right after the floor folds into it; past the bound the oldest gap is given up.
  while (entry.length > 2 && (entry[2] === entry[1] + 1 || (entry.length - 2) / 2 > MAX_RUNS)) {
    entry[1] = entry[3];
    entry.splice(2, 2);
  }
  return table;
}
