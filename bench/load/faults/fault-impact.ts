// What a fault did to the delivered throughput, computed from the run's timeline alone (pure):
// the baseline before it, the dip after it, and the time until throughput came back for good.
//
// Buckets: bucket i covers [i·b, (i+1)·b) ms from the start (its timeline `t` is its end, in s).
// Only whole buckets before the end of sending count (the drain's buckets fall off by design).
// - baseline: the mean delivered/s of the steady buckets before the fault — from one bucket after
//   the ramp-up (the first one still carries lines held up by activations and joins), ended by the
//   fault's time, and outside every earlier fault's impact: from that fault to one bucket past its
//   recovery (the bucket that brings the lines the fault held up, well above the mean), or, for a
//   fault that did not recover, everything after it. None left: the previous fault's baseline.
// - window: the buckets from the one holding the fault to the last whole one before the next fault
//   (or the end of sending).
// - dip: the window's lowest bucket, and its share of the baseline.
// - recovery: from the fault to the start of the first bucket of the window from which every
//   bucket to the window's end is ≥ threshold × baseline (0 when the fault's own bucket already is).

export interface ImpactBucket {
  /** End of the bucket, seconds from the start. */
  t: number;
  deliveredPerSec: number;
}

export interface ImpactInput {
  timeline: readonly ImpactBucket[];
  bucketMs: number;
  rampUpMs: number;
  /** Sending stops here: later buckets are the drain. */
  durationMs: number;
  /** When each fault really happened (ms from the start), in time order. */
  faultsAtMs: readonly number[];
  /** Share of the baseline that counts as recovered (default 0.9). */
  threshold?: number;
}

export interface FaultImpact {
  atMs: number;
  /** Mean delivered/s before the fault; null when no steady bucket came before it. */
  baselinePerSec: number | null;
  /** The lowest bucket of the window (delivered/s), its end (s) and its share of the baseline. */
  dipPerSec: number | null;
  dipAtS: number | null;
  dipShare: number | null;
  recovered: boolean;
  /** From the fault to the first bucket from which throughput stays ≥ threshold × baseline. */
  recoveryMs: number | null;
  /** Why there is no recovery time. */
  reason?: string;
  /** The window its errors and reconnects are counted over: the fault → its recovery (at least its own bucket), else → the window's end. */
  window: { fromMs: number; toMs: number };
}

const round = (v: number, digits: number): number => Number(v.toFixed(digits));
/** Buckets left out of baselines after the ramp-up and after an earlier fault's recovery. */
const SETTLE_BUCKETS = 1;

export function faultImpacts(input: ImpactInput): FaultImpact[] {
  const b = input.bucketMs;
  const threshold = input.threshold ?? 0.9;
  // Whole buckets before the end of sending.
  const whole = Math.min(input.timeline.length, Math.floor(input.durationMs / b));
  const rate = (i: number): number => input.timeline[i].deliveredPerSec;
  /** Intervals [from, to) of earlier faults' impacts, excluded from later baselines. */
  const disturbed: { from: number; to: number }[] = [];
  let lastBaseline: number | null = null;
  const out: FaultImpact[] = [];

  input.faultsAtMs.forEach((at, n) => {
    const next = input.faultsAtMs[n + 1];
    const windowEndMs = Math.min(input.durationMs, next ?? Infinity);
    const first = Math.floor(at / b);
    const last = Math.min(whole, Math.floor(windowEndMs / b)) - 1;

    const steady: number[] = [];
    for (let i = 0; i < whole; i++) {
      const from = i * b;
      const to = from + b;
      if (from < input.rampUpMs + SETTLE_BUCKETS * b || to > at) continue;
      if (disturbed.some((d) => to > d.from && from < d.to)) continue;
      steady.push(rate(i));
    }
    const baseline = steady.length > 0 ? steady.reduce((a, v) => a + v, 0) / steady.length : lastBaseline;
    lastBaseline = baseline;
    const until = next === undefined ? `sending stopped at ${round(input.durationMs / 1000, 3)} s` : `the next fault at ${round(next / 1000, 3)} s`;

    let dipAt: number | null = null;
    for (let i = first; i <= last; i++) if (dipAt === null || rate(i) < rate(dipAt)) dipAt = i;
    const impact: FaultImpact = {
      atMs: at,
      baselinePerSec: baseline === null ? null : round(baseline, 1),
      dipPerSec: dipAt === null ? null : rate(dipAt),
      dipAtS: dipAt === null ? null : input.timeline[dipAt].t,
      dipShare: dipAt === null || baseline === null || baseline === 0 ? null : round(rate(dipAt) / baseline, 3),
      recovered: false,
      recoveryMs: null,
      window: { fromMs: at, toMs: windowEndMs },
    };
    if (baseline === null) impact.reason = 'no steady bucket before the fault (after the ramp-up) to compare with';
    else if (dipAt === null) impact.reason = `no whole bucket between the fault and ${until}`;
    else {
      let from: number | null = null;
      for (let i = last; i >= first && rate(i) >= threshold * baseline; i--) from = i;
      if (from === null) impact.reason = `throughput stayed under ${Math.round(threshold * 100)} % of the pre-fault mean (${round(baseline, 1)}/s) until ${until}`;
      else {
        impact.recovered = true;
        impact.recoveryMs = Math.max(0, from * b - at);
        impact.window = { fromMs: at, toMs: Math.max(from * b, (first + 1) * b) };
      }
    }
    disturbed.push({ from: at, to: impact.recovered ? at + impact.recoveryMs! + SETTLE_BUCKETS * b : Infinity });
    out.push(impact);
  });
  return out;
}
