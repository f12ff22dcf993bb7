import type { Plan } from "../dag/plan";
import type { TaskSpec } from "../dag/spec";
import type { RunState, WorkRef } from "./types";

/** Everything a worker needs to execute one attempt. Built by the coordinator, sent over RPC. */
export interface WorkOrder {
  runId: string;
  dagId: string;
  taskKey: string;
  taskId: string;
  mapIndex: number | null;
  attempt: number;
  task: TaskSpec;
  timeoutMs: number;
  params: Record<string, unknown>;
}

export function workOrder(state: RunState, plan: Plan, ref: WorkRef): WorkOrder | undefined {
  const t = state.tasks.get(ref.taskKey);
  if (!t) return undefined;
  const p = plan.byId.get(t.taskId);
  if (!p) return undefined;
  return {
    runId: state.run.runId,
    dagId: state.run.dagId,
    taskKey: t.key,
    taskId: t.taskId,
    mapIndex: t.mapIndex,
    attempt: ref.attempt,
    task: p.spec,
    timeoutMs: p.timeoutMs,
    params: state.run.params,
  };
}
