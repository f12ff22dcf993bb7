import type { Plan } from "../../dag/plan";
import { isFinishedRun, type RunHeader, type RunState } from "../types";
import { activate, type ActiveRun } from "./active-run";
import { childFinished, claim, finishAttempt, heartbeat } from "./attempts";
import { cancel } from "./cancel";
import { finishIfDone } from "./completion";
import type { MachineContext } from "./config";
import { dispatchReady } from "./dispatch";
import type { Effects } from "./effects";
import { NO_OFFER, type Offer, type RunEvent } from "./events";
import { poolAnswered, settlePoolLeases } from "./pools";
import { advance } from "./readiness";
import { clear, rerun } from "./rerun";
import { fillSlots } from "./slots";
import { pendingTasks } from "./task-instance";
import { timer } from "./timers";
import { newTx, planned, type Tx } from "./tx";

/**
 * The run state machine: plain functions over plain data. No clock, no random
 * numbers, no bindings: `now` and `random` come in through the context.
 *
 * For speed with thousands of task instances the machine updates the state it
 * is given in place and lists exactly what changed, so the Durable Object
 * writes only those rows; the run index (run-index.ts) answers what would
 * otherwise need a scan. This file is the event switch and the settle step;
 * each feature lives in its own file beside it.
 */

/**
 * Creates a run's initial state and starts it: root tasks become ready. The
 * caller (a trigger) may offer to run them itself, like a reporting worker.
 */
export function createRun(
  header: Omit<RunHeader, "status" | "startedAt" | "endedAt">,
  plan: Plan,
  ctx: MachineContext,
  offer: Offer = NO_OFFER,
  opts: { queued?: boolean } = {},
): { run: ActiveRun; effects: Effects } {
  // A queued run (its DAG is at maxActiveRuns) is stored and shown, and starts on `RunReleased`.
  const run0: RunHeader = opts.queued ? { ...header, status: "queued" } : { ...header, status: "running", startedAt: ctx.now };
  const state: RunState = { run: run0, tasks: pendingTasks(plan) };
  const run = activate(state, plan);
  const tx = newTx(run, ctx);
  tx.fx.changes.run = true;
  if (opts.queued) return { run, effects: tx.fx };
  // Task rows still pending need no write: a stored run rebuilds them from the plan (see `pendingTasks`).
  tx.touched.push(...plan.roots.map((i) => planned(plan, i)));
  settle(tx, offer);
  if (plan.pooled) settlePoolLeases(tx);
  return { run, effects: tx.fx };
}

/** Applies one event to a run. Mutates its state; returns what changed, what to do and what to answer. */
export function transition(run: ActiveRun, event: RunEvent, ctx: MachineContext): Effects {
  // A finished run's slot book is stale (a cancel ends tasks without settling): a run reopened by a
  // retry or clear rebuilds it from its tasks.
  if (isFinishedRun(run.state.run.status)) run.index.slots = undefined;
  const tx = newTx(run, ctx);
  const finished = isFinishedRun(run.state.run.status);
  // A queued run has started nothing: it can only be released or cancelled.
  if (run.state.run.status === "queued" && event.type !== "RunReleased" && event.type !== "CancelRequested") return tx.fx;
  switch (event.type) {
    case "RunReleased":
      if (run.state.run.status !== "queued") break;
      run.state.run.status = "running";
      run.state.run.startedAt = ctx.now;
      tx.fx.changes.run = true;
      tx.touched.push(...tx.plan.roots.map((i) => planned(tx.plan, i)));
      settle(tx);
      break;
    case "AttemptsClaimed":
      claim(tx, event.refs);
      break;
    case "AttemptsFinished":
      for (const o of event.outcomes) finishAttempt(tx, o);
      settle(tx, finished ? NO_OFFER : event);
      break;
    case "HeartbeatReceived":
      heartbeat(tx, event.refs);
      break;
    case "ChildRunFinished":
      childFinished(tx, event.child);
      settle(tx, finished ? NO_OFFER : event.offer);
      break;
    case "PoolAnswered":
      poolAnswered(tx, event.pool, event.granted, event.refused);
      settle(tx);
      break;
    case "TimerFired":
      timer(tx);
      settle(tx);
      break;
    case "CancelRequested":
      cancel(tx, event.reason);
      break;
    case "RetryRequested":
      nameBackfill(tx, event.backfillId);
      rerun(tx, (t) => t.status === "failed" || t.status === "upstream_failed" || t.status === "cancelled", false);
      settle(tx);
      break;
    case "ClearRequested":
      nameBackfill(tx, event.backfillId);
      clear(tx, event.taskIds, event.downstream);
      settle(tx);
      break;
  }
  // Runs without pools skip this: no extra work on their hot path.
  if (tx.plan.pooled) settlePoolLeases(tx);
  tx.index.sync(tx.state.tasks);
  return tx.fx;
}

/** A backfill reruns this run: the run view names it. */
function nameBackfill(tx: Tx, backfillId: string | undefined): void {
  if (backfillId === undefined) return;
  tx.state.run.backfillId = backfillId;
  tx.fx.changes.run = true;
}

/**
 * After the event: decide what became decidable, give free slots of the run's
 * concurrency to scheduled tasks, dispatch what became ready, end the run if all is done.
 */
function settle(tx: Tx, offer: Offer = NO_OFFER): void {
  advance(tx);
  fillSlots(tx);
  dispatchReady(tx, offer);
  finishIfDone(tx);
}

export { activate, type ActiveRun } from "./active-run";
export { holdsPoolLease } from "./pools";
export { CommandSchema, type AlertRequest, type PoolRequest, type Command, type CommandOf, type CommandType, type RunEnded } from "./commands";
export { DEFAULT_MACHINE_CONFIG, DEFAULT_MAX_MAP_LENGTH, type MachineConfig, type MachineContext } from "./config";
export type { Effects, RefusalReason, RefusedRef } from "./effects";
export type { ChildOutcome, Offer, RunEvent } from "./events";
export { RunIndex } from "./run-index";
export { scopeFor } from "./scope";
export { attemptRecord, pendingTasks } from "./task-instance";
export { nextWakeAt } from "./timers";
