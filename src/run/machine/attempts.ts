import type { PlannedTask } from "../../dag/plan";
import { isFinishedRun, type AttemptOutcome, type ClaimedRef, type RunState, type TaskInstance, type Via, type WorkRef } from "../types";
import { succeed } from "./completion";
import type { RefusalReason } from "./effects";
import type { ChildOutcome } from "./events";
import { failAttempt } from "./failure";
import { attemptRecord } from "./task-instance";
import { changed, plannedFor, type Tx } from "./tx";

/**
 * Attempts are leases. A queue message names one attempt; the worker claims
 * it and gets a claim token; only that grant may report or heartbeat it. A
 * second claim while the lease is fresh is refused (`in_flight`), so one grant
 * means one execution; a worker that really died is found by its lease
 * (timers.ts), and the task runs again as a new attempt.
 */

/** Why a claim or report of `ref` cannot apply to the task's current attempt (undefined: it can). */
export function refuseReason(state: RunState, t: TaskInstance | undefined, ref: WorkRef): RefusalReason | undefined {
  if (isFinishedRun(state.run.status)) return "run_finished";
  if (!t) return "unknown_task";
  if (t.attempt !== ref.attempt) return "stale_attempt";
  if (t.status !== "queued" && t.status !== "running") return "not_active";
  // A mapped task's parent holds no attempt of its own: its instances do.
  if (t.mapped !== undefined) return "not_active";
  // Failed for good; its fallback task runs in its place: this attempt is over.
  if (t.waitingForFallback) return "not_active";
  return undefined;
}

/** A running attempt's lease: its timeout plus the margin, and no later than the heartbeat timeout from now. */
export function leaseDeadline(tx: Tx, t: TaskInstance, p: PlannedTask): number {
  const { now, config } = tx.ctx;
  const start = t.attemptStartedAt ?? now;
  return Math.min(start + p.timeoutMs + config.leaseMarginMs, now + config.heartbeatTimeoutMs);
}

function newToken(tx: Tx): string {
  if (tx.ctx.token) return tx.ctx.token();
  // Without a token source: unique per grant of this object (time, a counter, a random number).
  tx.index.grants += 1;
  return `${tx.ctx.now.toString(36)}.${tx.index.grants.toString(36)}.${Math.floor(tx.ctx.random() * 2 ** 40).toString(36)}`;
}

/** Grants queued attempts to the worker that received their messages. */
export function claim(tx: Tx, refs: WorkRef[]): void {
  const { fx, ctx } = tx;
  // A grant moves the attempt from queued to running with its lease: stored at once (one execution
  // per grant survives a restart), but not worth a catalog write of its own; the report's is enough.
  fx.changes.history = false;
  fx.changes.grantsOnly = true;
  for (const ref of refs) {
    const t = tx.state.tasks.get(ref.taskKey);
    let reason = refuseReason(tx.state, t, ref);
    if (!reason && t?.waiting) reason = "not_active";
    if (!reason && t?.status === "running") {
      // Granted before: a duplicate delivery, or a resend while the first worker still runs.
      reason = t.deadline !== undefined && t.deadline <= ctx.now ? "lease_expired" : "in_flight";
    }
    if (reason || !t) {
      fx.reply.refused.push({ taskKey: ref.taskKey, attempt: ref.attempt, reason: reason ?? "unknown_task" });
      continue;
    }
    fx.reply.granted.push(startAttempt(tx, t, "queue"));
  }
}

/** Marks an attempt running on a worker, with a fresh claim token and lease; returns the grant. */
export function startAttempt(tx: Tx, t: TaskInstance, via: Via): ClaimedRef {
  const p = plannedFor(tx.plan, t);
  t.status = "running";
  t.via = via;
  t.attemptStartedAt = tx.ctx.now;
  if (t.startedAt === undefined) t.startedAt = tx.ctx.now;
  t.claim = newToken(tx);
  t.deadline = leaseDeadline(tx, t, p);
  // No attempt row yet: the task row holds the attempt in flight; history records it when it ends.
  changed(tx, t);
  return { taskKey: t.key, attempt: t.attempt, claim: t.claim };
}

