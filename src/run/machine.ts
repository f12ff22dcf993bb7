import type { Plan, PlannedTask } from "../dag/plan";
import { retryDelayMs } from "./retry";
import { readiness, tally } from "./trigger-rules";
import {
  isFinishedRun,
  isTerminalTask,
  type AttemptOutcome,
  type AttemptRecord,
  type RunHeader,
  type RunState,
  type RunStatus,
  type TaskError,
  type TaskInstance,
  type TaskStatus,
  type Via,
  type WorkRef,
} from "./types";

/**
 * The run state machine: plain functions over plain data. No clock, no random
 * numbers, no bindings: `now` and `random` come in through the context.
 *
 * For speed with thousands of task instances the machine updates the state it
 * is given in place and lists exactly what changed, so the Durable Object
 * writes only those rows (a task transition costs a constant number of writes).
 */

export interface MachineConfig {
  /** A queued attempt not claimed by a worker within this long is sent again (a lost message). */
  dispatchLeaseMs: number;
  /** Added to the task timeout to form a running attempt's lease. */
  leaseMarginMs: number;
  /** Attempts lost to expired leases before the task is failed (guards against a task that kills its worker). */
  maxLostAttempts: number;
}

export const DEFAULT_MACHINE_CONFIG: MachineConfig = {
  dispatchLeaseMs: 60_000,
  leaseMarginMs: 30_000,
  maxLostAttempts: 3,
};

export interface MachineContext {
  now: number;
  /** A number in [0, 1), for retry jitter. */
  random: () => number;
  config: MachineConfig;
}

export type RunEvent =
  /** A worker is about to execute these attempts (queue delivery). */
  | { type: "AttemptsClaimed"; refs: WorkRef[] }
  /** A worker finished these attempts; it can run up to `capacity` newly ready tasks at once. */
  | { type: "AttemptsFinished"; outcomes: AttemptOutcome[]; capacity: number }
  /** The coordinator's alarm: retries due, leases expired. */
  | { type: "TimerFired" }
  | { type: "CancelRequested"; reason?: string };

export interface RefusedRef extends WorkRef {
  reason: "unknown_task" | "stale_attempt" | "not_active" | "run_finished";
}

/** What a transition changed and what the adapter must now do. */
export interface Effects {
  changedTasks: Set<string>;
  runChanged: boolean;
  /** Attempt rows to upsert into history. */
  attempts: AttemptRecord[];
  /** Attempts to send to the queue. */
  dispatch: WorkRef[];
  /** Attempts leased to the reporting worker (continuation): already recorded as running. */
  handBack: WorkRef[];
  /** Claims granted / refused (AttemptsClaimed only). */
  granted: WorkRef[];
  refused: RefusedRef[];
  /** Reports that changed nothing (duplicates, late or stale attempts). */
  ignored: RefusedRef[];
  /** Earliest deadline this transition introduced; the adapter arms its alarm no later than this. */
  wakeAt: number | undefined;
  /** Set when the run reached a final status in this transition. */
  finished: RunStatus | undefined;
}

function emptyEffects(): Effects {
  return {
    changedTasks: new Set(),
    runChanged: false,
    attempts: [],
    dispatch: [],
    handBack: [],
    granted: [],
    refused: [],
    ignored: [],
    wakeAt: undefined,
    finished: undefined,
  };
}

function wakeNoLaterThan(fx: Effects, at: number): void {
  if (fx.wakeAt === undefined || at < fx.wakeAt) fx.wakeAt = at;
}

function attemptRecord(t: TaskInstance, status: AttemptRecord["status"], endedAt?: number): AttemptRecord {
  const rec: AttemptRecord = {
    taskKey: t.key,
    taskId: t.taskId,
    mapIndex: t.mapIndex,
    attempt: t.attempt,
    status,
    via: t.via ?? "queue",
    queuedAt: t.attemptQueuedAt ?? 0,
  };
  if (t.attemptStartedAt !== undefined) rec.startedAt = t.attemptStartedAt;
  if (endedAt !== undefined) rec.endedAt = endedAt;
  if (t.error !== undefined && status !== "success" && status !== "running" && status !== "queued") rec.error = t.error;
  return rec;
}

