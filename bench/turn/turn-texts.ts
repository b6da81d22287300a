// What the bench's players say: a few turns that call for checks (the check model's keywords),
// the same list on both sides, picked by session and turn so that both sides run the same work.
const TEXTS = [
  'I climb the wall carefully and search the tower',
  'I sneak past the guards and listen at the door',
  'I persuade the innkeeper to tell us about the road',
  'I look around the hall for anything unusual',
  'I leap across the gap and grab the ledge',
] as const;

/** The text of turn `turn` (1, 2, …) of the `index`-th session. */
export function turnText(index: number, turn: number): string {
  return TEXTS[(index + turn) % TEXTS.length]!;
}
