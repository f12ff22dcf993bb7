import type { Plan } from "../dag/plan";
import type { TaskSpec } from "../dag/spec";
import type { ExpressionScope } from "../expr/expression";
import { scopeFor } from "./machine";
import type { ClaimedRef, RunState } from "./types";

/** Everything a worker needs to execute one attempt. Built by the coordinator, sent over RPC. */
export interface WorkOrder {
  runId: string;
  dagId: string;
  /** The DAG version the run started with (lineage looks up the task's static lineage by it). */
  dagVersion?: number;
  taskKey: string;
  taskId: string;
  mapIndex: number | null;
  attempt: number;
  /** The claim token of this grant: the report and heartbeats of the attempt carry it. */
  claim: string;
  /** The task as written: the worker renders its templates against `scope`. */
  task: TaskSpec;
  timeoutMs: number;
  /** What templates may read: params, run facts, the upstream outputs the task's templates name, its map item. */
  scope: ExpressionScope;
  /** Nesting depth of the run (child DAG runs are deeper). */
  depth: number;
}

export function workOrder(state: RunState, plan: Plan, ref: ClaimedRef): WorkOrder | undefined {
  const t = state.tasks.get(ref.taskKey);
  if (!t) return undefined;
  const p = plan.byId.get(t.taskId);
  if (!p) return undefined;
  const full = scopeFor(state, plan, p, t);
  // Only the upstream outputs the task's templates read travel with the order (a mapped
  // instance over a 1,000-item list must not carry the list 1,000 times).
  const tasks: ExpressionScope["tasks"] = {};
  for (const id of p.reads) {
    const up = full.tasks[id];
    if (up) tasks[id] = up;
  }
  return {
    runId: state.run.runId,
    dagId: state.run.dagId,
    dagVersion: state.run.dagVersion,
    taskKey: t.key,
    taskId: t.taskId,
    mapIndex: t.mapIndex,
    attempt: ref.attempt,
    claim: ref.claim,
    task: p.spec,
    timeoutMs: p.timeoutMs,
    scope: { ...full, tasks },
    depth: state.run.depth ?? 0,
  };
}
