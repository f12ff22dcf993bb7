import { retryDelayMs } from "../retry";
import type { TaskInstance } from "../types";
import { afterTerminal } from "./completion";
import { takeFallback } from "./fallback";
import { setTerminal } from "./task-instance";
import { changed, plannedFor, type Tx } from "./tx";

/**
 * Counts a failed attempt and decides what follows: a retry while the policy
 * allows and the error is retryable (after the far side's `Retry-After` when
 * it gave one); then the fallback; else the task fails.
 */
export function failAttempt(tx: Tx, t: TaskInstance, endedAt = tx.ctx.now): void {
  const { ctx } = tx;
  const p = plannedFor(tx.plan, t);
  t.failures += 1;
  delete t.deadline;
  delete t.claim;
  changed(tx, t);
  // A permanent error (a 404, bad args, an unknown function) skips the remaining retries.
  if (t.failures <= p.retry.limit && t.error?.retryable !== false) {
    t.status = "up_for_retry";
    const asked = t.error?.retryAfterMs;
    t.retryAt =
      ctx.now + (asked === undefined ? retryDelayMs(p.retry, t.failures, ctx.random()) : Math.min(Math.max(0, asked), p.retry.maxDelayMs));
    return;
  }
  if (takeFallback(tx, t, p, endedAt)) return;
  failTask(tx, t, endedAt);
}

/** The task failed for good (no retry, no fallback). */
export function failTask(tx: Tx, t: TaskInstance, at: number): void {
  setTerminal(t, "failed", at);
  changed(tx, t);
  afterTerminal(tx, t);
}

/** A task that cannot even start (a bad expression, a list too long): failed, no retries. */
export function failWithoutAttempt(tx: Tx, t: TaskInstance, error: NonNullable<TaskInstance["error"]>): void {
  t.error = error;
  failTask(tx, t, tx.ctx.now);
}
