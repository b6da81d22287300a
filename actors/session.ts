import { GlassError } from '../runtime/index.js';
import { defineActor } from './define-actor.js';

export const SESSION_TRANSCRIPT_LIMIT = 500;
export const MAX_TURN_LENGTH = 4_000;

export interface Turn {
  turn: number;
  player: string;
  text: string;
  at: number;
}

export interface SessionState {
  /** Number of turns taken in the session (never decreases). */
  turn: number;
  /** The most recent turns, oldest first; older ones leave memory (the archive issue keeps them). */
  transcript: Turn[];
}

/** A narrative session: each player turn is appended to the transcript and numbered. */
export const session = defineActor({
  kind: 'session',
  // A turn is acknowledged only once it is saved: narrative is never lost to a crash.
  persistence: { save: 'every-message' },
  readOnly: ['transcript'],
  initialState: (): SessionState => ({ turn: 0, transcript: [] }),
  handlers: {
    turn(ctx, msg: { player: string; text: string }) {
      if (typeof msg.text !== 'string' || msg.text.length === 0 || msg.text.length > MAX_TURN_LENGTH) {
        throw new GlassError('GLASS_ERR_TEXT_TOO_LONG', `a turn is 1 to ${MAX_TURN_LENGTH} characters`);
      }
      const state = ctx.state;
      const turn: Turn = { turn: ++state.turn, player: msg.player, text: msg.text, at: ctx.now() };
      state.transcript.push(turn);
      if (state.transcript.length > SESSION_TRANSCRIPT_LIMIT) state.transcript.shift();
      return { turn: turn.turn };
    },

    transcript(ctx, msg: { since?: number }) {
      const since = msg.since ?? 0;
      return { turn: ctx.state.turn, turns: ctx.state.transcript.filter((t) => t.turn > since) };
    },
  },
});
