/** What a session remembers of its story between turns: the next turn's prompt uses it. Kept small. */
export interface Scene {
  /** A short summary of the story so far (at most SCENE_SUMMARY_LIMIT characters). */
  summary: string;
  /** -3 (things go badly) … +3 (things go well): moved by the checks' outcomes. */
  momentum: number;
}

export const SCENE_SUMMARY_LIMIT = 1_000;

export const EMPTY_SCENE: Scene = Object.freeze({ summary: '', momentum: 0 });
