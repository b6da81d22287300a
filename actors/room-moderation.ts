import { GM_SPEAKER, type AuditRef, type ModerateMessage, type OverrideCommandName } from './override-command.js';

/** What moderators set on a room; saved with the room's state. */
export interface RoomModeration {
  /** Muted player → id of the audit row that muted it. */
  muted: Record<string, number>;
  paused: boolean;
  locked: boolean;
}

/** A line as the room keeps it (the shape room.ts exports as RoomLine). */
export interface ModeratedLine {
  seq: number;
  from: string;
  text: string;
  at: number;
  /** The text was removed by a moderator. */
  redacted?: true;
  /** Game-master narration injected by a moderator. */
  narration?: true;
}

/** The broadcast of an applied override: every member's gateway publishes it to the room's sockets. */
export interface ModeratedEvent {
  type: 'moderated';
  room: string;
  command: OverrideCommandName;
  audit: AuditRef;
  player?: string;
  seq?: number;
  text?: string;
  reason?: string;
  /** narrate: the line it added (it takes the room's next seq, like a said line). */
  line?: ModeratedLine;
}

export interface RoomModerationState {
  members: Record<string, string>;
  history: ModeratedLine[];
  seq: number;
  moderation?: RoomModeration;
}

/** What applying an override changed, for room.ts to broadcast. */
export interface RoomOverrideEffect {
  event: ModeratedEvent;
  /** kick: the member removed, and the node that held it (its gateway must drop the socket's subscription). */
  kicked?: { player: string; node: string };
}

/** The room's moderation, created on first use (rooms saved before moderation existed have none). */
export function moderationOf(state: RoomModerationState): RoomModeration {
  return (state.moderation ??= { muted: {}, paused: false, locked: false });
}

/**
 * Applies one validated override to a room's state. Every command succeeds: muting an absent player
 * mutes it for when it comes, kicking one who is not there or redacting a line already out of the
 * history changes nothing in the state, but the broadcast still goes out, carrying the audit ref.
 */
export function applyRoomOverride(state: RoomModerationState, room: string, msg: ModerateMessage, now: number, historyLimit: number): RoomOverrideEffect {
  const { command: c, audit } = msg;
  const m = moderationOf(state);
  const event: ModeratedEvent = { type: 'moderated', room, command: c.command, audit };
  if (c.reason !== undefined) event.reason = c.reason;
  let kicked: RoomOverrideEffect['kicked'];
  switch (c.command) {
    case 'mute':
      m.muted[c.player!] = audit.id;
      event.player = c.player;
      break;
    case 'unmute':
      delete m.muted[c.player!];
      event.player = c.player;
      break;
    case 'kick': {
      const player = c.player!;
      event.player = player;
      if (Object.hasOwn(state.members, player)) {
        kicked = { player, node: state.members[player] };
        delete state.members[player];
      }
      break;
    }
    case 'pause':
    case 'resume':
      m.paused = c.command === 'pause';
      break;
    case 'lock':
    case 'unlock':
      m.locked = c.command === 'lock';
      break;
    case 'redact': {
      event.seq = c.seq;
      const i = state.history.findIndex((l) => l.seq === c.seq);
      // Replaced, not edited: the old line object may still be on its way to a gateway in a batch.
      if (i >= 0) state.history[i] = Object.freeze({ seq: state.history[i].seq, from: state.history[i].from, text: '', at: state.history[i].at, redacted: true as const });
      break;
    }
    case 'narrate': {
      const line: ModeratedLine = Object.freeze({ seq: ++state.seq, from: GM_SPEAKER, text: c.text!, at: now, narration: true as const });
      state.history.push(line);
      if (state.history.length > historyLimit) state.history.shift();
      event.line = { ...line };
      break;
    }
    case 'note':
      event.text = c.text;
      break;
  }
  return kicked === undefined ? { event } : { event, kicked };
}
