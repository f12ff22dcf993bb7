import type { SpecIssue } from "../lib/issues";
import { isTimeZone, scheduleProblem, type Schedule } from "./schedule";
import { parseZonedTime } from "./local-time";

/** The scheduling fields of a DAG spec, as written (spec.ts declares them). */
export interface ScheduleFields {
  schedule?: string | undefined;
  timezone?: string | undefined;
  startDate?: string | undefined;
  endDate?: string | undefined;
  catchup?: boolean | undefined;
  maxActiveRuns?: number | undefined;
  params?: Record<string, { default?: unknown; required?: boolean | undefined }> | undefined;
}

/** Runs of a DAG (scheduled and manual; backfills have their own limit) that may run at once. */
export const DEFAULT_MAX_ACTIVE_RUNS = 16;

/** A DAG's scheduling, compiled: times as epoch ms, defaults filled. */
export interface DagScheduling {
  timezone: string;
  maxActiveRuns: number;
  /** Absent: the DAG runs only when triggered (or backfilled). */
  schedule?: Schedule & { startDate: number; endDate?: number; catchup: boolean };
}

const DATE_HINT = "write a date (2026-11-01) or a date-time (2026-11-01T06:00, in the DAG's timezone, or with Z or an offset)";

/** Every problem with a spec's scheduling fields, each naming its field. */
export function schedulingIssues(f: ScheduleFields): SpecIssue[] {
  const issues: SpecIssue[] = [];
  const timezone = f.timezone ?? "UTC";
  if (!isTimeZone(timezone)) {
    issues.push({ path: "timezone", message: `unknown time zone '${timezone}'` });
    return issues;
  }
  const dates: Partial<Record<"startDate" | "endDate", number>> = {};
  for (const field of ["startDate", "endDate"] as const) {
    const text = f[field];
    if (text === undefined) continue;
    const ms = parseZonedTime(text, timezone);
    if (ms === undefined) issues.push({ path: field, message: `not a date or date-time: '${text}' (${DATE_HINT})` });
    else dates[field] = ms;
  }
  if (f.schedule === undefined) {
    for (const field of ["startDate", "endDate", "catchup"] as const) {
      if (f[field] !== undefined) issues.push({ path: field, message: "only means something with a schedule" });
    }
    return issues;
  }
  const problem = scheduleProblem(f.schedule, timezone);
  if (problem) issues.push(problem);
  if (f.startDate === undefined) issues.push({ path: "startDate", message: "required with a schedule: the first data interval starts at or after it" });
  if (dates.startDate !== undefined && dates.endDate !== undefined && dates.endDate < dates.startDate) {
    issues.push({ path: "endDate", message: `before startDate ('${f.endDate}' < '${f.startDate}')` });
  }
  for (const [name, p] of Object.entries(f.params ?? {})) {
    if (p.required === true && p.default === undefined) {
      issues.push({ path: `params.${name}.default`, message: `required with a schedule: a scheduled run passes no params, so the required '${name}' needs a default` });
    }
  }
  return issues;
}

/** The compiled scheduling of a spec that passed `schedulingIssues`. */
export function dagScheduling(f: ScheduleFields): DagScheduling {
  const timezone = f.timezone ?? "UTC";
  const out: DagScheduling = { timezone, maxActiveRuns: f.maxActiveRuns ?? DEFAULT_MAX_ACTIVE_RUNS };
  if (f.schedule !== undefined && f.startDate !== undefined) {
    const startDate = parseZonedTime(f.startDate, timezone);
    if (startDate === undefined) throw new Error(`startDate '${f.startDate}' did not parse: the spec was not validated`);
    const endDate = f.endDate === undefined ? undefined : parseZonedTime(f.endDate, timezone);
    out.schedule = { expression: f.schedule, timezone, startDate, catchup: f.catchup ?? false, ...(endDate === undefined ? {} : { endDate }) };
  }
  return out;
}
