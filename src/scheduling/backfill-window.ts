import { fireTimesAfter, type Schedule, type ScheduledInterval } from "./schedule";

/** Which dates of a backfill's window it runs again (Airflow's `reprocess_behavior`). */
export type Reprocess = "missing" | "failed" | "all";

/** The most dates one backfill covers: a window past it is refused, not truncated. */
export const MAX_BACKFILL_DATES = 10_000;

/**
 * The scheduled intervals whose logical date lies in `[from, to]` (both inclusive, epoch ms),
 * oldest first: what a backfill over that window would run. `undefined` when the window holds more
 * than `max` dates (the caller answers 400 rather than silently cutting it).
 */
export function backfillIntervals(s: Schedule, from: number, to: number, max = MAX_BACKFILL_DATES): ScheduledInterval[] | undefined {
  const out: ScheduledInterval[] = [];
  let [start] = fireTimesAfter(s, from - 1, 1);
  while (start !== undefined && start <= to) {
    if (out.length === max) return undefined;
    const [end] = fireTimesAfter(s, start, 1);
    if (end === undefined) break;
    out.push({ logicalDate: start, dataIntervalStart: start, dataIntervalEnd: end });
    start = end;
  }
  return out;
}

/** What a backfill knows of a date's existing runs. */
export interface DateHistory {
  /** The newest run's status (undefined: the date never ran). */
  latest?: "queued" | "running" | "success" | "failed" | "cancelled";
  /** Some run of the date succeeded. */
  succeeded: boolean;
}

/**
 * The intervals a backfill runs after `reprocess` removed those it skips: `missing` runs the dates
 * with no successful run; `failed` those too, and the dates whose newest run failed (or was
 * cancelled); `all` every date. A date whose newest run is still queued or running is never
 * started a second time.
 */
export function datesToRun(
  intervals: readonly ScheduledInterval[],
  history: (logicalDate: number) => DateHistory,
  reprocess: Reprocess,
): ScheduledInterval[] {
  return intervals.filter((i) => {
    const h = history(i.logicalDate);
    if (h.latest === "queued" || h.latest === "running") return false;
    if (reprocess === "all") return true;
    if (!h.succeeded) return true;
    return reprocess === "failed" && (h.latest === "failed" || h.latest === "cancelled");
  });
}
