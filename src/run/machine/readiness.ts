import type { PlannedTask } from "../../dag/plan";
import { readiness, tally } from "../trigger-rules";
import { isFinishedRun, type TaskInstance, type TaskStatus } from "../types";
import { afterTerminal } from "./completion";
import { runControlTask } from "./control";
import { failWithoutAttempt } from "./failure";
import { expand } from "./mapping";
import { holdsPoolForNext, requestPool } from "./pools";
import { evaluate } from "./scope";
import { queueAttempt, setTerminal } from "./task-instance";
import { changed, planned, type Tx } from "./tx";

/**
 * Readiness: which pending tasks can be decided once their upstream moved,
 * under their trigger rule and `when`; and how an instance's next attempt
 * starts (inline for control tasks, else ready for a worker or waiting for a slot).
 */

/** Upstream states as task `p` sees them: a branch that did not choose `p` counts as skipped for it. */
function upstreamStatuses(tx: Tx, p: PlannedTask): TaskStatus[] {
  return p.upstream.map((i) => {
    const up = planned(tx.plan, i);
    const t = tx.state.tasks.get(up.id);
    const status = t?.status ?? "pending";
    if (up.spec.type === "branch" && status === "success") {
      const followed = (t?.output as { followed?: unknown } | undefined)?.followed;
      if (Array.isArray(followed) && !followed.includes(p.id)) return "skipped";
    }
    return status;
  });
}

/**
 * Decides pending tasks among the touched ones (and, transitively, their
 * downstream): control tasks complete inline, runnable dispatched tasks are
 * queued into `ready`, others are skipped or marked upstream_failed.
 */
export function advance(tx: Tx): void {
  const { state, ctx } = tx;
  if (isFinishedRun(state.run.status)) return;
  // Many outcomes of one report often touch the same join task: decide it once, after all of them.
  const work = [...new Set(tx.touched)];
  tx.touched = work;
  while (work.length > 0) {
    const p = work.pop();
    if (!p || p.fallbackFor !== undefined) continue;
    tx.index.visited += 1;
    const t = state.tasks.get(p.id);
    if (!t || t.status !== "pending") continue;
    const decision = readiness(p.triggerRule, tally(upstreamStatuses(tx, p)));
    if (decision === "wait") continue;
    changed(tx, t);
    if (decision !== "run") {
      setTerminal(t, decision === "skip" ? "skipped" : "upstream_failed", ctx.now);
      afterTerminal(tx, t);
      continue;
    }
    if (p.spec.when !== undefined) {
      const when = evaluate(tx, p, "when", p.spec.when);
      if (!when.ok) {
        failWithoutAttempt(tx, t, when.error);
        continue;
      }
      if (when.value !== true) {
        setTerminal(t, "skipped", ctx.now);
        afterTerminal(tx, t);
        continue;
      }
    }
    if (p.spec.map !== undefined) expand(tx, t, p);
    else runInstance(tx, t, p);
  }
}

/**
 * Starts an instance's next attempt: inline for control tasks, else into `ready`
 * (or, when the run limits its concurrency, `scheduled` until `fillSlots` gives it a slot).
 * A task with a pool first waits, `scheduled`, for its pool's lease (pools.ts).
 */
export function runInstance(tx: Tx, t: TaskInstance, p: PlannedTask): void {
  const { ctx } = tx;
  if (p.pool !== undefined && !holdsPoolForNext(t)) {
    requestPool(tx, t, { ...p, pool: p.pool });
    return;
  }
  if (!p.control && tx.plan.maxActiveTasks !== undefined) {
    t.status = "scheduled";
    t.scheduledAt = ctx.now;
    delete t.retryAt;
    changed(tx, t);
    tx.scheduled.push(t);
    return;
  }
  queueAttempt(t, ctx.now);
  changed(tx, t);
  if (p.control) runControlTask(tx, t, p);
  else tx.ready.push(t);
}
