import { Cron } from "croner";

/**
 * Schedules as plain functions: fire times of a cron schedule in a DAG's own
 * IANA timezone, data intervals and logical dates (Airflow's convention), and
 * the intervals a catchup must run. No clock: every "now" comes in. croner is
 * used as a calculator only (its DST handling is the policy below); Cloudflare
 * Cron Triggers run in UTC, so the one `* * * * *` trigger asks this module
 * what is due.
 *
 * DST policy (croner's, checked by tests on Europe/Amsterdam's 2026 changes):
 * a fire time in the spring-forward gap runs once, at the first valid instant
 * after it (`30 2 * * *` on 29 March runs at 03:00 CEST); a fire time the
 * fall-back repeats runs once, at its first occurrence (`30 2 * * *` on 25
 * October runs at 02:30 CEST, not again at 02:30 CET); interval schedules
 * (`*\/30 * * * *`) fire every real half hour across both changes.
 */

/** Airflow's presets, as the five-field expressions they stand for. */
export const SCHEDULE_PRESETS: Readonly<Record<string, string>> = {
  "@hourly": "0 * * * *",
  "@daily": "0 0 * * *",
  "@weekly": "0 0 * * 0",
  "@monthly": "0 0 1 * *",
  "@yearly": "0 0 1 1 *",
};

/** A DAG's schedule: a cron expression (or preset) and the timezone it is read in. */
export interface Schedule {
  expression: string;
  timezone: string;
}

/** One scheduled run: it covers `[dataIntervalStart, dataIntervalEnd)`, runs at the end, and is named by the start. */
export interface ScheduledInterval {
  /** = dataIntervalStart (epoch ms). */
  logicalDate: number;
  dataIntervalStart: number;
  dataIntervalEnd: number;
}

/** Why a schedule field is refused, naming the field (undefined: both are fine). */
export function scheduleProblem(expression: string, timezone: string): { path: "schedule" | "timezone"; message: string } | undefined {
  if (!isTimeZone(timezone)) return { path: "timezone", message: `unknown time zone '${timezone}'` };
  const pattern = SCHEDULE_PRESETS[expression] ?? expression;
  if (pattern.trim().split(/\s+/).length !== 5) return { path: "schedule", message: `invalid cron expression '${expression}' (five fields, or ${Object.keys(SCHEDULE_PRESETS).join(", ")})` };
  try {
    new Cron(pattern, { timezone, paused: true });
  } catch (err) {
    return { path: "schedule", message: `invalid cron expression '${expression}': ${err instanceof Error ? err.message : String(err)}` };
  }
  return undefined;
}

/** True for an IANA time zone name the runtime knows. */
export function isTimeZone(name: string): boolean {
  try {
    new Intl.DateTimeFormat("en-US", { timeZone: name });
    return true;
  } catch {
    return false;
  }
}

function cron(s: Schedule): Cron {
  return new Cron(SCHEDULE_PRESETS[s.expression] ?? s.expression, { timezone: s.timezone, paused: true });
}

/** The next `count` fire times strictly after `after` (epoch ms), in order. */
export function fireTimesAfter(s: Schedule, after: number, count: number): number[] {
  const c = cron(s);
  const out: number[] = [];
  let t = new Date(after);
  for (let i = 0; i < count; i++) {
    const next = c.nextRun(t);
    if (!next) break;
    out.push(next.getTime());
    t = next;
  }
  return out;
}

/** The fire time before `at` (strictly), or undefined when the schedule has none. */
export function fireTimeBefore(s: Schedule, at: number): number | undefined {
  const [prev] = cron(s).previousRuns(1, new Date(at));
  return prev?.getTime();
}

/** The scheduled interval that a fire at `fireAt` closes (its run runs at `fireAt`). */
export function intervalEndingAt(s: Schedule, fireAt: number): ScheduledInterval | undefined {
  const start = fireTimeBefore(s, fireAt);
  if (start === undefined) return undefined;
  return { logicalDate: start, dataIntervalStart: start, dataIntervalEnd: fireAt };
}

