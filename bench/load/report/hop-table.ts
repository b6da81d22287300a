// The per-hop-kind table and the moderation figures of a run, for the terminal, the HTML report and
// `glass bench compare`.
import { formatNumber, renderTable } from '../../support/report.js';
import { HOP_KINDS, HOP_LABELS, type HopKind } from '../traffic/hop-recorder.js';
import type { LoadResult, LoadResultSummary } from './result.js';
import { escapeXml } from './svg-chart.js';

const HEAD = ['hop', 'sent', 'answered', 'refused', 'p50', 'p90', 'p99', 'p99.9', 'max (ms)'];

function hopRows(r: LoadResult): string[][] {
  return HOP_KINDS.filter((k) => r.hops?.[k] !== undefined).map((k) => {
    const h = r.hops[k]!;
    return [HOP_LABELS[k], String(h.sent), String(h.count), String(h.refused), ...[h.p50, h.p90, h.p99, h.p999, h.max].map(formatNumber)];
  });
}

const codes = (counts: Record<string, number>): string => {
  const entries = Object.entries(counts);
  return entries.length === 0 ? 'none' : entries.map(([c, n]) => `${c} ${n}`).join(', ');
};

/** Lines of text: the scenario's traffic, the overrides, and the table of hops. */
function moderationLines(r: LoadResult): string[] {
  const m = r.moderation;
  if (m === undefined) return [];
  const sent = Object.values(m.overrides).reduce((a, n) => a + n, 0);
  const lines = [`audit log: ${m.auditLog}`, `overrides: ${sent} sent (${codes(m.overrides)}), ${m.applied} applied, refused: ${codes(m.refused)}`];
  if (m.auditLog.startsWith('none')) lines.push('  the target has no audit log: every override is refused with GLASS_ERR_AUDIT_UNAVAILABLE (counted here, not as errors)');
  lines.push(`player frames refused by moderation (not errors): ${codes(m.moderated)}`);
  return lines;
}

/** The scenario's traffic besides chat, in a phrase ("" when chat only). */
export function trafficPhrase(s: LoadResult['scenario']): string {
  const parts: string[] = [];
  if (s.sessions !== undefined) parts.push(`${s.sessions} sessions at ${s.turnsPerMinutePerPlayer} turns/min each`);
  if (s.hopEvery !== undefined) parts.push(`a room hop every ${formatNumber(s.hopEvery / 1000)} s`);
  if (s.moderators !== undefined) parts.push(`${s.moderators} moderators, ${s.overridesPerMinute} overrides/min`);
  return parts.join('; ');
}

/** For the terminal, after the main table. */
export function renderHopSummary(r: LoadResult): string {
  const rows = hopRows(r);
  if (rows.length === 0) return '';
  const phrase = trafficPhrase(r.scenario);
  const lost = `lines lost by members (seq gaps on a membership, or missing after the drain): ${r.totals.lost}`;
  return ['', ...(phrase === '' ? [] : [phrase, '']), renderTable(HEAD, rows), '', lost, ...moderationLines(r)].join('\n');
}

/** For the HTML report: a table with a row per hop kind, and the moderation figures. */
export function renderHopHtml(r: LoadResult): string {
  const rows = hopRows(r);
  if (rows.length === 0) return '';
  const cell = (tag: string, v: string): string => `<${tag}>${escapeXml(v)}</${tag}>`;
  const phrase = trafficPhrase(r.scenario);
  return `<h2>Hops</h2>
${phrase === '' ? '' : `<p>${escapeXml(phrase)}</p>\n`}<p>From the frame sent to its answer; for say, to each other member's said. Answered + refused &lt; sent: lost with a connection or in flight at the end.</p>
<table class="hops">
<tr>${HEAD.map((h) => cell('th', h)).join('')}</tr>
${rows.map((row) => `<tr>${row.map((v) => cell('td', v)).join('')}</tr>`).join('\n')}
</table>
<p>${escapeXml(`lines lost by members (seq gaps on a membership, or missing after the drain): ${r.totals.lost}`)}</p>
${moderationLines(r).map((l) => `<p>${escapeXml(l)}</p>`).join('\n')}`;
}

/** The p99 of each hop kind but say (whose p99 is the hop latency's), for `compare`: missing in a version 1 file. */
export function hopComparisonFigures(a: LoadResultSummary, b: LoadResultSummary): [string, (r: LoadResultSummary) => number | undefined][] {
  const kinds = HOP_KINDS.filter((k): k is Exclude<HopKind, 'say'> => k !== 'say' && (a.hops?.[k] !== undefined || b.hops?.[k] !== undefined));
  return kinds.map((k) => [`${HOP_LABELS[k]} p99 (ms)`, (r: LoadResultSummary) => r.hops?.[k]?.p99]);
}
