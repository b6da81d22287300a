// Time and chance, injectable: the SDK never calls setTimeout, Date.now or Math.random directly,
// so a test can drive reconnection delays without waiting on the wall clock.

/** What a timer is for; a test scheduler may treat kinds differently (e.g. hold `reconnect` timers). */
export type TimerPurpose = 'reconnect' | 'request' | 'connect' | 'pace';

export interface Scheduler {
  setTimeout(callback: () => void, ms: number, purpose: TimerPurpose): unknown;
  clearTimeout(handle: unknown): void;
  /** Milliseconds since the epoch. */
  now(): number;
  /** A number in [0, 1). */
  random(): number;
}

type TimerHandle = Parameters<typeof globalThis.clearTimeout>[0];

/** The host's timers, clock and `Math.random` (the same in browsers and Node). */
export const realScheduler: Scheduler = {
  setTimeout: (callback, ms) => globalThis.setTimeout(callback, ms),
  clearTimeout: (handle) => globalThis.clearTimeout(handle as TimerHandle),
  now: () => Date.now(),
  random: () => Math.random(),
};
