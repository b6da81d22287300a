// Reconnection delays: exponential, capped, with jitter so a fleet of clients dropped together does
// not come back together.

export interface ReconnectPolicy {
  /** Delay before the first reconnection attempt (before jitter). */
  minMs: number;
  /** Ceiling of every delay. */
  maxMs: number;
  /** Growth per failed attempt (≥ 1). */
  factor: number;
  /** Fraction in [0, 1] taken off at random: a delay lies in [base × (1 − jitter), base]. */
  jitter: number;
  /** Failed attempts in a row before the client gives up (`GLASS_CLIENT_ERR_RECONNECT_FAILED`); Infinity never does. */
  maxAttempts: number;
}

export const DEFAULT_RECONNECT: Readonly<ReconnectPolicy> = { minMs: 250, maxMs: 30_000, factor: 2, jitter: 0.5, maxAttempts: Infinity };

/** The delay before attempt `attempt` (0 for the first after a drop), given `random` in [0, 1). */
export function reconnectDelay(policy: ReconnectPolicy, attempt: number, random: number): number {
  const base = Math.min(policy.maxMs, policy.minMs * policy.factor ** attempt);
  return Math.round(base * (1 - policy.jitter * random));
}
