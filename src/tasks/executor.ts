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
}

/** Runs one attempt of one task type; returns the output (JSON-serialisable) or throws to fail it. */
export type Executor = (order: WorkOrder, ctx: TaskContext) => Promise<unknown>;
