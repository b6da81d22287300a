// What a load generator of the rooms scenario drives, whichever side a player is connected to:
// the wire-contract between load.ts and the clients of each side (ws-player.ts, peer-client.ts).

/** The sides of the rooms scenario: our node + gateway, the bare uWS relay, a peer framework. */
/** `traced`: ours with OTLP tracing on (--tracing both). */
export type SideName = 'ours' | 'traced' | 'baseline' | 'peer';

export interface PlayerSpec {
  player: string;
  room: string;
  /** Access token (ours); the baseline and the peer take the player's name without one. */
  token?: string;
  /** The loopback address the socket comes from (127.0.0.2 and up: under a per-address limit); default the system's. */
  localAddress?: string;
}

/** A connected, joined player of one side. */
export interface LoadPlayer {
  readonly player: string;
  readonly room: string;
  /** When its next line is due (performance.now() ms); set and advanced by the run loop. */
  nextAt: number;
  /** Says `text` in its room. */
  say(text: string): void;
  /** Drops the connection at once. */
  terminate(): void;
}

/** What a player reports to its load process. */
export interface LoadEvents {
  /** A `said` line received by `receiver`: its sender and text. */
  said(receiver: string, from: string, text: string): void;
  /** An error the side reported (an error frame's code, a Colyseus error code). */
  error(code: string): void;
  /** The connection closed with this code. */
  closed(code: number): void;
}
