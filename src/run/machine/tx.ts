import type { Plan, PlannedTask } from "../../dag/plan";
import type { RunState, TaskInstance, WorkRef } from "../types";
import type { ActiveRun } from "./active-run";
import type { PoolRequest } from "./commands";
import type { MachineContext } from "./config";
import { emptyEffects, type Effects } from "./effects";
import type { RunIndex } from "./run-index";

/**
 * Everything one transition works with: the explicit hub that every feature
 * file takes as its first parameter (no module-global state).
 */
export interface Tx {
  state: RunState;
  plan: Plan;
  index: RunIndex;
  ctx: MachineContext;
  fx: Effects;
  /** Attempts that became ready in this transition, in order (dispatch.ts splits them). */
  ready: TaskInstance[];
  /** Planned tasks whose pending instance may now be decided (readiness.ts). */
  touched: PlannedTask[];
  /** Mapped tasks whose instances are being started (instances of control tasks finish inside that loop). */
  starting: Set<string>;
  /** Tasks that started waiting for a slot in this transition (`maxActiveTasks`, slots.ts). */
  scheduled: TaskInstance[];
  /** Pool leases to give back and to ask for, by pool (pools.ts; made only when a run uses pools). */
  pools?: Map<string, PoolOps>;
}

/** What one transition asks of one pool. */
export interface PoolOps {
  release: WorkRef[];
  acquire: PoolRequest[];
}

export function newTx(run: ActiveRun, ctx: MachineContext): Tx {
  return { ...run, ctx, fx: emptyEffects(), ready: [], touched: [], starting: new Set(), scheduled: [] };
}

/** Records that an instance changed (its row is written, the index looks at it again). */
export function changed(tx: Tx, t: TaskInstance): void {
  changedKey(tx, t.key);
}

/** Same as `changed`, by key (also for an instance removed from the state). */
export function changedKey(tx: Tx, key: string): void {
  tx.fx.changes.tasks.add(key);
  tx.index.markDirty(key);
}

export function planned(plan: Plan, index: number): PlannedTask {
  const p = plan.tasks[index];
  if (!p) throw new Error(`no task #${index} in the plan`);
  return p;
}

export function plannedFor(plan: Plan, t: TaskInstance): PlannedTask {
  const p = plan.byId.get(t.taskId);
  if (!p) throw new Error(`task '${t.taskId}' is not in the run's plan`);
  return p;
}

/** The parent instance of a task: mapped tasks keep their aggregate state there. */
export function parentOf(state: RunState, taskId: string): TaskInstance {
  const t = state.tasks.get(taskId);
  if (!t) throw new Error(`no instance of task '${taskId}'`);
  return t;
}
