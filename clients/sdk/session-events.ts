// A session's events as the server sends them (live, or replayed by a resume), applied to the
// client's SessionBook and reported to the app once each, in order (chunks by turn, part, index).
import type { ServerFrameOf } from '../protocol/index.js';
import type { Emitter } from './events.js';
import type { SessionBook } from './session-book.js';

export type SessionEventFrame = ServerFrameOf<'session-presence' | 'turn-started' | 'narration' | 'narration-degraded' | 'turn-committed' | 'turn-failed' | 'turn-checks' | 'turn-cancelled' | 'session-moderated' | 'turn-held'>;

/** A session event, live or replayed by a resume: reported once, in order (chunks by turn, part, index). */
export function applySessionEvent(book: SessionBook, events: Emitter, frame: SessionEventFrame, replayed: boolean): void {
  const id = frame.session;
  const fresh = book.isNew(id, frame.seq);
  book.saw(id, frame.seq);
  switch (frame.type) {
    case 'session-presence': {
      book.setMembers(id, frame.members);
      const { type: _type, ...presence } = frame;
      return events.emit('session-presence', presence);
    }
    case 'narration':
      if (!book.acceptChunk(id, frame)) return;
      return events.emit('narration', { session: id, seq: frame.seq, turn: frame.turn, part: frame.part, index: frame.index, text: frame.text, replayed });
    case 'narration-degraded': {
      if (frame.restart && !book.acceptRestart(id, frame.turn, frame.part)) return;
      const { type: _type, ...degraded } = frame;
      return events.emit('narration-degraded', degraded);
    }
    case 'turn-started': {
      const { type: _type, ...started } = frame;
      return events.emit('turn-started', started);
    }
    case 'turn-committed': {
      if (!book.acceptSettled(id, frame.turn)) return;
      const { type: _type, ...committed } = frame;
      return events.emit('turn-committed', { ...committed, replayed });
    }
    case 'turn-failed': {
      if (!book.acceptSettled(id, frame.turn)) return;
      const { type: _type, ...failed } = frame;
      return events.emit('turn-failed', { ...failed, replayed });
    }
    case 'turn-checks': {
      if (!fresh) return;
      const { type: _type, ...checks } = frame;
      return events.emit('turn-checks', { ...checks, replayed });
    }
    case 'turn-cancelled': {
      if (!book.acceptSettled(id, frame.turn)) return;
      const { type: _type, ...cancelled } = frame;
      return events.emit('turn-cancelled', { ...cancelled, replayed });
    }
    case 'session-moderated': {
      const { type: _type, ...moderated } = frame;
      return events.emit('session-moderated', moderated);
    }
    case 'turn-held': {
      const { type: _type, ...held } = frame;
      return events.emit('turn-held', held);
    }
  }
}
