import { Strategy, type RestartStrategy } from '../runtime/index.js';

// Erlang's supervisor strategies, each saying which of a parent's children (in spawn order)
// restart along with the one that failed. The host restarts the failing child itself either way.

/** Only the failing child: its siblings do not depend on it. */
export const ONE_FOR_ONE: RestartStrategy = Object.freeze({
  name: Strategy.ONE_FOR_ONE,
  restartsWith: () => false,
});

/** Every child: they share state that one failure may have left inconsistent. */
export const ONE_FOR_ALL: RestartStrategy = Object.freeze({
  name: Strategy.ONE_FOR_ALL,
  restartsWith: () => true,
});

/** The failing child and those spawned after it, which may depend on it. */
export const REST_FOR_ONE: RestartStrategy = Object.freeze({
  name: Strategy.REST_FOR_ONE,
  // A child its parent no longer lists takes every sibling with it, as one-for-all would.
  restartsWith: (failedIndex: number, siblingIndex: number) => siblingIndex >= Math.max(0, failedIndex),
});

const BY_NAME: Readonly<Record<Strategy, RestartStrategy>> = Object.freeze({
  [Strategy.ONE_FOR_ONE]: ONE_FOR_ONE,
  [Strategy.ONE_FOR_ALL]: ONE_FOR_ALL,
  [Strategy.REST_FOR_ONE]: REST_FOR_ONE,
});

/** The strategy object for a name (names are checked by resolveSupervision). */
export function strategyFor(name: Strategy): RestartStrategy {
  return BY_NAME[name];
}
