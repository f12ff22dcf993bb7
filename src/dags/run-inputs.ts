import { logicalDateRunKey, runIdForKey } from "../lib/ids";
import { ds, type ScheduledInterval } from "../scheduling/schedule";
import type { RunTrigger } from "../run/types";
import type { StoredStartInput } from "./types";

const iso = (ms: number): string => new Date(ms).toISOString();

/**
 * The start input of a DAG's run for one scheduled interval (a scheduled or backfilled run): its
 * id comes from (dagId, logical date), so whatever creates it twice — two ticks, the alarm and the
 * tick, a backfill over the same date — reaches the same run.
 */
export function intervalRunInput(
  dag: { dagId: string; version: number; timezone: string },
  interval: ScheduledInterval,
  params: Record<string, unknown>,
  trigger: RunTrigger,
  backfillId?: string,
): StoredStartInput {
  const logicalDate = iso(interval.logicalDate);
  const runKey = logicalDateRunKey(logicalDate);
  return {
    runId: runIdForKey(dag.dagId, runKey),
    dagId: dag.dagId,
    dagVersion: dag.version,
    params,
    trigger,
    runKey,
    logicalDate,
    dataIntervalStart: iso(interval.dataIntervalStart),
    dataIntervalEnd: iso(interval.dataIntervalEnd),
    ds: ds(interval.logicalDate, dag.timezone),
    ...(backfillId === undefined ? {} : { backfillId }),
  };
}
