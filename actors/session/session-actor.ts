import { GATEWAY_KIND, GlassError } from '../../runtime/index.js';
import { defineActor } from '../define-actor.js';
import { ModerationErrors, RoomErrors } from '../actor-errors.js';
import { GM_SPEAKER, type ModerateMessage } from '../override-command.js';
import { MAX_TURN_LENGTH } from './turn-limits.js';

export { MAX_TURN_LENGTH };

export const SESSION_TRANSCRIPT_LIMIT = 500;

export interface Turn {
  turn: number;
  player: string;
  text: string;
  at: number;
  /** The text was removed by a moderator. */
  redacted?: true;
  /** Game-master narration injected by a moderator. */
  narration?: true;
}

/** What moderators set on a session; saved with it. */
export interface SessionModeration {
  /** Muted player → id of the audit row that muted it. */
  muted: Record<string, number>;
  paused: boolean;
}

export interface SessionState {
  /** Number of turns taken in the session (never decreases). */
  turn: number;
  /** The most recent turns, oldest first; older ones leave memory (the archive issue keeps them). */
  transcript: Turn[];
  /** Absent in sessions saved before any override. */
  moderation?: SessionModeration;
  /** Set by the turn that created the session (absent in sessions created before creation was checked). */
  created?: true;
}

/** A narrative session: each player turn is appended to the transcript and numbered. */
export const session = defineActor({
  kind: 'session',
  // A turn is acknowledged only once it is saved: narrative is never lost to a crash.
  persistence: { save: 'every-message' },
  readOnly: ['transcript'],
  initialState: (): SessionState => ({ turn: 0, transcript: [] }),
  handlers: {
    /**
     * `cannotCreate`: why this turn may not create the session if it does not exist (absent: it may).
     * A session has no members: any player may take turns in one that exists.
     */
    turn(ctx, msg: { player: string; text: string; cannotCreate?: string }) {
      if (typeof msg.text !== 'string' || msg.text.length === 0 || msg.text.length > MAX_TURN_LENGTH) {
        throw new GlassError(RoomErrors.TEXT_TOO_LONG, `a turn is 1 to ${MAX_TURN_LENGTH} characters`);
      }
      const state = ctx.state;
      const moderation = state.moderation;
      if (moderation !== undefined) {
        if (moderation.paused) throw new GlassError(ModerationErrors.PAUSED, `session ${ctx.self.id} is paused by a moderator`);
        if (Object.hasOwn(moderation.muted, msg.player)) throw new GlassError(ModerationErrors.MUTED, `${msg.player} is muted in session ${ctx.self.id}`);
      }
      let created = false;
      if (state.created !== true && state.turn === 0 && moderation === undefined) {
        if (msg.cannotCreate !== undefined) throw new GlassError(RoomErrors.CREATE_REFUSED, `session ${ctx.self.id} does not exist: ${msg.cannotCreate}`);
        state.created = created = true;
      }
      return { turn: append(state, msg.player, msg.text, ctx.now()).turn, created };
    },

    transcript(ctx, msg: { since?: number }) {
      const since = msg.since ?? 0;
      return { turn: ctx.state.turn, turns: ctx.state.transcript.filter((t) => t.turn > since) };
    },

    /**
     * A moderator's override, from the session's override actor on the system lane (it overtakes
     * queued turns). A session has no members to broadcast to: the acknowledgement goes to the
     * waiting gateway (`replyTo`), and players see the effect in the answers to their turns and in
     * the transcript.
     */
    moderate(ctx, msg: ModerateMessage) {
      const state = ctx.state;
      const m = (state.moderation ??= { muted: {}, paused: false });
      const c = msg.command;
      switch (c.command) {
        case 'mute':
          m.muted[c.player!] = msg.audit.id;
          break;
        case 'unmute':
          delete m.muted[c.player!];
          break;
        case 'pause':
        case 'resume':
          m.paused = c.command === 'pause';
          break;
        case 'redact': {
          const i = state.transcript.findIndex((t) => t.turn === c.seq);
          // Replaced, not edited: the old object may still be on its way in a reply's batch.
          if (i >= 0) state.transcript[i] = Object.freeze({ ...state.transcript[i], text: '', redacted: true as const });
          break;
        }
        case 'narrate':
          append(state, GM_SPEAKER, c.text!, ctx.now(), true);
          break;
        default:
          // note (kept by the override actor and the audit log); kick and lock never reach a session.
          break;
      }
      ctx.tell({ kind: GATEWAY_KIND, id: msg.replyTo }, { type: 'override-applied', target: { kind: 'session', id: ctx.self.id }, audit: msg.audit });
      return { audit: msg.audit.id };
    },
  },
});

function append(state: SessionState, player: string, text: string, at: number, narration = false): Turn {
  // Frozen: never edited in place (a redaction replaces it), so stores reuse its JSON (runtime/state-json.ts).
  const turn: Turn = Object.freeze(narration ? { turn: ++state.turn, player, text, at, narration: true as const } : { turn: ++state.turn, player, text, at });
  state.transcript.push(turn);
  if (state.transcript.length > SESSION_TRANSCRIPT_LIMIT) state.transcript.shift();
  return turn;
}
