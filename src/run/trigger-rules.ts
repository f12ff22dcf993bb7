import type { TriggerRule } from "../dag/spec";
import type { TaskStatus } from "./types";

/** What to do with a pending task given its upstream tasks' states. */
export type Readiness = "wait" | "run" | "skip" | "upstream_failed";

/** Counts of upstream states, the only input trigger rules need. */
export interface UpstreamTally {
  total: number;
  success: number;
  /** failed or upstream_failed (or cancelled: a cancelled upstream never produced its output). */
  failed: number;
  skipped: number;
  /** Not yet in a terminal state. */
  open: number;
}

export function tally(statuses: Iterable<TaskStatus>): UpstreamTally {
  const t: UpstreamTally = { total: 0, success: 0, failed: 0, skipped: 0, open: 0 };
  for (const s of statuses) {
    t.total += 1;
    if (s === "success") t.success += 1;
    else if (s === "failed" || s === "upstream_failed" || s === "cancelled") t.failed += 1;
    else if (s === "skipped") t.skipped += 1;
    else t.open += 1;
  }
  return t;
}

/**
 * Airflow's trigger rules. A task with no upstream always runs. `one_success`
 * and `one_failed` fire as soon as one upstream qualifies; the others wait
 * until every upstream is done.
 */
export function readiness(rule: TriggerRule, t: UpstreamTally): Readiness {
  if (t.total === 0) return "run";
  const done = t.open === 0;
  switch (rule) {
    case "all_success":
      if (t.failed > 0) return "upstream_failed";
      if (t.skipped > 0) return "skip";
      return done ? "run" : "wait";
    case "all_failed":
      if (t.success > 0 || t.skipped > 0) return "skip";
      return done ? "run" : "wait";
    case "all_done":
      return done ? "run" : "wait";
    case "one_success":
      // Airflow: all upstream skipped → skipped; done with no success otherwise → upstream_failed.
      if (t.success > 0) return "run";
      if (!done) return "wait";
      return t.skipped === t.total ? "skip" : "upstream_failed";
    case "one_failed":
      if (t.failed > 0) return "run";
      return done ? "skip" : "wait";
    case "none_failed":
      if (t.failed > 0) return "upstream_failed";
      return done ? "run" : "wait";
    case "none_failed_min_one_success":
      if (t.failed > 0) return "upstream_failed";
      if (!done) return "wait";
      return t.success > 0 ? "run" : "skip";
    case "none_skipped":
      if (t.skipped > 0) return "skip";
      return done ? "run" : "wait";
  }
}
