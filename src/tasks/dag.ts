import { startRun } from "../triggers/start-run";
import { specFailure } from "./errors";
import type { Executor } from "./executor";

/** Child runs nested deeper than this fail (a DAG that runs itself would otherwise recurse forever). */
export const DEFAULT_MAX_DAG_DEPTH = 5;

/** What the `dag` executor returns: the child run it started, and whether the task waits for it. */
export class ChildRunStarted {
  constructor(
    readonly runId: string,
    readonly wait: boolean,
  ) {}
}

/**
 * `dag` tasks trigger a child run of another DAG, linked both ways: the
 * child records its parent, the task records the child. The child's run key
 * is derived from (parent run, task, attempt), so a redelivered message finds
 * the same child instead of starting another. The invocation running the
 * task may take the child's first tasks, as a trigger takes a new run's.
 * An unknown child DAG, params it refuses and nesting too deep are faults of
 * the spec: the attempt fails for good, without retries.
 */
export const executeDag: Executor<"dag"> = async (order, { env, runs }) => {
  const { task } = order;
  const maxDepth = Number(env.MAX_DAG_DEPTH) > 0 ? Number(env.MAX_DAG_DEPTH) : DEFAULT_MAX_DAG_DEPTH;
  const depth = order.depth + 1;
  if (depth > maxDepth) {
    throw specFailure(
      `child DAG '${task.dagId}' would run at depth ${depth}, deeper than the limit of ${maxDepth} (MAX_DAG_DEPTH)`,
      "depth",
    );
  }
  const result = await startRun(env, {
    dagId: task.dagId,
    params: task.params ?? {},
    trigger: { type: "dag", detail: { parentRunId: order.runId, parentDagId: order.dagId, taskId: order.taskKey } },
    runKey: `parent:${order.runId}:${order.taskKey}:${order.attempt}`,
    parent: { runId: order.runId, taskKey: order.taskKey, attempt: order.attempt },
    depth,
    // The invocation running this task may run the child's first tasks too (no queue hop to start it).
    ...(runs ? { offer: runs.offer() } : {}),
  });
  if (result.kind === "no_dag") throw specFailure(`no DAG '${task.dagId}' is registered`, "config");
  if (result.kind === "invalid_params") {
    throw specFailure(
      `invalid params for DAG '${task.dagId}': ${result.issues.map((i) => `${i.path}: ${i.message}`).join("; ")}`,
      "invalid_params",
    );
  }
  if (result.orders.length > 0) runs?.take(result.run.runId, result.orders);
  return new ChildRunStarted(result.run.runId, task.wait !== false);
};
