/**
 * Dates and times as users write them in a DAG's timezone: `2026-11-01` (midnight there),
 * `2026-11-01T06:00[:ss[.mmm]]` (wall-clock time there), or with `Z` / `±hh:mm` (an absolute
 * instant). Pure: Intl's timezone data, no clock.
 */

const PATTERN = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,3}))?)?)?(Z|[+-]\d{2}:\d{2})?$/;

/** The offset of `timezone` from UTC at the instant `ms`, in ms (Amsterdam in summer: +7,200,000). */
export function zoneOffsetMs(ms: number, timezone: string): number {
  const parts = new Intl.DateTimeFormat("en-US", {
    timeZone: timezone,
    hourCycle: "h23",
    year: "numeric",
    month: "2-digit",
    day: "2-digit",
    hour: "2-digit",
    minute: "2-digit",
    second: "2-digit",
  }).formatToParts(new Date(ms));
  const n = (type: string): number => Number(parts.find((p) => p.type === type)?.value ?? 0);
  const wall = Date.UTC(n("year"), n("month") - 1, n("day"), n("hour"), n("minute"), n("second"));
  return wall - Math.floor(ms / 1000) * 1000;
}

/**
 * Epoch ms of a date or date-time written in `timezone`, or undefined when the text is not one.
 * A wall-clock time the spring-forward skips is moved forward by the gap's length (02:30 on
 * Amsterdam's spring-forward day is 03:30 CEST, as JavaScript dates read it); a time the fall-back
 * repeats is its first occurrence.
 */
export function parseZonedTime(text: string, timezone: string): number | undefined {
  const m = PATTERN.exec(text.trim());
  if (!m) return undefined;
  const [, y, mo, d, h = "00", mi = "00", s = "00", frac = "0", zone] = m;
  const fields = [Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(s), Number(frac.padEnd(3, "0"))] as const;
  const wall = Date.UTC(...fields);
  // Reject 2026-02-30 and 25:00: the fields must survive the round trip.
  const back = new Date(wall);
  if (back.getUTCMonth() !== fields[1] || back.getUTCDate() !== fields[2] || back.getUTCHours() !== fields[3] || back.getUTCMinutes() !== fields[4]) return undefined;
  if (zone !== undefined) {
    if (zone === "Z") return wall;
    const sign = zone.startsWith("-") ? -1 : 1;
    const [oh, om] = zone.slice(1).split(":").map(Number);
    return wall - sign * ((oh ?? 0) * 3_600_000 + (om ?? 0) * 60_000);
  }
  // The offsets a day before and a day after cover both sides of any change: a reading that shows
  // the wall time is valid; of two (a repeated hour) the first occurrence; of none (a gap), the
  // reading with the offset before the gap, which lands after it.
  const before = wall - zoneOffsetMs(wall - 86_400_000, timezone);
  const after = wall - zoneOffsetMs(wall + 86_400_000, timezone);
  const valid = [before, after].filter((t) => t + zoneOffsetMs(t, timezone) === wall);
  return valid.length > 0 ? Math.min(...valid) : before;
}