/** Creates a run's initial state and starts it: root tasks become ready. */
export function createRun(
  header: Omit<RunHeader, "status" | "startedAt" | "endedAt">,
  plan: Plan,
  ctx: MachineContext,
): { state: RunState; effects: Effects } {
  const tasks = new Map<string, TaskInstance>();
  for (const p of plan.tasks) {
    tasks.set(p.id, { key: p.id, taskId: p.id, mapIndex: null, status: "pending", attempt: 0, failures: 0, lost: 0 });
  }
  const state: RunState = { run: { ...header, status: "running", startedAt: ctx.now }, tasks };
  const fx = emptyEffects();
  fx.runChanged = true;
  for (const t of tasks.values()) fx.changedTasks.add(t.key);
  const ready: TaskInstance[] = [];
  advance(state, plan, plan.roots.map((i) => plan.tasks[i]!), ctx, fx, ready);
  dispatchReady(ready, 0, ctx, plan, fx);
  finishIfDone(state, ctx, fx);
  return { state, effects: fx };
}

/** Applies one event to a run. Mutates `state`; returns what changed and what to do. */
export function transition(state: RunState, plan: Plan, event: RunEvent, ctx: MachineContext): Effects {
  const fx = emptyEffects();
  switch (event.type) {
    case "AttemptsClaimed":
      claim(state, plan, event.refs, ctx, fx);
      break;
    case "AttemptsFinished":
      finish(state, plan, event.outcomes, event.capacity, ctx, fx);
      break;
    case "TimerFired":
      timer(state, plan, ctx, fx);
      break;
    case "CancelRequested":
      cancel(state, ctx, fx, event.reason);
      break;
  }
  return fx;
}

function refuseReason(state: RunState, t: TaskInstance | undefined, ref: WorkRef): RefusedRef["reason"] | undefined {
  if (isFinishedRun(state.run.status)) return "run_finished";
  if (!t) return "unknown_task";
  if (t.attempt !== ref.attempt) return "stale_attempt";
  if (t.status !== "queued" && t.status !== "running") return "not_active";
  return undefined;
}

function claim(state: RunState, plan: Plan, refs: WorkRef[], ctx: MachineContext, fx: Effects): void {
  for (const ref of refs) {
    const t = state.tasks.get(ref.taskKey);
    const reason = refuseReason(state, t, ref);
    if (reason || !t) {
      fx.refused.push({ ...ref, reason: reason ?? "unknown_task" });
      continue;
    }
    // A running attempt claimed again is a redelivery after its worker died: run it again.
    startAttempt(t, plannedFor(plan, t), ctx, fx, "queue");
    fx.granted.push({ taskKey: t.key, attempt: t.attempt });
  }
}

function plannedFor(plan: Plan, t: TaskInstance): PlannedTask {
  const p = plan.byId.get(t.taskId);
  if (!p) throw new Error(`task '${t.taskId}' is not in the run's plan`);
  return p;
}

function startAttempt(t: TaskInstance, p: PlannedTask, ctx: MachineContext, fx: Effects, via: Via): void {
  t.status = "running";
  t.via = via;
  t.attemptStartedAt = ctx.now;
  if (t.startedAt === undefined) t.startedAt = ctx.now;
  t.deadline = ctx.now + p.timeoutMs + ctx.config.leaseMarginMs;
  wakeNoLaterThan(fx, t.deadline);
  fx.changedTasks.add(t.key);
  fx.attempts.push(attemptRecord(t, "running"));
}

