// How a committed turn moves the scene: deterministic, so a replayed or resumed turn moves it the same way.
import type { CheckOutcome, CheckResult } from './rules.js';
import { SCENE_SUMMARY_LIMIT, type Scene } from './scene.js';

/** How far each check outcome moves the momentum. */
const MOMENTUM_STEP: Readonly<Record<CheckOutcome, number>> = { 'critical-success': 2, success: 1, failure: -1, 'critical-failure': -2 };
export const MIN_MOMENTUM = -3;
export const MAX_MOMENTUM = 3;
/** The longest sentence one turn adds to the summary. */
export const SCENE_SENTENCE_LIMIT = 200;

/**
 * The scene after a turn: the summary gains the narration's first sentence (whitespace collapsed,
 * at most SCENE_SENTENCE_LIMIT characters) and loses its oldest characters past SCENE_SUMMARY_LIMIT;
 * the momentum moves by each check's outcome, clamped to MIN_MOMENTUM…MAX_MOMENTUM.
 */
export function nextScene(previous: Scene, narration: string, checks: readonly CheckResult[]): Scene {
  let momentum = previous.momentum;
  for (const check of checks) momentum += MOMENTUM_STEP[check.outcome] ?? 0;
  momentum = Math.min(MAX_MOMENTUM, Math.max(MIN_MOMENTUM, momentum));
  const sentence = firstSentence(narration);
  let summary = sentence === '' ? previous.summary : previous.summary === '' ? sentence : previous.summary + ' ' + sentence;
  if (summary.length > SCENE_SUMMARY_LIMIT) summary = summary.slice(summary.length - SCENE_SUMMARY_LIMIT).trimStart();
  return { summary, momentum };
}

export function firstSentence(text: string): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  const end = flat.search(/[.!?](\s|$)/);
  const sentence = end < 0 ? flat : flat.slice(0, end + 1);
  return sentence.length <= SCENE_SENTENCE_LIMIT ? sentence : sentence.slice(0, SCENE_SENTENCE_LIMIT - 1).trimEnd() + '…';
}
