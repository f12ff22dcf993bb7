import { isFinishedRun } from "../types";
import { failAttempt } from "./failure";
import { runInstance } from "./readiness";
import { attemptRecord } from "./task-instance";
import { changed, plannedFor, type Tx } from "./tx";

/**
 * The alarm: what is due comes off the run index's timer heap (no scan).
 * A retry whose time came starts its next attempt; a queued attempt whose
 * message never arrived is sent again (same attempt: it was never claimed);
 * a running attempt whose lease expired (no report, no heartbeat) is
 * abandoned and the task runs again as a new attempt.
 */
export function timer(tx: Tx): void {
  const { state, ctx, fx, index } = tx;
  if (isFinishedRun(state.run.status)) return;
  index.sync(state.tasks);
  const resend: Array<{ taskKey: string; attempt: number }> = [];
  for (const key of index.takeDue(ctx.now)) {
    const t = state.tasks.get(key);
    if (!t) continue;
    if (t.status === "up_for_retry" && t.retryAt !== undefined && t.retryAt <= ctx.now) {
      runInstance(tx, t, plannedFor(tx.plan, t));
    } else if (t.status === "queued" && t.deadline !== undefined && t.deadline <= ctx.now) {
      // The message was lost (e.g. the local queue was restarted): send the same attempt again. It was
      // never claimed, so a copy arriving late is refused once one is; each resend waits twice as long
      // (at most 8 leases), so a long queue backlog is not flooded with copies.
      t.resends = (t.resends ?? 0) + 1;
      t.deadline = ctx.now + ctx.config.dispatchLeaseMs * 2 ** Math.min(t.resends, 3);
      changed(tx, t);
      resend.push({ taskKey: t.key, attempt: t.attempt });
    } else if (t.status === "running" && !t.waiting && t.deadline !== undefined && t.deadline <= ctx.now) {
      // The worker holding the lease is gone: abandon the attempt and start a new one.
      t.error = { message: "lease expired: the worker running this attempt was lost", code: "lease_expired" };
      fx.changes.attempts.push(attemptRecord(t, "abandoned", ctx.now));
      changed(tx, t);
      delete t.claim;
      t.lost += 1;
      if (t.lost > ctx.config.maxLostAttempts) failAttempt(tx, t, ctx.now);
      else runInstance(tx, t, plannedFor(tx.plan, t));
    }
  }
  if (resend.length > 0) fx.commands.push({ type: "DispatchAttempts", refs: resend });
}

/** Earliest time something is due (a retry, an expired lease), or undefined when nothing waits. */
export function nextWakeAt(tx: Pick<Tx, "state" | "index">): number | undefined {
  if (isFinishedRun(tx.state.run.status)) return undefined;
  tx.index.sync(tx.state.tasks);
  return tx.index.nextWakeAt();
}