function finish(
  state: RunState,
  plan: Plan,
  outcomes: AttemptOutcome[],
  capacity: number,
  ctx: MachineContext,
  fx: Effects,
): void {
  const touched: PlannedTask[] = [];
  for (const o of outcomes) {
    const t = state.tasks.get(o.taskKey);
    const reason = refuseReason(state, t, o);
    if (reason || !t) {
      fx.ignored.push({ taskKey: o.taskKey, attempt: o.attempt, reason: reason ?? "unknown_task" });
      continue;
    }
    const p = plannedFor(plan, t);
    if (o.startedAt !== undefined) t.attemptStartedAt = o.startedAt;
    else if (t.attemptStartedAt === undefined) t.attemptStartedAt = ctx.now;
    if (t.startedAt === undefined) t.startedAt = t.attemptStartedAt;
    const endedAt = o.endedAt ?? ctx.now;
    if (o.ok) {
      t.output = o.output;
      delete t.error;
      setTerminal(t, "success", endedAt);
      fx.attempts.push(attemptRecord(t, "success", endedAt));
      touched.push(...p.downstream.map((i) => plan.tasks[i]!));
    } else {
      t.error = o.error ?? { message: "attempt failed" };
      fx.attempts.push(attemptRecord(t, "failed", endedAt));
      if (failAttempt(t, p, ctx, fx, endedAt)) touched.push(...p.downstream.map((i) => plan.tasks[i]!));
    }
    fx.changedTasks.add(t.key);
  }
  const ready: TaskInstance[] = [];
  advance(state, plan, touched, ctx, fx, ready);
  dispatchReady(ready, isFinishedRun(state.run.status) ? 0 : capacity, ctx, plan, fx);
  finishIfDone(state, ctx, fx);
}

/**
 * Counts a failed attempt: schedules a retry while the policy allows, else
 * fails the task. Returns true when the task reached a terminal state.
 */
function failAttempt(t: TaskInstance, p: PlannedTask, ctx: MachineContext, fx: Effects, endedAt = ctx.now): boolean {
  t.failures += 1;
  delete t.deadline;
  if (t.failures <= p.retry.limit) {
    t.status = "up_for_retry";
    t.retryAt = ctx.now + retryDelayMs(p.retry, t.failures, ctx.random());
    wakeNoLaterThan(fx, t.retryAt);
    return false;
  }
  setTerminal(t, "failed", endedAt);
  return true;
}

function setTerminal(t: TaskInstance, status: TaskStatus, at: number): void {
  t.status = status;
  t.endedAt = at;
  delete t.deadline;
  delete t.retryAt;
}

/** Marks a task's next attempt queued (not yet sent). */
function queueAttempt(t: TaskInstance, ctx: MachineContext): void {
  t.attempt += 1;
  t.status = "queued";
  t.via = "queue";
  t.attemptQueuedAt = ctx.now;
  delete t.attemptStartedAt;
  delete t.retryAt;
}

/**
 * Decides pending tasks among `candidates` (and, transitively, their
 * downstream): control tasks complete inline, runnable dispatched tasks are
 * queued into `ready`, others are skipped or marked upstream_failed.
 */
function advance(
  state: RunState,
  plan: Plan,
  candidates: PlannedTask[],
  ctx: MachineContext,
  fx: Effects,
  ready: TaskInstance[],
): void {
  if (isFinishedRun(state.run.status)) return;
  const work = [...candidates];
  const seen = new Set<number>();
  while (work.length > 0) {
    const p = work.pop()!;
    if (seen.has(p.index)) continue;
    const t = state.tasks.get(p.id);
    if (!t || t.status !== "pending") continue;
    const decision = readiness(
      p.triggerRule,
      tally(p.upstream.map((i) => state.tasks.get(plan.tasks[i]!.id)?.status ?? "pending")),
    );
    if (decision === "wait") continue;
    seen.add(p.index);
    fx.changedTasks.add(t.key);
    if (decision === "run") {
      queueAttempt(t, ctx);
      if (p.control) {
        // Control tasks need no worker: they succeed here, in the same transition.
        t.via = "inline";
        t.attemptStartedAt = ctx.now;
        t.startedAt = ctx.now;
        t.output = null;
        setTerminal(t, "success", ctx.now);
        fx.attempts.push(attemptRecord(t, "success", ctx.now));
      } else {
        ready.push(t);
        continue;
      }
    } else {
      setTerminal(t, decision === "skip" ? "skipped" : "upstream_failed", ctx.now);
    }
    for (const i of p.downstream) work.push(plan.tasks[i]!);
  }
}