/** The workers running these attempts are alive: extend each lease (up to its timeout plus margin). */
export function heartbeat(tx: Tx, refs: ClaimedRef[]): void {
  const { fx } = tx;
  fx.changes.history = false;
  for (const ref of refs) {
    const t = tx.state.tasks.get(ref.taskKey);
    let reason = refuseReason(tx.state, t, ref);
    if (!reason && t && (t.status !== "running" || t.waiting)) reason = "not_active";
    if (!reason && t && t.claim !== ref.claim) reason = "not_claimant";
    if (reason || !t) {
      fx.reply.ignored.push({ taskKey: ref.taskKey, attempt: ref.attempt, reason: reason ?? "unknown_task" });
      continue;
    }
    const deadline = leaseDeadline(tx, t, plannedFor(tx.plan, t));
    if (deadline === t.deadline) continue;
    t.deadline = deadline;
    changed(tx, t);
  }
}

/** A worker reported an attempt's outcome: success, a failure (retried by the policy), or a child run started. */
export function finishAttempt(tx: Tx, o: AttemptOutcome): void {
  const { state, ctx, fx } = tx;
  const t = state.tasks.get(o.taskKey);
  let reason = refuseReason(state, t, o);
  // The attempt already handed its work to a child run; only the child's end finishes it.
  if (!reason && t?.childRunId !== undefined && t.waiting) reason = "not_active";
  if (!reason && t?.claim !== undefined && o.claim !== t.claim) reason = "not_claimant";
  if (reason || !t) {
    fx.reply.ignored.push({ taskKey: o.taskKey, attempt: o.attempt, reason: reason ?? "unknown_task" });
    return;
  }
  if (o.startedAt !== undefined) t.attemptStartedAt = o.startedAt;
  else if (t.attemptStartedAt === undefined) t.attemptStartedAt = ctx.now;
  if (t.startedAt === undefined) t.startedAt = t.attemptStartedAt;
  const endedAt = o.endedAt ?? ctx.now;
  changed(tx, t);
  if (o.ok && o.childRunId !== undefined) {
    t.childRunId = o.childRunId;
    if (o.waiting) {
      // A child DAG run started and the task waits for it: no lease, the child's end reports back.
      t.waiting = true;
      delete t.deadline;
      return;
    }
  }
  delete t.claim;
  if (o.ok) {
    t.output = o.output ?? null;
    delete t.error;
    succeed(tx, t, endedAt);
    fx.changes.attempts.push(attemptRecord(t, "success", endedAt));
  } else {
    t.error = o.error ?? { message: "attempt failed" };
    fx.changes.attempts.push(attemptRecord(t, "failed", endedAt));
    failAttempt(tx, t, endedAt);
  }
}

/** The child run a waiting `dag` task started has ended: the task's attempt ends with it. */
export function childFinished(tx: Tx, child: ChildOutcome): void {
  const t = tx.state.tasks.get(child.taskKey);
  const reason = refuseReason(tx.state, t, child);
  if (reason || !t || t.childRunId !== child.childRunId) {
    tx.fx.reply.ignored.push({ taskKey: child.taskKey, attempt: child.attempt, reason: reason ?? "stale_attempt" });
    return;
  }
  delete t.waiting;
  delete t.claim;
  changed(tx, t);
  const { now } = tx.ctx;
  if (child.status === "success") {
    t.output = { runId: child.childRunId, status: child.status };
    delete t.error;
    succeed(tx, t, now);
    tx.fx.changes.attempts.push(attemptRecord(t, "success", now));
  } else {
    t.error = { message: `child run ${child.childRunId} ended ${child.status}`, code: "child_run" };
    tx.fx.changes.attempts.push(attemptRecord(t, "failed", now));
    failAttempt(tx, t, now);
  }
}
