// What to send after a reconnect to take the rooms back (docs/PROTOCOL.md, "Continuity"), and what
// to repair once the server has answered. Pure functions of the resume token and the rooms.

export interface HeldToken {
  token: string;
  /** The rooms the token covers. */
  rooms: string[];
}

export interface ResumePlan {
  /** The `resume` frame's token and per-room seqs, or null when there is nothing to resume with. */
  resume: { token: string; rooms: Record<string, number> } | null;
}

/** Resume the rooms the client is in that the token covers, each with the last seq seen. */
export function planResume(token: HeldToken | null, seqs: Readonly<Record<string, number>>): ResumePlan {
  const wanted = Object.keys(seqs);
  if (token === null || wanted.length === 0) return { resume: null };
  const rooms: Record<string, number> = {};
  for (const room of wanted) if (token.rooms.includes(room)) rooms[room] = seqs[room];
  return Object.keys(rooms).length === 0 ? { resume: null } : { resume: { token: token.token, rooms } };
}

/**
 * After the resume (or without one): rooms the client is in that the connection does not hold, or
 * that got no `resumed`/`resync` (their actor refused: the gateway still lists them in the token,
 * unsubscribed), must be joined again; rooms the connection holds that the client left (a stale
 * token resyncs them) are left.
 */
export function repairAfterResume(held: readonly string[], answered: ReadonlySet<string>, wanted: readonly string[]): { rejoin: string[]; leave: string[] } {
  return {
    rejoin: wanted.filter((room) => !held.includes(room) || !answered.has(room)),
    leave: held.filter((room) => !wanted.includes(room)),
  };
}
