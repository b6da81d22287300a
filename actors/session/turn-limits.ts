// The length limit of a player's turn: a leaf, so the actor and the turn graph share it without
// importing each other.

/** A turn's text is 1 to MAX_TURN_LENGTH characters. */
export const MAX_TURN_LENGTH = 4_000;
