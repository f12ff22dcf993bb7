import { isFinishedRun, isTerminalTask } from "../types";
import { endRun } from "./completion";
import { attemptRecord, setTerminal } from "./task-instance";
import { changed, type Tx } from "./tx";

/**
 * Cancelling a run ends every unfinished task `cancelled`: attempts in flight
 * are recorded `cancelled` (their late reports are then ignored), waited-for
 * child runs are cancelled too.
 */
export function cancel(tx: Tx, reason?: string): void {
  const { state, ctx, fx } = tx;
  if (isFinishedRun(state.run.status)) return;
  for (const t of state.tasks.values()) {
    tx.index.visited += 1;
    if (isTerminalTask(t.status)) continue;
    if (t.status === "queued" || t.status === "running") {
      t.error = { message: reason ? `cancelled: ${reason}` : "cancelled", code: "cancelled" };
      if (t.attempt > 0 && t.mapped === undefined && !t.waitingForFallback) fx.changes.attempts.push(attemptRecord(t, "cancelled", ctx.now));
      if (t.childRunId !== undefined && t.waiting) {
        fx.commands.push({ type: "CancelChildRun", childRunId: t.childRunId, reason: `parent run ${state.run.runId} cancelled` });
      }
    }
    setTerminal(t, "cancelled", ctx.now);
    changed(tx, t);
  }
  endRun(tx, "cancelled");
}
