// What a GlassClient reports, typed from the protocol's frames, and the small emitter that reports it
// (no node:events: the SDK runs in browsers).
import type { RoomLineFrame, ServerFrameOf } from '../protocol/index.js';
import type { GlassClientError } from './errors.js';

/** A room line: `{seq, from, text, at}`. */
export type RoomLine = RoomLineFrame;

/** The `welcome` of the current connection: player, character, roles, node, token expiry, limits. */
export type Welcome = Omit<ServerFrameOf<'welcome'>, 'type'>;

/** A room's state as `joined` gives it: members, the most recent lines (oldest first), the last seq. */
export type RoomSnapshot = Omit<ServerFrameOf<'joined'>, 'type' | 'ref'>;

/** `rejoined`: the SDK could not resume the room (no resume token yet, or it was refused) and joined it again. */
export type ResyncReason = ServerFrameOf<'resync'>['reason'] | 'rejoined';

export type ClientState =
  /** Created; `connect()` not called (or the first connection failed). */
  | 'idle'
  /** The first connection is being made. */
  | 'connecting'
  /** Connected and ready: requests are sent at once. */
  | 'open'
  /** The connection dropped; an attempt is scheduled (`attempt`, `delayMs`) or under way. Requests queue. */
  | 'reconnecting'
  /** Reconnected; taking the rooms back (resume). Requests queue. */
  | 'resuming'
  /** Closed for good: by `close()`, a 4001 replacement, a token that cannot be renewed, or too many failed attempts. */
  | 'closed';

export interface GlassClientEvents {
  /** A line of a room the client is in: live (`replayed: false`) or missed while disconnected (`replayed: true`). Each seq once, in order. */
  said: { room: string; line: RoomLine; replayed: boolean };
  /** Someone else joined or left (`joined`/`left`), or a snapshot (neither): `members` is the list now. */
  presence: Omit<ServerFrameOf<'presence'>, 'type'>;
  /** A room taken back after a reconnect; its `missed` lines were emitted as `said` (`replayed: true`) just before. */
  resumed: { room: string; members: string[]; seq: number; missed: RoomLine[] };
  /** A room whose missed lines could not be replayed: replace what is shown for it with this state. */
  resync: RoomSnapshot & { reason: ResyncReason };
  /** The server's latest resume token now covers these rooms: a drop from here on loses none of their lines. */
  resumable: { rooms: string[] };
  /** A chunk of a turn's narration: each (turn, part, index) once, in order; `replayed` when a resume brought it. */
  narration: { session: string; seq: number; turn: number; part: number; index: number; text: string; replayed: boolean };
  /** A narrator failed; `restart` true: drop the turn's text shown so far, part `part` starts at index 0. */
  'narration-degraded': Omit<ServerFrameOf<'narration-degraded'>, 'type'>;
  'turn-started': Omit<ServerFrameOf<'turn-started'>, 'type'>;
  /** A turn committed: its whole narration and checks (each turn once). */
  'turn-committed': Omit<ServerFrameOf<'turn-committed'>, 'type'> & { replayed: boolean };
  /** A turn whose run failed, with its code (each turn once). */
  'turn-failed': Omit<ServerFrameOf<'turn-failed'>, 'type'> & { replayed: boolean };
  /** The checks of a failed turn (GLASS_ERR_RULES_TIMEOUT), rolled later by its checkRunner workflow (each once). */
  'turn-checks': Omit<ServerFrameOf<'turn-checks'>, 'type'> & { replayed: boolean };
  /** A moderator's pause, redact or narrate stopped the running turn: drop what was shown of it (each turn once). */
  'turn-cancelled': Omit<ServerFrameOf<'turn-cancelled'>, 'type'> & { replayed: boolean };
  'session-presence': Omit<ServerFrameOf<'session-presence'>, 'type'>;
  'session-moderated': Omit<ServerFrameOf<'session-moderated'>, 'type'>;
  /** A turn waits for a human GM (its world's budget, policy `wait`); a moderator's narration answers it (`turn-committed`, provider `gm`). */
  'turn-held': Omit<ServerFrameOf<'turn-held'>, 'type'>;
  /** Moderators only: the human GM queue changed. */
  'gm-queue': Omit<ServerFrameOf<'gm-queue'>, 'type'>;
  /** A session whose missed events could not be replayed (or that was joined again): show this state instead. */
  'session-resync': Omit<ServerFrameOf<'session-joined'>, 'type' | 'ref'> & { reason: ResyncReason };
  /** Each connection's `welcome`. */
  welcome: Welcome;
  /** Every change of `client.state`; `reconnecting` carries the attempt number and its delay, `closed` its cause. */
  state: { state: ClientState; previous: ClientState; attempt?: number; delayMs?: number; error?: GlassClientError };
  /** A failure no request is waiting for: a server error without ref, a room that could not be taken back, a bad frame, the cause of a close. */
  error: GlassClientError;
}

export type GlassClientEventName = keyof GlassClientEvents;
export type Listener<E extends GlassClientEventName> = (event: GlassClientEvents[E]) => void;

/** Listeners by event. A listener that throws does not stop the others; its error is reported as uncaught. */
export class Emitter {
  readonly #listeners = new Map<GlassClientEventName, Set<(event: never) => void>>();

  on<E extends GlassClientEventName>(event: E, listener: Listener<E>): () => void {
    let set = this.#listeners.get(event);
    if (set === undefined) this.#listeners.set(event, (set = new Set()));
    set.add(listener);
    return () => this.off(event, listener);
  }

  off<E extends GlassClientEventName>(event: E, listener: Listener<E>): void {
    this.#listeners.get(event)?.delete(listener);
  }

  emit<E extends GlassClientEventName>(event: E, payload: GlassClientEvents[E]): void {
    const set = this.#listeners.get(event);
    if (set === undefined) return;
    for (const listener of [...set]) {
      try {
        (listener as Listener<E>)(payload);
      } catch (err) {
        queueMicrotask(() => {
          throw err;
        });
      }
    }
  }
}
