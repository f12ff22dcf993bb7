import type { Plan } from "../../dag/plan";
import { taskKey } from "../../lib/ids";
import type { AttemptRecord, TaskInstance, TaskStatus } from "../types";

/** Task instances: creating them and the few state changes every feature shares. */

export function newInstance(taskId: string, mapIndex: number | null): TaskInstance {
  return { key: taskKey(taskId, mapIndex), taskId, mapIndex, status: "pending", attempt: 0, failures: 0, lost: 0 };
}

/** The initial, never-stored instances of a plan: every task pending. */
export function pendingTasks(plan: Plan): Map<string, TaskInstance> {
  const tasks = new Map<string, TaskInstance>();
  for (const p of plan.tasks) tasks.set(p.id, newInstance(p.id, null));
  return tasks;
}

export function setTerminal(t: TaskInstance, status: TaskStatus, at: number): void {
  t.status = status;
  t.endedAt = at;
  delete t.deadline;
  delete t.retryAt;
  delete t.scheduledAt;
  delete t.claim;
}

/** Marks a task's next attempt queued (not yet sent). */
export function queueAttempt(t: TaskInstance, now: number): void {
  t.attempt += 1;
  t.status = "queued";
  t.via = "queue";
  t.attemptQueuedAt = now;
  delete t.attemptStartedAt;
  delete t.retryAt;
  delete t.claim;
  delete t.resends;
}

/** When the alarm must look at this instance: its retry time, or the lease of its attempt in flight. */
export function dueAt(t: TaskInstance): number | undefined {
  if (t.status === "up_for_retry") return t.retryAt;
  if ((t.status === "queued" || t.status === "running") && !t.waiting) return t.deadline;
  return undefined;
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
