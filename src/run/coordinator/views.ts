import type { Plan } from "../../dag/plan";
import { attemptRecord } from "../machine";
import type { AttemptRecord, RunState } from "../types";
import { attemptView, runView, type AttemptView, type RunView } from "../view";
import type { AlertRecord } from "./alert-store";
import type { StoredTask } from "./stored-rows";

/** A run as the API shows it, with its alerts' delivery state. */
export function runViewWithAlerts(state: RunState, plan: Plan, alerts: AlertRecord[]): RunView {
  return {
    ...runView(state, plan),
    alerts: alerts.map((a) => ({
      alertId: a.alertId,
      event: a.summary.event,
      taskId: a.summary.taskId,
      url: a.target.url,
      status: a.status,
      attempts: a.attempts,
      lastError: a.lastError ?? null,
    })),
  };
}

/**
 * Every attempt of a run, in the order they were queued: ended attempts live in their task
 * rows (`history`); attempts in flight are the task rows' current ones.
 */
export function attemptsView(state: RunState, plan: Plan): AttemptView[] {
  const order = new Map(plan.tasks.map((p) => [p.id, p.index]));
  const all: AttemptRecord[] = [];
  for (const t of state.tasks.values()) {
    all.push(...((t as StoredTask).history ?? []));
    if ((t.status === "queued" || t.status === "running") && t.attempt > 0 && t.mapped === undefined) {
      all.push(attemptRecord(t, t.status === "queued" ? "queued" : "running"));
    }
  }
  all.sort(
    (a, b) =>
      a.queuedAt - b.queuedAt ||
      (order.get(a.taskId) ?? 0) - (order.get(b.taskId) ?? 0) ||
      (a.mapIndex ?? -1) - (b.mapIndex ?? -1) ||
      a.attempt - b.attempt,
  );
  return all.map(attemptView);
}
