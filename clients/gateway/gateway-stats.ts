// What the gateway counts and reports: its stats and its events.

/** Counters since the gateway started. */
export interface GatewayStats {
  connections: number;
  /** Room memberships of closed connections waiting for a resume. */
  heldRooms: number;
  /** Frames refused by the gateway, by error code. */
  refused: Record<string, number>;
  /** Upgrades refused, by error code. */
  upgradesRefused: Record<string, number>;
  slowConsumerCloses: number;
  /** Exceptions caught around uWS callbacks (answered 400/500, the node goes on), by route and callback. */
  handlerFailures: Record<string, number>;
}

/** What `Gateway.on` reports (mostly for tests and metrics). */
export interface GatewayEvents {
  /** A connection was closed for not reading (4008). */
  'slow-consumer': [player: string];
  /** A held membership's window ended and its leave was answered (`left` false: the player had moved on). */
  'hold-ended': [player: string, room: string, left: boolean];
}

/** Adds one to a code's count. */
export function count(table: Record<string, number>, code: string): void {
  table[code] = (table[code] ?? 0) + 1;
}
