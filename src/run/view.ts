import type { Plan } from "../dag/plan";
import type { AttemptRecord, RunState, TaskInstance } from "./types";

/** The API's JSON shapes of a run, its tasks and attempts (times as ISO strings). */

const iso = (ms: number | undefined): string | null => (ms === undefined ? null : new Date(ms).toISOString());

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
  };
}

export function runView(state: RunState, plan: Plan) {
  const r = state.run;
  const tasks = plan.tasks.map((p) => state.tasks.get(p.id)).filter((t): t is TaskInstance => t !== undefined);
  return {
    runId: r.runId,
    dagId: r.dagId,
    dagVersion: r.dagVersion,
    status: r.status,
    runKey: r.runKey ?? null,
    trigger: r.trigger,
    logicalDate: r.logicalDate ?? null,
    params: r.params,
    createdAt: iso(r.createdAt),
    startedAt: iso(r.startedAt),
    endedAt: iso(r.endedAt),
    tasks: tasks.map(taskView),
  };
}
export type RunView = ReturnType<typeof runView>;

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
