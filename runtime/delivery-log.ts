import type { SeqTable } from './state-store.js';

/** Seqs remembered above the floor before the window slides (a message later than this is taken as lost). */
const MAX_SEEN = 64;
/** Senders remembered per actor; the oldest is forgotten past this. */
const MAX_SENDERS = 1024;

/**
 * What an actor has handled of what other nodes sent it, kept with its state so that a stream entry
 * delivered again (its acknowledgement was lost to a crash, or a dead node's entry was claimed) is
 * recognised and not handled twice: effectively-once over an at-least-once transport.
 *
 * Per sender the table holds `[seqEpoch, floor, ...seen]`: every seq up to `floor` was handled,
 * and so was each seq in `seen` (sorted, above the floor). A pair is normally in order and `seen`
 * stays empty; it fills only when entries of a dead node arrive after newer ones (failover), and
 * it is bounded. A larger seqEpoch is a new activation of the sender: its count starts again.
 */
export function alreadyHandled(seqs: SeqTable | null, from: string, seqEpoch: number, seq: number): boolean {
  if (seqs === null) return false;
  const entry = seqs[from];
  if (entry === undefined || entry[0] !== seqEpoch) return false;
  if (seq <= entry[1]) return true;
  for (let i = 2; i < entry.length; i++) if (entry[i] === seq) return true;
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
  let at = entry.length;
  while (at > 2 && entry[at - 1] > seq) at--;
  if (at > 2 && entry[at - 1] === seq) return table;
  entry.splice(at, 0, seq);
  // Slide: contiguous seqs fold into the floor; past the bound the oldest gap is given up.
  while (entry.length > 2 && (entry[2] === entry[1] + 1 || entry.length - 2 > MAX_SEEN)) {
    entry[1] = entry[2];
    entry.splice(2, 1);
  }
  return table;
}
