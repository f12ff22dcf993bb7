import type { TaskType } from "../../../src/dag/spec";
import type { TaskSpecByType, WorkOrderOf } from "../../../src/tasks/executor";

/** A work order for one task, as the coordinator would send it (the fields an executor does not read filled plainly). */
export function orderFor<T extends TaskType>(task: TaskSpecByType[T], overrides: Partial<WorkOrderOf<T>> = {}): WorkOrderOf<T> {
  return {
    runId: "run-1",
    dagId: "d",
    taskKey: "t",
    taskId: "t",
    mapIndex: null,
    attempt: 1,
    claim: "claim-1",
    task,
    timeoutMs: 5_000,
    scope: { params: {}, runId: "run-1", logicalDate: null, tasks: {} },
    depth: 0,
    ...overrides,
  };
}

/** A worker's context for an executor: no bindings (the tests that use it reach none). */
export const bareContext = () => ({ env: {} as Env, signal: new AbortController().signal });
