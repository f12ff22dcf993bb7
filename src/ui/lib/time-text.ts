/**
 * Times as the UI writes them. Pure: the clock comes in as `now`, and a time zone is named
 * (a DAG's schedule reads in its own zone; the browser's zone is the caller's choice).
 */

/** `2026-12-02 00:00` in `timeZone` (and the zone's name after it unless `bare`). */
export function formatInZone(iso: string | null | undefined, timeZone: string, opts: { bare?: boolean } = {}): string {
  if (!iso) return "—";
  const ms = Date.parse(iso);
  if (!Number.isFinite(ms)) return iso;
  let parts: Intl.DateTimeFormatPart[];
  try {
    parts = new Intl.DateTimeFormat("en-GB", {
      timeZone,
      year: "numeric",
      month: "2-digit",
      day: "2-digit",
      hour: "2-digit",
      minute: "2-digit",
      hourCycle: "h23",
    }).formatToParts(ms);
  } catch {
    return iso;
  }
  const get = (t: string) => parts.find((p) => p.type === t)?.value ?? "";
  const text = `${get("year")}-${get("month")}-${get("day")} ${get("hour")}:${get("minute")}`;
  return opts.bare ? text : `${text} ${timeZone}`;
}

/** How far `iso` is from `now`: "in 3 h", "in 12 min", "5 min ago", "2 d ago", "now". */
export function relativeTime(iso: string | null | undefined, now: number): string {
  if (!iso) return "";
  const ms = Date.parse(iso);
  if (!Number.isFinite(ms)) return "";
  const d = ms - now;
  const a = Math.abs(d);
  if (a < 30_000) return "now";
  const text = a < 3_600_000 ? `${Math.round(a / 60_000)} min` : a < 48 * 3_600_000 ? `${Math.round(a / 3_600_000)} h` : `${Math.round(a / 86_400_000)} d`;
  return d > 0 ? `in ${text}` : `${text} ago`;
}

/** A data interval `[start, end)` as one phrase in the DAG's zone. */
export function formatInterval(start: string | null | undefined, end: string | null | undefined, timeZone: string): string {
  if (!start || !end) return "—";
  if (start === end) return `${formatInZone(start, timeZone)} (a point: a manual run of that date)`;
  return `${formatInZone(start, timeZone, { bare: true })} → ${formatInZone(end, timeZone)}`;
}
