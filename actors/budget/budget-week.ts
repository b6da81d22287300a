// ISO 8601 weeks (Monday to Sunday, UTC): the period a world's budget counts over. Pure: the time
// comes from the caller's clock (ctx.now(), a ManualClock in tests), so a rollover is tested
// without waiting a week.

const DAY_MS = 86_400_000;

/** The ISO week of `ms` (UTC) as `YYYY-Www`, e.g. "2026-W49"; week 1 holds the year's first Thursday. */
export function isoWeekOf(ms: number): string {
  if (!Number.isFinite(ms)) throw new RangeError('isoWeekOf needs a finite time');
  const day = new Date(Math.floor(ms / DAY_MS) * DAY_MS);
  // The Thursday of this week decides its year.
  const weekday = (day.getUTCDay() + 6) % 7; // Monday 0 … Sunday 6
  const thursday = new Date(day.getTime() + (3 - weekday) * DAY_MS);
  const year = thursday.getUTCFullYear();
  const firstThursday = new Date(Date.UTC(year, 0, 4));
  const firstMonday = firstThursday.getTime() - ((firstThursday.getUTCDay() + 6) % 7) * DAY_MS;
  const week = 1 + Math.floor((thursday.getTime() - firstMonday) / (7 * DAY_MS));
  return `${year}-W${String(week).padStart(2, '0')}`;
}

/** When the ISO week holding `ms` ends (the next Monday 00:00 UTC), in ms. */
export function weekEndsAt(ms: number): number {
  const day = Math.floor(ms / DAY_MS) * DAY_MS;
  const weekday = (new Date(day).getUTCDay() + 6) % 7;
  return day + (7 - weekday) * DAY_MS;
}

/** A week key as this module writes it (what is read back from a store is checked with this). */
export function isWeekKey(value: unknown): value is string {
  return typeof value === 'string' && /^\d{4}-W(0[1-9]|[1-4]\d|5[0-3])$/.test(value);
}
