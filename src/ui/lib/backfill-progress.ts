import { isFinalRunStatus } from "./states";

/**
 * A backfill's progress from its view (`GET /api/backfills/{id}`): how many dates are done, by
 * state, and whether polling can stop. Pure.
 */

export interface BackfillDateInput {
  logicalDate: string;
  ds: string;
  status: string;
  runId: string | null;
}

export interface BackfillProgress {
  total: number;
  /** Dates in a final state (success, failed, cancelled). */
  done: number;
  percent: number;
  /** Counts in a fixed order (success, failed, cancelled, running, pending), zeros left out. */
  byStatus: Array<{ status: string; n: number }>;
}

const ORDER = ["success", "failed", "cancelled", "running", "queued", "pending"];

export function backfillProgress(dates: readonly BackfillDateInput[]): BackfillProgress {
  const counts = new Map<string, number>();
  let done = 0;
  for (const d of dates) {
    counts.set(d.status, (counts.get(d.status) ?? 0) + 1);
    if (isFinalRunStatus(d.status)) done += 1;
  }
  const known = ORDER.filter((s) => counts.has(s));
  const others = [...counts.keys()].filter((s) => !ORDER.includes(s)).sort();
  return {
    total: dates.length,
    done,
    percent: dates.length === 0 ? 100 : Math.round((done / dates.length) * 100),
    byStatus: [...known, ...others].map((status) => ({ status, n: counts.get(status) ?? 0 })),
  };
}

/** A backfill still moving (its page keeps polling). */
export const isBackfillActive = (status: string) => status === "running";
