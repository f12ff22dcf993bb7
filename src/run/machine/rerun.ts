import type { PlannedTask } from "../../dag/plan";
import { taskKey } from "../../lib/ids";
import { isFinishedRun, type RunState, type TaskInstance } from "../types";
import { releaseLease } from "./pools";
import { attemptRecord } from "./task-instance";
import { changed, changedKey, parentOf, planned, type Tx } from "./tx";

/**
 * Rerunning tasks of a run: retry (the failed, upstream_failed and cancelled
 * tasks of a finished run) and clear (chosen tasks, optionally with their
 * downstream). Reset tasks run again as new attempts; history keeps the old ones.
 */

/** Resets instances chosen by `select` (and their fallback tasks) to pending; reopens the run. */
export function rerun(tx: Tx, select: (t: TaskInstance) => boolean, abandonActive: boolean): void {
  const { state, plan } = tx;
  const reset = new Set<string>();
  for (const p of plan.tasks) {
    const t = state.tasks.get(p.id);
    if (!t) continue;
    tx.index.visited += 1;
    const mappedNeedsRerun = t.mapped !== undefined && [...instancesOf(state, p.id, t.mapped)].some((inst) => select(inst));
    if (select(t) || mappedNeedsRerun) reset.add(p.id);
  }
  for (const id of [...reset]) {
    const p = plan.byId.get(id);
    if (p?.fallbackTask !== undefined) reset.add(planned(plan, p.fallbackTask).id);
  }
  if (reset.size === 0) return;
  for (const id of reset) {
    const t = parentOf(state, id);
    resetInstance(tx, t, abandonActive);
    if (t.mapped !== undefined) {
      for (const inst of instancesOf(state, id, t.mapped)) {
        // The list may differ on a rerun (upstream outputs can change), so every instance is rebuilt.
        resetInstance(tx, inst, abandonActive);
        state.tasks.delete(inst.key);
        changedKey(tx, inst.key);
      }
      delete t.mapped;
      delete t.mapNext;
      delete t.mapActive;
      delete t.mapDone;
      delete t.mapFailed;
    }
  }
  if (isFinishedRun(state.run.status)) {
    state.run.status = "running";
    delete state.run.endedAt;
    tx.fx.changes.run = true;
  }
  for (const id of reset) {
    const p = plan.byId.get(id);
    if (p) tx.touched.push(p);
  }
}

function* instancesOf(state: RunState, taskId: string, count: number): Generator<TaskInstance> {
  for (let i = 0; i < count; i++) {
    const inst = state.tasks.get(taskKey(taskId, i));
    if (inst) yield inst;
  }
}

function resetInstance(tx: Tx, t: TaskInstance, abandonActive: boolean): void {
  const { ctx, fx } = tx;
  if (abandonActive && (t.status === "queued" || t.status === "running") && t.attempt > 0 && t.mapped === undefined) {
    t.error = { message: "cleared: a newer attempt replaces this one", code: "cleared" };
    fx.changes.attempts.push(attemptRecord(t, "abandoned", ctx.now));
    if (t.childRunId !== undefined && t.waiting) {
      fx.commands.push({ type: "CancelChildRun", childRunId: t.childRunId, reason: `task ${t.key} of run ${tx.state.run.runId} was cleared` });
    }
  }
  releaseLease(tx, t);
  t.status = "pending";
  t.failures = 0;
  t.lost = 0;
  delete t.error;
  delete t.output;
  delete t.startedAt;
  delete t.endedAt;
  delete t.deadline;
  delete t.retryAt;
  delete t.scheduledAt;
  delete t.fallbackUsed;
  delete t.waitingForFallback;
  delete t.childRunId;
  delete t.waiting;
  delete t.claim;
  changed(tx, t);
}

/** Clears the chosen tasks (a fallback task means its primary), with everything downstream when asked. */
export function clear(tx: Tx, taskIds: string[], downstream: boolean): void {
  const { plan } = tx;
  // A fallback task never runs on its own: clearing it means running its primary again.
  const chosen = new Set(
    taskIds.map((id) => {
      const p = plan.byId.get(id);
      return p?.fallbackFor === undefined ? id : planned(plan, p.fallbackFor).id;
    }),
  );
  if (downstream) {
    const work = [...chosen].map((id) => plan.byId.get(id)).filter((p): p is PlannedTask => p !== undefined);
    while (work.length > 0) {
      const p = work.pop();
      if (!p) continue;
      for (const i of p.downstream) {
        const d = planned(plan, i);
        if (!chosen.has(d.id)) {
          chosen.add(d.id);
          work.push(d);
        }
      }
    }
  }
  rerun(tx, (t) => chosen.has(t.taskId) && t.mapIndex === null, true);
}
