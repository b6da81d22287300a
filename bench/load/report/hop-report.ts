// The result's per-hop-kind figures and its moderation section, from the load processes' results.
import type hdr from 'hdr-histogram-js';
import { HOP_KINDS, mergeHops, type HopKind } from '../traffic/hop-recorder.js';
import type { RunResult } from '../traffic/player-process.js';
import { latencyFigures, type LatencyFigures } from './latency-figures.js';

/**
 * One hop kind: frames `sent`, answers counted in `count` (for say, each delivery to another
 * member) with their latency percentiles (ms), and error answers (`refused`). Sent but neither
 * answered nor refused: lost with a connection or still in flight at the end.
 */
export interface HopFigures extends LatencyFigures {
  sent: number;
  refused: number;
}

export type HopsSection = Partial<Record<HopKind, HopFigures>>;

export interface ModerationSection {
  /** Where the target's audit log is: a description, "none: …" (overrides are refused), or "unknown" (a remote target). */
  auditLog: string;
  /** Overrides sent, by command. */
  overrides: Record<string, number>;
  /** Overrides answered with override-applied. */
  applied: number;
  /** Overrides refused, by code (GLASS_ERR_AUDIT_UNAVAILABLE: no audit log; the others are also errors). */
  refused: Record<string, number>;
  /** Player frames refused because a moderator muted the player or paused the room or session, by code. */
  moderated: Record<string, number>;
}

function add(into: Record<string, number>, from: Record<string, number>): void {
  for (const [k, n] of Object.entries(from)) into[k] = (into[k] ?? 0) + n;
}

/** The hop kinds that were exercised (sent at least once); `say` from the timeline's whole-run histogram. */
export function hopsSection(results: readonly RunResult[], sayLatency: hdr.Histogram): HopsSection {
  const merged = mergeHops(results.map((r) => r.hops ?? {}));
  const out: HopsSection = {};
  for (const kind of HOP_KINDS) {
    const m = merged.get(kind);
    if (kind === 'say') {
      const sent = results.reduce((a, r) => a + r.sent, 0);
      if (sent > 0) out.say = { sent, refused: m?.refused ?? 0, ...latencyFigures(sayLatency) };
    } else if (m !== undefined && m.sent > 0) {
      out[kind] = { sent: m.sent, refused: m.refused, ...latencyFigures(m.histogram) };
    }
  }
  for (const m of merged.values()) m.histogram.destroy();
  return out;
}

/** Present when the run had moderators, or players were refused by moderation. */
export function moderationSection(results: readonly RunResult[], hops: HopsSection, auditLog: string, moderators: number): ModerationSection | undefined {
  const overrides: Record<string, number> = {};
  const refused: Record<string, number> = {};
  const moderated: Record<string, number> = {};
  for (const r of results) {
    add(overrides, r.overrides ?? {});
    add(refused, r.overridesRefused ?? {});
    add(moderated, r.moderated ?? {});
  }
  if (moderators === 0 && Object.keys(moderated).length === 0) return undefined;
  return { auditLog, overrides, applied: hops.override?.count ?? 0, refused, moderated };
}
