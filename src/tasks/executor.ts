import type { WorkOrder } from "../run/work-order";

/** What an executor gets besides the work order. */
export interface TaskContext {
  env: Env;
  /** Aborted when the attempt's timeout passes. */
  signal: AbortSignal;
}

/** Runs one attempt of one task type; returns the output (JSON-serialisable) or throws to fail it. */
export type Executor = (order: WorkOrder, ctx: TaskContext) => Promise<unknown>;
