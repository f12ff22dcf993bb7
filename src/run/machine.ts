import type { Plan, PlannedTask } from "../dag/plan";
import type { AlertTarget } from "../dag/spec";
import { evaluateExpression, type ExpressionScope } from "../expr/expression";
import { taskKey as instanceKey } from "../lib/ids";
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

/** Default bound of a mapped task's list. */
export const DEFAULT_MAX_MAP_LENGTH = 10_000;

export interface MachineContext {
  now: number;
  /** A number in [0, 1), for retry jitter. */
  random: () => number;
  config: MachineConfig;
  /**
   * Output values as expressions should see them. The adapter maps R2 artifact
   * references to their (pre-loaded) content; by default outputs are used as stored.
   */
  resolve?: (output: unknown) => unknown;
}

/** A child run finished: the waiting `dag` task's attempt ends with it. */
export interface ChildOutcome extends WorkRef {
  childRunId: string;
  status: RunStatus;
}

export type RunEvent =
  /** A worker is about to execute these attempts (queue delivery). */
  | { type: "AttemptsClaimed"; refs: WorkRef[] }
  /** A worker finished these attempts; it can run up to `capacity` newly ready tasks at once (see `Offer`). */
  | ({ type: "AttemptsFinished"; outcomes: AttemptOutcome[] } & Offer)
  /** A child run ended; the worker that ran its last task may offer room for what becomes ready here. */
  | { type: "ChildRunFinished"; child: ChildOutcome; offer?: Offer }
  /** The coordinator's alarm: retries due, leases expired. */
  | { type: "TimerFired" }
  | { type: "CancelRequested"; reason?: string }
  /** Rerun the failed, upstream_failed and cancelled tasks of a finished run. */
  | { type: "RetryRequested" }
  /** Reset these tasks (and optionally everything downstream) and run them again. */
  | { type: "ClearRequested"; taskIds: string[]; downstream: boolean };

export interface RefusedRef extends WorkRef {
  reason: "unknown_task" | "stale_attempt" | "not_active" | "run_finished";
}

/** A failure alert to deliver (through the queue, with its own retries). */
export interface AlertRequest {
  alertId: string;
  target: AlertTarget;
  summary: {
    event: "task_failed" | "run_failed";
    dagId: string;
    dagVersion: number;
    runId: string;
    taskId: string | null;
    mapIndex: number | null;
    attempts: number | null;
    lastError: TaskError | null;
    runStatus: RunStatus;
  };
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
  /** Child runs to cancel (their parent task was cancelled or cleared). */
  cancelChildren: string[];
  alerts: AlertRequest[];
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
    cancelChildren: [],
    alerts: [],
    wakeAt: undefined,
    finished: undefined,
  };
}

/** Everything one transition works with. */
interface Tx {
  state: RunState;
  plan: Plan;
  ctx: MachineContext;
  fx: Effects;
  /** Attempts that became ready in this transition, in order. */
  ready: TaskInstance[];
  /** Planned tasks whose pending instance may now be decided. */
  touched: PlannedTask[];
  /** Mapped tasks whose instances are being started (instances of control tasks finish inside that loop). */
  starting: Set<string>;
  /** Tasks that started waiting for a slot in this transition (`maxActiveTasks`). */
  scheduled: TaskInstance[];
}

function wakeNoLaterThan(fx: Effects, at: number): void {
  if (fx.wakeAt === undefined || at < fx.wakeAt) fx.wakeAt = at;
}

