import type { TaskSpec, TaskType } from "../dag/spec";
import type { LineageSink } from "../lineage/record-attempt";
import type { Offer } from "../run/machine";
import type { WorkOrder } from "../run/work-order";

/**
 * The invocation running an attempt, as executors that start runs (child
 * DAGs) see it: it offers room to the run started, and runs the first tasks
 * that run hands it, as a trigger does.
 */
export interface RunStarter {
  offer(): Offer;
  take(runId: string, orders: WorkOrder[]): void;
}

/** What an executor gets besides the work order. */
export interface TaskContext {
  env: Env;
  /** Aborted when the attempt's timeout passes. */
  signal: AbortSignal;
  /** Present when the invocation can take the first tasks of runs the attempt starts. */
  runs?: RunStarter;
  /** Where an executor leaves what lineage records after the attempt succeeded (the `sql` executor: D1's row counts). */
  lineage?: LineageSink;
}

/**
 * Each task type's spec, by type. A mapped type rather than `Extract` at
 * each use, so that indexing it and an executor record with the same type
 * parameter lets TypeScript correlate the two (see `runExecutor`).
 */
export type TaskSpecByType = { [T in TaskType]: Extract<TaskSpec, { type: T }> };

/** A work order whose task is of type `T`, its templates rendered. */
export type WorkOrderOf<T extends TaskType> = Omit<WorkOrder, "task"> & { task: TaskSpecByType[T] };

/** Runs one attempt of a task of type `T`; returns the output (JSON-serialisable) or throws to fail it. */
export type Executor<T extends TaskType> = (order: WorkOrderOf<T>, ctx: TaskContext) => Promise<unknown>;

/** The executor of each task type that has one (control types run in the coordinator). */
export type Executors = { [T in TaskType]?: Executor<T> };

/**
 * Runs an order with the executor of its task's type; undefined when that
 * type has none. Generic over the type so each executor receives its own
 * spec type without a cast.
 */
export function runExecutor<T extends TaskType>(
  executors: Executors,
  type: T,
  order: WorkOrderOf<T>,
  ctx: TaskContext,
): Promise<unknown> | undefined {
  const executor: Executor<T> | undefined = executors[type];
  return executor?.(order, ctx);
}