/** Hands up to `capacity` ready attempts back to the reporting worker; queues the rest. */
function dispatchReady(ready: TaskInstance[], capacity: number, ctx: MachineContext, plan: Plan, fx: Effects): void {
  ready.forEach((t, i) => {
    if (i < capacity) {
      startAttempt(t, plannedFor(plan, t), ctx, fx, "continuation");
      fx.handBack.push({ taskKey: t.key, attempt: t.attempt });
    } else {
      t.deadline = ctx.now + ctx.config.dispatchLeaseMs;
      wakeNoLaterThan(fx, t.deadline);
      fx.attempts.push(attemptRecord(t, "queued"));
      fx.dispatch.push({ taskKey: t.key, attempt: t.attempt });
    }
  });
}

function timer(state: RunState, plan: Plan, ctx: MachineContext, fx: Effects): void {
  if (isFinishedRun(state.run.status)) return;
  const touched: PlannedTask[] = [];
  const ready: TaskInstance[] = [];
  for (const t of state.tasks.values()) {
    if (t.status === "up_for_retry" && t.retryAt !== undefined && t.retryAt <= ctx.now) {
      queueAttempt(t, ctx);
      fx.changedTasks.add(t.key);
      ready.push(t);
    } else if (t.status === "queued" && t.deadline !== undefined && t.deadline <= ctx.now) {
      // The message was lost (e.g. the local queue was restarted): send the same attempt again.
      t.deadline = ctx.now + ctx.config.dispatchLeaseMs;
      wakeNoLaterThan(fx, t.deadline);
      fx.changedTasks.add(t.key);
      fx.dispatch.push({ taskKey: t.key, attempt: t.attempt });
    } else if (t.status === "running" && t.deadline !== undefined && t.deadline <= ctx.now) {
      // The worker holding the lease is gone: abandon the attempt and start a new one.
      const p = plannedFor(plan, t);
      t.error = { message: "lease expired: the worker running this attempt was lost", code: "lease_expired" };
      fx.attempts.push(attemptRecord(t, "abandoned", ctx.now));
      fx.changedTasks.add(t.key);
      t.lost += 1;
      if (t.lost > ctx.config.maxLostAttempts) {
        if (failAttempt(t, p, ctx, fx)) touched.push(...p.downstream.map((i) => plan.tasks[i]!));
      } else {
        queueAttempt(t, ctx);
        ready.push(t);
      }
    }
  }
  advance(state, plan, touched, ctx, fx, ready);
  dispatchReady(ready, 0, ctx, plan, fx);
  finishIfDone(state, ctx, fx);
}

function cancel(state: RunState, ctx: MachineContext, fx: Effects, reason?: string): void {
  if (isFinishedRun(state.run.status)) return;
  for (const t of state.tasks.values()) {
    if (isTerminalTask(t.status)) continue;
    if (t.status === "queued" || t.status === "running") {
      t.error = { message: reason ? `cancelled: ${reason}` : "cancelled", code: "cancelled" };
      fx.attempts.push(attemptRecord(t, "cancelled", ctx.now));
    }
    setTerminal(t, "cancelled", ctx.now);
    fx.changedTasks.add(t.key);
  }
  state.run.status = "cancelled";
  state.run.endedAt = ctx.now;
  fx.runChanged = true;
  fx.finished = "cancelled";
}

function finishIfDone(state: RunState, ctx: MachineContext, fx: Effects): void {
  if (isFinishedRun(state.run.status)) return;
  let failed = false;
  for (const t of state.tasks.values()) {
    if (!isTerminalTask(t.status)) return;
    if (t.status === "failed" || t.status === "upstream_failed") failed = true;
  }
  state.run.status = failed ? "failed" : "success";
  state.run.endedAt = ctx.now;
  fx.runChanged = true;
  fx.finished = state.run.status;
}

/** Earliest time something is due (a retry, an expired lease), or undefined when nothing waits. */
export function nextWakeAt(state: RunState): number | undefined {
  if (isFinishedRun(state.run.status)) return undefined;
  let at: number | undefined;
  for (const t of state.tasks.values()) {
    const due = t.status === "up_for_retry" ? t.retryAt : t.status === "queued" || t.status === "running" ? t.deadline : undefined;
    if (due !== undefined && (at === undefined || due < at)) at = due;
  }
  return at;
}

export type { TaskError };