/** The attempt a task instance holds, as a history row (also used to show attempts in flight). */
export function attemptRecord(t: TaskInstance, status: AttemptRecord["status"], endedAt?: number): AttemptRecord {
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

function newInstance(taskId: string, mapIndex: number | null): TaskInstance {
  return {
    key: instanceKey(taskId, mapIndex),
    taskId,
    mapIndex,
    status: "pending",
    attempt: 0,
    failures: 0,
    lost: 0,
  };
}

/** The initial, never-stored instances of a plan: every task pending. */
export function pendingTasks(plan: Plan): Map<string, TaskInstance> {
  const tasks = new Map<string, TaskInstance>();
  for (const p of plan.tasks) tasks.set(p.id, newInstance(p.id, null));
  return tasks;
}

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

const NO_OFFER: Offer = { capacity: 0 };

/**
 * Creates a run's initial state and starts it: root tasks become ready. The
 * caller (a trigger) may offer to run them itself, like a reporting worker.
 */
export function createRun(
  header: Omit<RunHeader, "status" | "startedAt" | "endedAt">,
  plan: Plan,
  ctx: MachineContext,
  offer: Offer = NO_OFFER,
): { state: RunState; effects: Effects } {
  const tasks = pendingTasks(plan);
  const state: RunState = { run: { ...header, status: "running", startedAt: ctx.now }, tasks };
  const tx = newTx(state, plan, ctx);
  tx.fx.runChanged = true;
  // Task rows still pending need no write: a stored run rebuilds them from the plan (see `pendingTasks`).
  tx.touched.push(...plan.roots.map((i) => planned(plan, i)));
  settle(tx, offer);
  return { state, effects: tx.fx };
}

function newTx(state: RunState, plan: Plan, ctx: MachineContext): Tx {
  return { state, plan, ctx, fx: emptyEffects(), ready: [], touched: [], starting: new Set(), scheduled: [] };
}

/** Applies one event to a run. Mutates `state`; returns what changed and what to do. */
export function transition(state: RunState, plan: Plan, event: RunEvent, ctx: MachineContext): Effects {
  // A finished run's slot book is stale (a cancel ends tasks without settling): a run reopened by a
  // retry or clear rebuilds it from its tasks.
  if (isFinishedRun(state.run.status)) slotBooks.delete(state);
  const tx = newTx(state, plan, ctx);
  switch (event.type) {
    case "AttemptsClaimed":
      claim(tx, event.refs);
      break;
    case "AttemptsFinished":
      for (const o of event.outcomes) finishAttempt(tx, o);
      settle(tx, isFinishedRun(state.run.status) ? NO_OFFER : event);
      break;
    case "ChildRunFinished":
      childFinished(tx, event.child);
      settle(tx, isFinishedRun(state.run.status) ? NO_OFFER : event.offer);
      break;
    case "TimerFired":
      timer(tx);
      settle(tx);
      break;
    case "CancelRequested":
      cancel(tx, event.reason);
      break;
    case "RetryRequested":
      rerun(tx, (t) => t.status === "failed" || t.status === "upstream_failed" || t.status === "cancelled", false);
      settle(tx);
      break;
    case "ClearRequested":
      clear(tx, event.taskIds, event.downstream);
      settle(tx);
      break;
  }
  return tx.fx;
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

function planned(plan: Plan, index: number): PlannedTask {
  const p = plan.tasks[index];
  if (!p) throw new Error(`no task #${index} in the plan`);
  return p;
}

function plannedFor(plan: Plan, t: TaskInstance): PlannedTask {
  const p = plan.byId.get(t.taskId);
  if (!p) throw new Error(`task '${t.taskId}' is not in the run's plan`);
  return p;
}

/** The parent instance of a task: mapped tasks keep their aggregate state there. */
function parentOf(state: RunState, taskId: string): TaskInstance {
  const t = state.tasks.get(taskId);
  if (!t) throw new Error(`no instance of task '${taskId}'`);
  return t;
}

function refuseReason(state: RunState, t: TaskInstance | undefined, ref: WorkRef): RefusedRef["reason"] | undefined {
  if (isFinishedRun(state.run.status)) return "run_finished";
  if (!t) return "unknown_task";
  if (t.attempt !== ref.attempt) return "stale_attempt";
  if (t.status !== "queued" && t.status !== "running") return "not_active";
  // Failed for good; its fallback task runs in its place: this attempt is over.
  if (t.waitingForFallback) return "not_active";
  return undefined;
}

function claim(tx: Tx, refs: WorkRef[]): void {
  for (const ref of refs) {
    const t = tx.state.tasks.get(ref.taskKey);
    const reason = refuseReason(tx.state, t, ref);
    if (reason || !t || t.waiting) {
      tx.fx.refused.push({ ...ref, reason: reason ?? (t ? "not_active" : "unknown_task") });
      continue;
    }
    // A running attempt claimed again is a redelivery after its worker died: run it again.
    startAttempt(tx, t, "queue");
    tx.fx.granted.push({ taskKey: t.key, attempt: t.attempt });
  }
}

function startAttempt(tx: Tx, t: TaskInstance, via: Via): void {
  const p = plannedFor(tx.plan, t);
  t.status = "running";
  t.via = via;
  t.attemptStartedAt = tx.ctx.now;
  if (t.startedAt === undefined) t.startedAt = tx.ctx.now;
  t.deadline = tx.ctx.now + p.timeoutMs + tx.ctx.config.leaseMarginMs;
  wakeNoLaterThan(tx.fx, t.deadline);
  // No attempt row yet: the task row holds the attempt in flight; history records it when it ends.
  tx.fx.changedTasks.add(t.key);
}

function finishAttempt(tx: Tx, o: AttemptOutcome): void {
  const { state, ctx, fx } = tx;
  const t = state.tasks.get(o.taskKey);
  const reason = refuseReason(state, t, o);
  if (reason || !t) {
    fx.ignored.push({ taskKey: o.taskKey, attempt: o.attempt, reason: reason ?? "unknown_task" });
    return;
  }
  if (t.childRunId !== undefined && t.waiting) {
    // The attempt already handed its work to a child run; only the child's end finishes it.
    fx.ignored.push({ taskKey: o.taskKey, attempt: o.attempt, reason: "not_active" });
    return;
  }
  if (o.startedAt !== undefined) t.attemptStartedAt = o.startedAt;
  else if (t.attemptStartedAt === undefined) t.attemptStartedAt = ctx.now;
  if (t.startedAt === undefined) t.startedAt = t.attemptStartedAt;
  const endedAt = o.endedAt ?? ctx.now;
  fx.changedTasks.add(t.key);
  if (o.ok && o.childRunId !== undefined) {
    t.childRunId = o.childRunId;
    if (o.waiting) {
      // A child DAG run started and the task waits for it: no lease, the child's end reports back.
      t.waiting = true;
      delete t.deadline;
      return;
    }
  }
  if (o.ok) {
    t.output = o.output ?? null;
    delete t.error;
    succeed(tx, t, endedAt);
    fx.attempts.push(attemptRecord(t, "success", endedAt));
  } else {
    t.error = o.error ?? { message: "attempt failed" };
    fx.attempts.push(attemptRecord(t, "failed", endedAt));
    failAttempt(tx, t, endedAt);
  }
}

function childFinished(tx: Tx, child: ChildOutcome): void {
  const t = tx.state.tasks.get(child.taskKey);
  const reason = refuseReason(tx.state, t, child);
  if (reason || !t || t.childRunId !== child.childRunId) {
    tx.fx.ignored.push({ taskKey: child.taskKey, attempt: child.attempt, reason: reason ?? "stale_attempt" });
    return;
  }
  delete t.waiting;
  tx.fx.changedTasks.add(t.key);
  if (child.status === "success") {
    t.output = { runId: child.childRunId, status: child.status };
    delete t.error;
    succeed(tx, t, tx.ctx.now);
    tx.fx.attempts.push(attemptRecord(t, "success", tx.ctx.now));
  } else {
    t.error = { message: `child run ${child.childRunId} ended ${child.status}`, code: "child_run" };
    tx.fx.attempts.push(attemptRecord(t, "failed", tx.ctx.now));
    failAttempt(tx, t, tx.ctx.now);
  }
}

/** A task instance succeeded: settle its fallback, its mapped parent, and wake its downstream. */
function succeed(tx: Tx, t: TaskInstance, at: number): void {
  setTerminal(t, "success", at);
  tx.fx.changedTasks.add(t.key);
  afterTerminal(tx, t);
}

/** Bookkeeping every time an instance reaches a terminal state. */
function afterTerminal(tx: Tx, t: TaskInstance): void {
  const p = plannedFor(tx.plan, t);
  if (t.mapIndex !== null) {
    instanceDone(tx, t, p);
    return;
  }
  if (p.fallbackFor !== undefined) {
    fallbackDone(tx, t, planned(tx.plan, p.fallbackFor));
    return;
  }
  if (p.fallbackTask !== undefined) skipUnusedFallback(tx, planned(tx.plan, p.fallbackTask));
  if (t.status === "failed") alertTaskFailed(tx, t, p);
  tx.touched.push(...p.downstream.map((i) => planned(tx.plan, i)));
}

/**
 * Counts a failed attempt: schedules a retry while the policy allows; then a
 * fallback value or task; else the task fails.
 */
function failAttempt(tx: Tx, t: TaskInstance, endedAt = tx.ctx.now): void {
  const { ctx, fx } = tx;
  const p = plannedFor(tx.plan, t);
  t.failures += 1;
  delete t.deadline;
  if (t.failures <= p.retry.limit) {
    t.status = "up_for_retry";
    t.retryAt = ctx.now + retryDelayMs(p.retry, t.failures, ctx.random());
    wakeNoLaterThan(fx, t.retryAt);
    return;
  }
  const fallback = p.spec.fallback;
  if (fallback && "value" in fallback) {
    t.output = fallback.value ?? null;
    t.fallbackUsed = true;
    succeed(tx, t, endedAt);
    return;
  }
  if (p.fallbackTask !== undefined && t.mapIndex === null) {
    // The alternate task runs in this task's place; this task ends with it.
    const alt = parentOf(tx.state, planned(tx.plan, p.fallbackTask).id);
    if (alt.status === "pending") {
      t.status = "running";
      t.waitingForFallback = true;
      fx.changedTasks.add(t.key);
      runInstance(tx, alt, planned(tx.plan, p.fallbackTask));
      return;
    }
  }
  setTerminal(t, "failed", endedAt);
  fx.changedTasks.add(t.key);
  afterTerminal(tx, t);
}

/** The fallback task ended: the task it stands in for ends with it. */
function fallbackDone(tx: Tx, alt: TaskInstance, primaryPlan: PlannedTask): void {
  const primary = parentOf(tx.state, primaryPlan.id);
  if (!primary.waitingForFallback) return;
  delete primary.waitingForFallback;
  tx.fx.changedTasks.add(primary.key);
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

function skipUnusedFallback(tx: Tx, altPlan: PlannedTask): void {
  const alt = parentOf(tx.state, altPlan.id);
  if (alt.status !== "pending") return;
  setTerminal(alt, "skipped", tx.ctx.now);
  tx.fx.changedTasks.add(alt.key);
}

function setTerminal(t: TaskInstance, status: TaskStatus, at: number): void {
  t.status = status;
  t.endedAt = at;
  delete t.deadline;
  delete t.retryAt;
  delete t.scheduledAt;
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

/** The expression scope of a task: params, run facts, its upstream outputs, and its map item. */
export function scopeFor(
  state: RunState,
  plan: Plan,
  p: PlannedTask,
  instance?: TaskInstance,
  resolve: (output: unknown) => unknown = (o) => o,
): ExpressionScope {
  const tasks: Record<string, { output: unknown }> = {};
  const ids = p.fallbackFor === undefined ? p.upstream : planned(plan, p.fallbackFor).upstream;
  for (const i of ids) {
    const up = planned(plan, i);
    tasks[up.id] = { output: resolve(state.tasks.get(up.id)?.output ?? null) };
  }
  const scope: ExpressionScope = {
    params: state.run.params,
    runId: state.run.runId,
    logicalDate: state.run.logicalDate ?? null,
    tasks,
  };
  if (instance && instance.mapIndex !== null) {
    scope.item = instance.item ?? null;
    scope.mapIndex = instance.mapIndex;
  }
  return scope;
}

function evaluate(tx: Tx, p: PlannedTask, what: string, expression: string): { ok: true; value: unknown } | { ok: false; error: TaskError } {
  try {
    return { ok: true, value: evaluateExpression(expression, scopeFor(tx.state, tx.plan, p, undefined, tx.ctx.resolve)) };
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    return { ok: false, error: { message: `${what}: ${message}`, code: "expression" } };
  }
}

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
function advance(tx: Tx): void {
  const { state, ctx, fx } = tx;
  if (isFinishedRun(state.run.status)) return;
  // Many outcomes of one report often touch the same join task: decide it once, after all of them.
  const work = [...new Set(tx.touched)];
  tx.touched = work;
  while (work.length > 0) {
    const p = work.pop();
    if (!p || p.fallbackFor !== undefined) continue;
    const t = state.tasks.get(p.id);
    if (!t || t.status !== "pending") continue;
    const decision = readiness(p.triggerRule, tally(upstreamStatuses(tx, p)));
    if (decision === "wait") continue;
    fx.changedTasks.add(t.key);
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

/** A task that cannot even start (a bad expression, a list too long): failed, no retries. */
function failWithoutAttempt(tx: Tx, t: TaskInstance, error: TaskError): void {
  t.error = error;
  setTerminal(t, "failed", tx.ctx.now);
  tx.fx.changedTasks.add(t.key);
  afterTerminal(tx, t);
}

/**
 * Starts an instance's next attempt: inline for control tasks, else into `ready`
 * (or, when the run limits its concurrency, `scheduled` until `fillSlots` gives it a slot).
 */
function runInstance(tx: Tx, t: TaskInstance, p: PlannedTask): void {
  const { ctx, fx } = tx;
  if (!p.control && tx.plan.maxActiveTasks !== undefined) {
    t.status = "scheduled";
    t.scheduledAt = ctx.now;
    delete t.retryAt;
    fx.changedTasks.add(t.key);
    tx.scheduled.push(t);
    return;
  }
  queueAttempt(t, ctx);
  fx.changedTasks.add(t.key);
  if (!p.control) {
    tx.ready.push(t);
    return;
  }
  // Control tasks need no worker: they finish here, in the same transition.
  t.via = "inline";
  t.attemptStartedAt = ctx.now;
  if (t.startedAt === undefined) t.startedAt = ctx.now;
  if (p.spec.type === "branch") {
    const chosen = evaluate(tx, p, "branch", p.spec.expression);
    const followed = chosen.ok ? branchTargets(p, tx.plan, chosen.value) : chosen;
    if (!followed.ok) {
      t.error = followed.error;
      fx.attempts.push(attemptRecord(t, "failed", ctx.now));
      failAttempt(tx, t, ctx.now);
      return;
    }
    t.output = { followed: followed.value };
  } else {
    t.output = null;
  }
  delete t.error;
  fx.attempts.push(attemptRecord({ ...t, status: "success" }, "success", ctx.now));
  succeed(tx, t, ctx.now);
}

function branchTargets(
  p: PlannedTask,
  plan: Plan,
  value: unknown,
): { ok: true; value: string[] } | { ok: false; error: TaskError } {
  const ids = value === null ? [] : Array.isArray(value) ? value : [value];
  const downstream = new Set(p.downstream.map((i) => planned(plan, i).id));
  for (const id of ids) {
    if (typeof id !== "string" || !downstream.has(id)) {
      return {
        ok: false,
        error: {
          message: `branch: ${JSON.stringify(id)} is not a downstream task of '${p.id}' (one of: ${[...downstream].join(", ")})`,
          code: "branch",
        },
      };
    }
  }
  return { ok: true, value: ids as string[] };
}

/** Expands a mapped task into one instance per element of its list. */
function expand(tx: Tx, parent: TaskInstance, p: PlannedTask): void {
  const { state, ctx, fx } = tx;
  const map = p.spec.map;
  if (!map) return;
  const over = evaluate(tx, p, "map.over", map.over);
  if (!over.ok) return failWithoutAttempt(tx, parent, over.error);
  if (!Array.isArray(over.value)) {
    return failWithoutAttempt(tx, parent, {
      message: `map.over must yield a list, got ${over.value === null ? "null" : typeof over.value}`,
      code: "map",
    });
  }
  const limit = map.maxMapLength ?? DEFAULT_MAX_MAP_LENGTH;
  if (over.value.length > limit) {
    return failWithoutAttempt(tx, parent, {
      message: `map.over yielded ${over.value.length} items, more than maxMapLength ${limit}`,
      code: "map",
    });
  }
  if (over.value.length === 0) {
    setTerminal(parent, "skipped", ctx.now);
    afterTerminal(tx, parent);
    return;
  }
  parent.status = "running";
  parent.startedAt = ctx.now;
  parent.mapped = over.value.length;
  parent.mapNext = 0;
  parent.mapActive = 0;
  parent.mapDone = 0;
  parent.mapFailed = 0;
  for (let i = 0; i < over.value.length; i++) {
    const inst = newInstance(p.id, i);
    // Each instance keeps its own element: rows stay small however long the list.
    inst.item = over.value[i] ?? null;
    state.tasks.set(inst.key, inst);
    fx.changedTasks.add(inst.key);
  }
  startMoreInstances(tx, parent, p);
}

/** Starts pending instances of a mapped task while `maxActive` allows. */
function startMoreInstances(tx: Tx, parent: TaskInstance, p: PlannedTask): void {
  if (tx.starting.has(p.id)) return; // the loop below is already running for this task
  tx.starting.add(p.id);
  const total = parent.mapped ?? 0;
  const maxActive = p.spec.map?.maxActive ?? Number.POSITIVE_INFINITY;
  while ((parent.mapNext ?? 0) < total && (parent.mapActive ?? 0) < maxActive) {
    const index = parent.mapNext ?? 0;
    parent.mapNext = index + 1;
    parent.mapActive = (parent.mapActive ?? 0) + 1;
    const inst = tx.state.tasks.get(instanceKey(p.id, index));
    if (inst && inst.status === "pending") runInstance(tx, inst, p);
  }
  tx.starting.delete(p.id);
  tx.fx.changedTasks.add(parent.key);
}

/** A mapped instance ended: start the next, and end the mapped task once every instance has. */
function instanceDone(tx: Tx, inst: TaskInstance, p: PlannedTask): void {
  const parent = parentOf(tx.state, p.id);
  if (parent.status !== "running") return;
  parent.mapActive = Math.max(0, (parent.mapActive ?? 1) - 1);
  parent.mapDone = (parent.mapDone ?? 0) + 1;
  if (inst.status !== "success") parent.mapFailed = (parent.mapFailed ?? 0) + 1;
  tx.fx.changedTasks.add(parent.key);
  startMoreInstances(tx, parent, p);
  const total = parent.mapped ?? 0;
  if ((parent.mapDone ?? 0) < total) return;
  // Every instance ended: downstream sees the outputs in order.
  const outputs: unknown[] = [];
  for (let i = 0; i < total; i++) outputs.push(tx.state.tasks.get(instanceKey(p.id, i))?.output ?? null);
  parent.output = outputs;
  if ((parent.mapFailed ?? 0) > 0) {
    parent.error = { message: `${parent.mapFailed} of ${total} mapped instances failed`, code: "map" };
    setTerminal(parent, "failed", tx.ctx.now);
  } else {
    setTerminal(parent, "success", tx.ctx.now);
  }
  afterTerminal(tx, parent);
}

/**
 * An attempt holding one of the run's slots: queued or running on a worker (not a mapped task's
 * parent, a task whose fallback runs in its place, or a `dag` task waiting for its child run).
 */
function holdsSlot(t: TaskInstance): boolean {
  return (t.status === "queued" || t.status === "running") && t.mapped === undefined && !t.waitingForFallback && !t.waiting;
}

/**
 * Who holds the run's slots and who waits for one, kept in memory beside the state (rebuilt from
 * the tasks after a reload), so a report costs the same whether 10 or 10,000 tasks wait.
 */
interface SlotBook {
  /** Attempts holding a slot: never more than `maxActiveTasks`, since only `fillSlots` grants one. */
  holders: Set<string>;
  /** Scheduled tasks, oldest first. An entry whose task has left `scheduled` (or was scheduled again later) is skipped. */
  waiting: Array<{ key: string; at: number }>;
  next: number;
}

const slotBooks = new WeakMap<RunState, SlotBook>();

/** The order in which tasks that became ready together get slots: the plan's, mapped instances by index. */
function runOrder(plan: Plan, a: TaskInstance, b: TaskInstance): number {
  return plannedFor(plan, a).index - plannedFor(plan, b).index || (a.mapIndex ?? -1) - (b.mapIndex ?? -1);
}

function slotBook(tx: Tx): SlotBook {
  let book = slotBooks.get(tx.state);
  if (!book) {
    const holders = new Set<string>();
    const scheduled: TaskInstance[] = [];
    for (const t of tx.state.tasks.values()) {
      if (holdsSlot(t)) holders.add(t.key);
      else if (t.status === "scheduled") scheduled.push(t);
    }
    scheduled.sort((a, b) => (a.scheduledAt ?? 0) - (b.scheduledAt ?? 0) || runOrder(tx.plan, a, b));
    book = { holders, waiting: scheduled.map((t) => ({ key: t.key, at: t.scheduledAt ?? 0 })), next: 0 };
    slotBooks.set(tx.state, book);
    tx.scheduled = []; // already in the book
  }
  return book;
}

/**
 * Run concurrency (`maxActiveTasks`): queues scheduled tasks, oldest first, while
 * fewer attempts than the limit hold a slot. The one place that grants slots, so a
 * task reaches a worker through the queue or by continuation only once it has one.
 */
function fillSlots(tx: Tx): void {
  const limit = tx.plan.maxActiveTasks;
  if (limit === undefined) return;
  const { state, ctx, fx } = tx;
  if (isFinishedRun(state.run.status)) return;
  const book = slotBook(tx);
  if (tx.scheduled.length > 0) {
    tx.scheduled.sort((a, b) => runOrder(tx.plan, a, b));
    for (const t of tx.scheduled) book.waiting.push({ key: t.key, at: t.scheduledAt ?? ctx.now });
    tx.scheduled = [];
  }
  // An attempt that gave its slot up changed in this transition (every change of a task is written);
  // when the book still says full, each holder is checked (transitions that end a run skip this function).
  for (const key of fx.changedTasks) {
    const t = state.tasks.get(key);
    if (book.holders.has(key) && (!t || !holdsSlot(t))) book.holders.delete(key);
  }
  if (book.next >= book.waiting.length) return; // nobody waits
  if (book.holders.size >= limit) {
    for (const key of book.holders) {
      const t = state.tasks.get(key);
      if (!t || !holdsSlot(t)) book.holders.delete(key);
    }
  }
  while (book.holders.size < limit && book.next < book.waiting.length) {
    const entry = book.waiting[book.next++];
    const t = entry && state.tasks.get(entry.key);
    if (!t || t.status !== "scheduled" || t.scheduledAt !== entry.at) continue;
    delete t.scheduledAt;
    queueAttempt(t, ctx);
    fx.changedTasks.add(t.key);
    tx.ready.push(t);
    book.holders.add(t.key);
  }
  if (book.next > 1_000 && book.next * 2 > book.waiting.length) {
    book.waiting = book.waiting.slice(book.next);
    book.next = 0;
  }
}

/**
 * Hands up to `offer.capacity` ready attempts back to the worker that offered
 * them room, those whose timeout ends inside its budget; queues the rest.
 */
function dispatchReady(tx: Tx, offer: Offer): void {
  const { ctx, fx } = tx;
  let room = offer.capacity;
  for (const t of tx.ready) {
    if (t.status !== "queued") continue; // cancelled or cleared within the same transition
    if (room > 0 && (offer.until === undefined || ctx.now + plannedFor(tx.plan, t).timeoutMs <= offer.until)) {
      room--;
      startAttempt(tx, t, "continuation");
      fx.handBack.push({ taskKey: t.key, attempt: t.attempt });
    } else {
      t.deadline = ctx.now + ctx.config.dispatchLeaseMs;
      wakeNoLaterThan(fx, t.deadline);
      fx.dispatch.push({ taskKey: t.key, attempt: t.attempt });
    }
  }
  tx.ready = [];
}

function timer(tx: Tx): void {
  const { state, ctx, fx } = tx;
  if (isFinishedRun(state.run.status)) return;
  for (const t of [...state.tasks.values()]) {
    if (t.status === "up_for_retry" && t.retryAt !== undefined && t.retryAt <= ctx.now) {
      runInstance(tx, t, plannedFor(tx.plan, t));
    } else if (t.status === "queued" && t.deadline !== undefined && t.deadline <= ctx.now) {
      // The message was lost (e.g. the local queue was restarted): send the same attempt again.
      t.deadline = ctx.now + ctx.config.dispatchLeaseMs;
      wakeNoLaterThan(fx, t.deadline);
      fx.changedTasks.add(t.key);
      fx.dispatch.push({ taskKey: t.key, attempt: t.attempt });
    } else if (t.status === "running" && t.deadline !== undefined && t.deadline <= ctx.now) {
      // The worker holding the lease is gone: abandon the attempt and start a new one.
      t.error = { message: "lease expired: the worker running this attempt was lost", code: "lease_expired" };
      fx.attempts.push(attemptRecord(t, "abandoned", ctx.now));
      fx.changedTasks.add(t.key);
      t.lost += 1;
      if (t.lost > ctx.config.maxLostAttempts) failAttempt(tx, t, ctx.now);
      else runInstance(tx, t, plannedFor(tx.plan, t));
    }
  }
}

function cancel(tx: Tx, reason?: string): void {
  const { state, ctx, fx } = tx;
  if (isFinishedRun(state.run.status)) return;
  for (const t of state.tasks.values()) {
    if (isTerminalTask(t.status)) continue;
    if (t.status === "queued" || t.status === "running") {
      t.error = { message: reason ? `cancelled: ${reason}` : "cancelled", code: "cancelled" };
      if (t.attempt > 0 && t.mapped === undefined && !t.waitingForFallback) fx.attempts.push(attemptRecord(t, "cancelled", ctx.now));
      if (t.childRunId !== undefined && t.waiting) fx.cancelChildren.push(t.childRunId);
    }
    setTerminal(t, "cancelled", ctx.now);
    fx.changedTasks.add(t.key);
  }
  state.run.status = "cancelled";
  state.run.endedAt = ctx.now;
  fx.runChanged = true;
  fx.finished = "cancelled";
}

/** Resets instances chosen by `select` (and their fallback tasks) to pending; reopens the run. */
function rerun(tx: Tx, select: (t: TaskInstance) => boolean, abandonActive: boolean): void {
  const { state, fx, plan } = tx;
  const reset = new Set<string>();
  for (const p of plan.tasks) {
    const t = state.tasks.get(p.id);
    if (!t) continue;
    const mappedNeedsRerun =
      t.mapped !== undefined && [...instancesOf(state, p.id, t.mapped)].some((inst) => select(inst));
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
        fx.changedTasks.add(inst.key);
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
    fx.runChanged = true;
  }
  for (const id of reset) {
    const p = plan.byId.get(id);
    if (p) tx.touched.push(p);
  }
}

function* instancesOf(state: RunState, taskId: string, count: number): Generator<TaskInstance> {
  for (let i = 0; i < count; i++) {
    const inst = state.tasks.get(instanceKey(taskId, i));
    if (inst) yield inst;
  }
}

function resetInstance(tx: Tx, t: TaskInstance, abandonActive: boolean): void {
  const { ctx, fx } = tx;
  if (abandonActive && (t.status === "queued" || t.status === "running") && t.attempt > 0 && t.mapped === undefined) {
    t.error = { message: "cleared: a newer attempt replaces this one", code: "cleared" };
    fx.attempts.push(attemptRecord(t, "abandoned", ctx.now));
    if (t.childRunId !== undefined && t.waiting) fx.cancelChildren.push(t.childRunId);
  }
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
  fx.changedTasks.add(t.key);
}

function clear(tx: Tx, taskIds: string[], downstream: boolean): void {
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

function alertTaskFailed(tx: Tx, t: TaskInstance, p: PlannedTask): void {
  const target = p.spec.onFailure ?? tx.plan.onFailure;
  if (!target) return;
  const r = tx.state.run;
  tx.fx.alerts.push({
    alertId: `task_failed:${t.key}:${t.attempt}`,
    target,
    summary: {
      event: "task_failed",
      dagId: r.dagId,
      dagVersion: r.dagVersion,
      runId: r.runId,
      taskId: t.taskId,
      mapIndex: t.mapIndex,
      attempts: t.attempt,
      lastError: t.error ?? null,
      runStatus: r.status,
    },
  });
}

function finishIfDone(tx: Tx): void {
  const { state, ctx, fx } = tx;
  if (isFinishedRun(state.run.status)) return;
  let failed: TaskInstance | undefined;
  for (const t of state.tasks.values()) {
    if (!isTerminalTask(t.status)) return;
    if (!failed && (t.status === "failed" || t.status === "upstream_failed")) failed = t;
  }
  state.run.status = failed ? "failed" : "success";
  state.run.endedAt = ctx.now;
  fx.runChanged = true;
  fx.finished = state.run.status;
  if (failed && tx.plan.onFailure) {
    const r = state.run;
    const firstFailed = [...state.tasks.values()].find((t) => t.status === "failed") ?? failed;
    fx.alerts.push({
      alertId: `run_failed:${ctx.now}`,
      target: tx.plan.onFailure,
      summary: {
        event: "run_failed",
        dagId: r.dagId,
        dagVersion: r.dagVersion,
        runId: r.runId,
        taskId: firstFailed.taskId,
        mapIndex: firstFailed.mapIndex,
        attempts: firstFailed.attempt,
        lastError: firstFailed.error ?? null,
        runStatus: r.status,
      },
    });
  }
}

/** Earliest time something is due (a retry, an expired lease), or undefined when nothing waits. */
export function nextWakeAt(state: RunState): number | undefined {
  if (isFinishedRun(state.run.status)) return undefined;
  let at: number | undefined;
  for (const t of state.tasks.values()) {
    const due =
      t.status === "up_for_retry" ? t.retryAt : t.status === "queued" || t.status === "running" ? t.deadline : undefined;
    if (due !== undefined && (at === undefined || due < at)) at = due;
  }
  return at;
}

export type { TaskError };
