import type { AttemptOutcome, ClaimedRef, RunStatus, WorkRef } from "../types";

/**
 * What a worker offers to run at once instead of waiting for queue messages
 * (continuation): up to `capacity` ready attempts, each of which must be able
 * to time out before `until` (epoch ms), the end of the worker's own time
 * budget. Whatever is not handed back goes to the queue.
 */
export interface Offer {
  capacity: number;
  until?: number;
}

export const NO_OFFER: Offer = { capacity: 0 };

/** A child run finished: the waiting `dag` task's attempt ends with it. */
export interface ChildOutcome extends WorkRef {
  childRunId: string;
  status: RunStatus;
}

/** Everything that can happen to a run (past tense: the machine decides what follows). */
export type RunEvent =
  /** A worker is about to execute these attempts (queue delivery). */
  | { type: "AttemptsClaimed"; refs: WorkRef[] }
  /** A worker finished these attempts; it can run up to `capacity` newly ready tasks at once (see `Offer`). */
  | ({ type: "AttemptsFinished"; outcomes: AttemptOutcome[] } & Offer)
  /** The workers running these attempts are alive: their leases are extended. */
  | { type: "HeartbeatReceived"; refs: ClaimedRef[] }
  /** A child run ended; the worker that ran its last task may offer room for what becomes ready here. */
  | { type: "ChildRunFinished"; child: ChildOutcome; offer?: Offer }
  /** A pool granted leases to (or refused) attempts of this run that waited for it. */
  | { type: "PoolAnswered"; pool: string; granted: WorkRef[]; refused: Array<WorkRef & { message: string }> }
  /** The coordinator's alarm: retries due, leases expired. */
  | { type: "TimerFired" }
  | { type: "CancelRequested"; reason?: string }
  /** A `queued` run may start: its DAG has room under `maxActiveRuns` again. */
  | { type: "RunReleased" }
  /** Rerun the failed, upstream_failed and cancelled tasks of a finished run (for a backfill: it is named on the run). */
  | { type: "RetryRequested"; backfillId?: string }
  /** Reset these tasks (and optionally everything downstream) and run them again. */
  | { type: "ClearRequested"; taskIds: string[]; downstream: boolean; backfillId?: string };
