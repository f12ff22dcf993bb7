import type { Plan } from "../dag/plan";
import { taskKey } from "../lib/ids";
import type { AttemptRecord, RunState, TaskInstance } from "./types";

/** The API's JSON shapes of a run, its tasks and attempts (times as ISO strings). */

/** Epoch milliseconds as ISO text; absent times are null. */
export const iso = (ms: number | null | undefined): string | null =>
  ms === undefined || ms === null ? null : new Date(ms).toISOString();

export function taskView(t: TaskInstance) {
  return {
    taskId: t.taskId,
    mapIndex: t.mapIndex,
    status: t.status,
    attempts: t.attempt,
    startedAt: iso(t.startedAt),
    endedAt: iso(t.endedAt),
    output: t.output ?? null,
    error: t.error ?? null,
    ...(t.fallbackUsed ? { fallbackUsed: true } : {}),
    ...(t.childRunId !== undefined ? { childRunId: t.childRunId } : {}),
    // A task that waits for its pool says which (Airflow shows it as "waiting for pool slot").
    ...(t.status === "scheduled" && t.poolLease && !t.poolLease.granted ? { waitingFor: { pool: t.poolLease.pool } } : {}),
    ...(t.mapped !== undefined
      ? { mapped: { total: t.mapped, done: t.mapDone ?? 0, failed: t.mapFailed ?? 0, active: t.mapActive ?? 0 } }
      : {}),
  };
}

/** A run without its tasks: cheap to poll. `ended`: the top-level tasks that ended, when the caller counts them (the run index does). */
export function runSummary(state: RunState, ended?: number) {
  const r = state.run;
  let done = ended ?? 0;
  if (ended === undefined) for (const t of state.tasks.values()) if (t.endedAt !== undefined && t.mapIndex === null) done += 1;
  return {
    runId: r.runId,
    dagId: r.dagId,
    dagVersion: r.dagVersion,
    status: r.status,
    logicalDate: r.logicalDate ?? null,
    createdAt: iso(r.createdAt),
    startedAt: iso(r.startedAt),
    endedAt: iso(r.endedAt),
    tasksDone: done,
    /** How many times the run reached a final status (its `RunEnded` events are numbered by it). */
    ends: r.ends ?? 0,
  };
}
export type RunSummary = ReturnType<typeof runSummary>;

export function runView(state: RunState, plan: Plan) {
  const r = state.run;
  // Plan order; a mapped task's instances follow it in index order.
  const tasks: TaskInstance[] = [];
  for (const p of plan.tasks) {
    const t = state.tasks.get(p.id);
    if (!t) continue;
    tasks.push(t);
    for (let i = 0; i < (t.mapped ?? 0); i++) {
      const inst = state.tasks.get(taskKey(p.id, i));
      if (inst) tasks.push(inst);
    }
  }
  return {
    runId: r.runId,
    dagId: r.dagId,
    dagVersion: r.dagVersion,
    status: r.status,
    runKey: r.runKey ?? null,
    trigger: r.trigger,
    logicalDate: r.logicalDate ?? null,
    dataIntervalStart: r.dataIntervalStart ?? null,
    dataIntervalEnd: r.dataIntervalEnd ?? null,
    ds: r.ds ?? null,
    backfillId: r.backfillId ?? null,
    parent: r.parent ?? null,
    depth: r.depth ?? 0,
    params: r.params,
    createdAt: iso(r.createdAt),
    startedAt: iso(r.startedAt),
    endedAt: iso(r.endedAt),
    tasks: tasks.map(taskView),
  };
}
/** A run as the API shows it; the coordinator adds its alerts' delivery state. */
export type RunView = ReturnType<typeof runView> & {
  alerts?: Array<{
    alertId: string;
    event: string;
    taskId: string | null;
    url: string;
    status: string;
    attempts: number;
    lastError: string | null;
  }>;
};

export function attemptView(a: AttemptRecord) {
  const durationMs = a.startedAt !== undefined && a.endedAt !== undefined ? a.endedAt - a.startedAt : null;
  return {
    taskId: a.taskId,
    mapIndex: a.mapIndex,
    attempt: a.attempt,
    status: a.status,
    via: a.via,
    queuedAt: iso(a.queuedAt),
    startedAt: iso(a.startedAt),
    endedAt: iso(a.endedAt),
    durationMs,
    error: a.error ?? null,
  };
}
export type AttemptView = ReturnType<typeof attemptView>;
