import type { PlannedTask } from "../../dag/plan";
import type { TaskInstance } from "../types";
import type { AlertRequest } from "./commands";
import type { Tx } from "./tx";

/** Failure alerts: a `DeliverAlert` command when a task fails for good and when the run fails. */

function deliver(tx: Tx, alert: AlertRequest): void {
  tx.fx.commands.push({ type: "DeliverAlert", alert });
}

export function alertTaskFailed(tx: Tx, t: TaskInstance, p: PlannedTask): void {
  const target = p.spec.onFailure ?? tx.plan.onFailure;
  if (!target) return;
  const r = tx.state.run;
  deliver(tx, {
    alertId: `task_failed:${t.key}:${t.attempt}`,
    target,
    summary: {
      event: "task_failed",
      dagId: r.dagId,
      dagVersion: r.dagVersion,
      runId: r.runId,
      taskId: t.taskId,
      mapIndex: t.mapIndex,
      attempts: t.attempt,
      lastError: t.error ?? null,
      runStatus: r.status,
    },
  });
}

/** The run failed: one alert naming the first task that failed (plan order, then map index). */
export function alertRunFailed(tx: Tx): void {
  const target = tx.plan.onFailure;
  if (!target) return;
  const { state, plan, ctx } = tx;
  // `failed` before `upstream_failed`, then plan order, then map index (a parent before its instances).
  const rank = (t: TaskInstance): number[] => [t.status === "failed" ? 0 : 1, plan.byId.get(t.taskId)?.index ?? 0, t.mapIndex ?? -1];
  const before = (a: number[], b: number[]): boolean => {
    for (let i = 0; i < a.length; i++) if ((a[i] ?? 0) !== (b[i] ?? 0)) return (a[i] ?? 0) < (b[i] ?? 0);
    return false;
  };
  let first: TaskInstance | undefined;
  for (const key of tx.index.failed()) {
    const t = state.tasks.get(key);
    if (t && (!first || before(rank(t), rank(first)))) first = t;
  }
  if (!first) return;
  const r = state.run;
  deliver(tx, {
    alertId: `run_failed:${ctx.now}`,
    target,
    summary: {
      event: "run_failed",
      dagId: r.dagId,
      dagVersion: r.dagVersion,
      runId: r.runId,
      taskId: first.taskId,
      mapIndex: first.mapIndex,
      attempts: first.attempt,
      lastError: first.error ?? null,
      runStatus: r.status,
    },
  });
}
