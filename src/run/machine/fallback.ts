import type { PlannedTask } from "../../dag/plan";
import type { TaskInstance } from "../types";
import { afterTerminal, succeed } from "./completion";
import { runInstance } from "./readiness";
import { setTerminal } from "./task-instance";
import { changed, parentOf, planned, type Tx } from "./tx";

/**
 * Fallbacks: what stands in for a task that failed for good. A value makes
 * the task succeed with it; a fallback task runs in the task's place (never on
 * its own) and the task ends with it.
 */

/** Takes the task's fallback, if it has one that can stand in now; true when it did. */
export function takeFallback(tx: Tx, t: TaskInstance, p: PlannedTask, endedAt: number): boolean {
  const fallback = p.spec.fallback;
  if (fallback && "value" in fallback) {
    t.output = fallback.value ?? null;
    t.fallbackUsed = true;
    succeed(tx, t, endedAt);
    return true;
  }
  if (p.fallbackTask === undefined || t.mapIndex !== null) return false;
  const altPlan = planned(tx.plan, p.fallbackTask);
  const alt = parentOf(tx.state, altPlan.id);
  if (alt.status !== "pending") return false;
  // The alternate task runs in this task's place; this task ends with it.
  t.status = "running";
  t.waitingForFallback = true;
  changed(tx, t);
  runInstance(tx, alt, altPlan);
  return true;
}

/** The fallback task ended: the task it stands in for ends with it. */
export function fallbackDone(tx: Tx, alt: TaskInstance, primaryPlan: PlannedTask): void {
  const primary = parentOf(tx.state, primaryPlan.id);
  if (!primary.waitingForFallback) return;
  delete primary.waitingForFallback;
  changed(tx, primary);
  if (alt.status === "success") {
    primary.output = alt.output ?? null;
    primary.fallbackUsed = true;
    succeed(tx, primary, alt.endedAt ?? tx.ctx.now);
  } else {
    primary.error = { message: `fallback task '${alt.taskId}' ended ${alt.status}`, code: "fallback_failed" };
    setTerminal(primary, "failed", tx.ctx.now);
    afterTerminal(tx, primary);
  }
}

/** The primary ended without needing its fallback task: that task is skipped. */
export function skipUnusedFallback(tx: Tx, altPlan: PlannedTask): void {
  const alt = parentOf(tx.state, altPlan.id);
  if (alt.status !== "pending") return;
  setTerminal(alt, "skipped", tx.ctx.now);
  changed(tx, alt);
}