/**
 * The intervals whose runs are due at `now`: with `catchup`, every complete interval starting at or
 * after `since` (the last scheduled run's interval end, or the DAG's `startDate`), oldest first, at
 * most `limit`; without, only the latest complete one, if it starts at or after `since`. `endDate`:
 * no interval starts after it.
 */
export function dueIntervals(
  s: Schedule,
  opts: { since: number; now: number; catchup: boolean; endDate?: number; limit?: number },
): ScheduledInterval[] {
  const limit = opts.limit ?? 1_000;
  const inRange = (i: ScheduledInterval): boolean =>
    i.dataIntervalStart >= opts.since && i.dataIntervalEnd <= opts.now && (opts.endDate === undefined || i.dataIntervalStart <= opts.endDate);
  if (!opts.catchup) {
    const lastFire = fireTimeBefore(s, opts.now + 1);
    const latest = lastFire === undefined ? undefined : intervalEndingAt(s, lastFire);
    return latest && inRange(latest) ? [latest] : [];
  }
  const out: ScheduledInterval[] = [];
  // The first interval starts at the first fire time at or after `since`.
  let start = fireTimesAfter(s, opts.since - 1, 1)[0];
  while (start !== undefined && out.length < limit) {
    const end = fireTimesAfter(s, start, 1)[0];
    if (end === undefined) break;
    const interval = { logicalDate: start, dataIntervalStart: start, dataIntervalEnd: end };
    if (!inRange(interval)) break;
    out.push(interval);
    start = end;
  }
  return out;
}

/** Airflow's `ds`: a logical date as `YYYY-MM-DD` in the DAG's timezone. */
export function ds(ms: number, timezone: string): string {
  const parts = new Intl.DateTimeFormat("en-CA", { timeZone: timezone, year: "numeric", month: "2-digit", day: "2-digit" }).formatToParts(new Date(ms));
  const part = (type: string): string => parts.find((p) => p.type === type)?.value ?? "";
  return `${part("year")}-${part("month")}-${part("day")}`;
}

/**
 * The next scheduled interval a DAG runs, given `cursor` (the end of its last scheduled run's
 * interval, or its `startDate`) and `now`: with catchup, the first interval starting at or after
 * the cursor (its run is due when `dataIntervalEnd <= now`); without, the latest complete
 * interval if it starts at or after the cursor, else the next one to complete. `endDate`: no
 * interval starts after it.
 */
export function nextScheduledInterval(
  s: Schedule & { catchup: boolean; endDate?: number },
  cursor: number,
  now: number,
): ScheduledInterval | undefined {
  let start = fireTimesAfter(s, cursor - 1, 1)[0];
  if (start === undefined) return undefined;
  if (!s.catchup) {
    const lastFire = fireTimeBefore(s, now + 1);
    const latestStart = lastFire === undefined ? undefined : fireTimeBefore(s, lastFire);
    if (latestStart !== undefined && latestStart > start) start = latestStart;
  }
  if (s.endDate !== undefined && start > s.endDate) return undefined;
  const end = fireTimesAfter(s, start, 1)[0];
  if (end === undefined) return undefined;
  return { logicalDate: start, dataIntervalStart: start, dataIntervalEnd: end };
}

/** The next `count` scheduled runs after `from`, as the schedule API lists them (ISO times). */
export function upcomingRuns(s: Schedule, from: number, count: number) {
  const out: Array<{ runAt: string; logicalDate: string; dataIntervalStart: string; dataIntervalEnd: string }> = [];
  for (const fireAt of fireTimesAfter(s, from, count)) {
    const i = intervalEndingAt(s, fireAt);
    if (!i) continue;
    const at = (ms: number): string => new Date(ms).toISOString();
    out.push({ runAt: at(fireAt), logicalDate: at(i.logicalDate), dataIntervalStart: at(i.dataIntervalStart), dataIntervalEnd: at(i.dataIntervalEnd) });
  }
  return out;
}
