// The `history` frame: a member (or a moderator) pages back through a room's whole history or a
// session's whole transcript. The actor answers the hot part (its `history` handler); what is older
// is read here, on the gateway's thread, from the archive (the node's ObjectStore), so the actor's
// mailbox never waits on a store. Every entry read back is checked against the frame's own schema
// before it is sent: a chunk that does not pass is GLASS_ERR_ARCHIVE_CORRUPT, never a broken frame.
import { ArchiveErrors, historyPage, type ArchiveItem, type ArchiveKind, type HotPage } from '../../actors/index.js';
import type { ObjectStore } from '../../runtime/index.js';
import { ProtocolErrors, ProtocolLimits, RoomLineSchema, TranscriptEntrySchema, type HistoryFrame } from '../protocol/index.js';

/** What serving a `history` frame needs of its connection. */
export interface HistoryAccess {
  /** Whether this connection is in the room (or session). */
  member(kind: ArchiveKind, id: string): boolean;
  readonly moderator: boolean;
  /** Asks the room (or session) actor for its hot page. */
  ask(kind: ArchiveKind, id: string, msg: { type: 'history'; before: number; limit: number }): Promise<unknown>;
  /** The node's archive; null when the gateway was given none (then only the hot part is served). */
  readonly archive: ObjectStore | null;
  send(frame: Record<string, unknown> & { type: 'history-page' }): void;
  refuse(code: string, message: string, ref: string | undefined): void;
  failed(err: unknown, ref: string | undefined): void;
}

function isHotPage(value: unknown): value is HotPage<ArchiveItem> {
  const v = value as Partial<HotPage<ArchiveItem>> | null;
  return v !== null && typeof v === 'object' && Array.isArray(v.items) && typeof v.through === 'number' && (v.next === null || typeof v.next === 'number');
}

export function serveHistory(frame: HistoryFrame, access: HistoryAccess): void {
  const kind: ArchiveKind = frame.room !== undefined ? 'room' : 'session';
  const id = (frame.room ?? frame.session)!;
  const ref = frame.ref;
  if (!access.moderator && !access.member(kind, id)) {
    const code = kind === 'room' ? ProtocolErrors.NOT_IN_ROOM : ProtocolErrors.NOT_IN_SESSION;
    return access.refuse(code, `not in ${kind} ${id}: join it first (or be a moderator)`, ref);
  }
  const before = frame.before ?? Number.MAX_SAFE_INTEGER;
  const limit = frame.limit ?? ProtocolLimits.HISTORY_DEFAULT_PAGE;
  access
    .ask(kind, id, { type: 'history', before, limit })
    .then(async (hot) => {
      if (!isHotPage(hot)) throw Object.assign(new Error('bad hot page'), { code: ProtocolErrors.INTERNAL });
      const page = await historyPage(hot, access.archive, kind, id, before, limit);
      const schema = kind === 'room' ? RoomLineSchema : TranscriptEntrySchema;
      const items: unknown[] = [];
      for (const item of page.items) {
        const checked = schema.safeParse(item);
        if (!checked.success) {
          throw Object.assign(new Error(`an archived entry of ${kind} ${id} does not pass the protocol's schema`), { code: ArchiveErrors.CORRUPT });
        }
        items.push(checked.data);
      }
      const next = page.next !== null && page.next > 0 ? page.next : null;
      access.send(
        kind === 'room'
          ? { type: 'history-page', room: id, lines: items, next, ...(ref !== undefined && { ref }) }
          : { type: 'history-page', session: id, turns: items, next, ...(ref !== undefined && { ref }) },
      );
    })
    .then(undefined, (err: unknown) => access.failed(err, ref));
}
