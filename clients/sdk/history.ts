// Paging back through a room's whole history or a session's whole transcript (the `history` frame):
// hot and archived entries alike, one cursor. GlassClient.history asks for one page; historyPages
// walks every page back to the first entry.
import type { ServerFrame, ServerFrameOf } from '../protocol/index.js';
import type { Outgoing } from './outbox.js';
import type { RoomLine } from './events.js';

/** Which history: a room's lines or a session's turns. */
export type HistoryTarget = { room: string } | { session: string };

/** One transcript entry of a session, as the protocol carries it. */
export type TranscriptEntry = NonNullable<ServerFrameOf<'history-page'>['turns']>[number];

export interface HistoryOptions {
  /** Entries older than this seq (the `next` of the previous page); absent: from the newest. */
  before?: number;
  /** Entries per page, 1 to 100 (ProtocolLimits.HISTORY_MAX_PAGE); default 50. */
  limit?: number;
}

/** One page, oldest entry first. `next`: pass it as `before` for the page before this one; null at the first entry. */
export type HistoryPageOf<T extends HistoryTarget> = (T extends { room: string } ? { lines: RoomLine[] } : { turns: TranscriptEntry[] }) & { next: number | null };

/** Asks for one page through `request` (the client's outbox). */
export async function requestHistory<T extends HistoryTarget>(request: (frame: Outgoing) => Promise<ServerFrame>, target: T, options: HistoryOptions = {}): Promise<HistoryPageOf<T>> {
  const frame = {
    type: 'history' as const,
    ...target,
    ...(options.before !== undefined && { before: options.before }),
    ...(options.limit !== undefined && { limit: options.limit }),
  };
  const page = (await request(frame as Outgoing)) as ServerFrameOf<'history-page'>;
  const out = 'room' in target ? { lines: page.lines ?? [], next: page.next } : { turns: page.turns ?? [], next: page.next };
  return out as unknown as HistoryPageOf<T>;
}

/**
 * Every page of a history, newest page first, until the first entry (at most `maxPages`, default
 * 10,000): `for await (const page of historyPages(client, { room: 'lobby' })) …`.
 */
export async function* historyPages<T extends HistoryTarget>(
  client: { history<U extends HistoryTarget>(target: U, options?: HistoryOptions): Promise<HistoryPageOf<U>> },
  target: T,
  options: { limit?: number; maxPages?: number } = {},
): AsyncGenerator<HistoryPageOf<T>> {
  let before: number | undefined;
  for (let i = 0; i < (options.maxPages ?? 10_000); i++) {
    const page = await client.history(target, { ...(before !== undefined && { before }), ...(options.limit !== undefined && { limit: options.limit }) });
    yield page;
    if (page.next === null || (before !== undefined && page.next >= before)) return;
    before = page.next;
  }
}
