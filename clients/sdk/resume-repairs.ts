// After a resume: what the connection did not take back is repaired by ordinary requests, sent
// ahead of whatever waited in the outbox — leaves of rooms the client left since the token, joins of
// rooms and sessions the server no longer held (their state then arrives as a resync).
import type { ServerFrameOf } from '../protocol/index.js';
import { ClientErrors, type GlassClientError } from './errors.js';
import type { Emitter } from './events.js';
import type { Outbox } from './outbox.js';
import { repairAfterResume } from './resume-plan.js';
import type { RoomBook } from './room-book.js';
import type { SessionBook } from './session-book.js';

export interface RepairDeps {
  readonly outbox: Outbox;
  readonly rooms: RoomBook;
  readonly sessions: SessionBook;
  readonly events: Emitter;
  /** The client was closed for good (a failed repair is then not reported). */
  closed(): boolean;
}

/** Sends the repairs for a connection that holds `held` (and took back `answered`). */
export function sendRepairs(d: RepairDeps, held: readonly string[], answered: ReadonlySet<string>): void {
  const { rejoin, leave } = repairAfterResume(held, answered, d.rooms.rooms());
  // Repairs go first (a queued `say` may need its room joined again), in this order.
  for (const room of [...leave].reverse()) d.outbox.request({ type: 'leave', room }, true).catch(() => {});
  for (const room of [...rejoin].reverse()) {
    d.outbox.request({ type: 'join', room }, true).then(
      (frame) => {
        const joined = frame as ServerFrameOf<'joined'>;
        d.events.emit('resync', { room, reason: 'rejoined', members: joined.members, history: joined.history, seq: joined.seq });
      },
      (err: GlassClientError) => {
        if (err.code === ClientErrors.CONNECTION_LOST || d.closed()) return; // tried again after the next reconnect
        d.rooms.remove(room);
        d.events.emit('error', err);
      },
    );
  }
  // Sessions the connection did not take back are joined again (their state comes as a resync).
  for (const id of d.sessions.sessions()) {
    if (answered.has('session:' + id)) continue;
    d.outbox.request({ type: 'join-session', session: id }, true).then(
      (frame) => {
        const { type: _type, ref: _ref, ...joined } = frame as ServerFrameOf<'session-joined'>;
        d.events.emit('session-resync', { ...joined, reason: 'rejoined' });
      },
      (err: GlassClientError) => {
        if (err.code === ClientErrors.CONNECTION_LOST || d.closed()) return;
        d.sessions.remove(id);
        d.events.emit('error', err);
      },
    );
  }
}
