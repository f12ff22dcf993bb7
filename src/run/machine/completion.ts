import { isFinishedRun, type RunStatus, type TaskInstance } from "../types";
import { alertRunFailed, alertTaskFailed } from "./alerts";
import { fallbackDone, skipUnusedFallback } from "./fallback";
import { instanceDone } from "./mapping";
import { setTerminal } from "./task-instance";
import { changed, planned, plannedFor, type Tx } from "./tx";

/**
 * Where a task's end leads, and the run's. Every feature that ends a task
 * calls `afterTerminal`, which hands off to exactly one place: the mapped
 * parent (mapping.ts), the task a fallback stood in for (fallback.ts), or the
 * task's downstream (readiness.ts decides them in `settle`).
 */

/** A task instance succeeded: settle its fallback, its mapped parent, and wake its downstream. */
export function succeed(tx: Tx, t: TaskInstance, at: number): void {
  setTerminal(t, "success", at);
  changed(tx, t);
  datasetsWritten(tx, t, at);
  afterTerminal(tx, t);
}

/**
 * A task that declares `datasets.outputs` and succeeded (itself, not through its fallback value)
 * issues one `DatasetsUpdated`: the dataset events that dataset triggers consume. A mapped task
 * does, once, when the whole map succeeded; its instances do not.
 */
function datasetsWritten(tx: Tx, t: TaskInstance, at: number): void {
  if (t.mapIndex !== null || t.fallbackUsed) return;
  const p = plannedFor(tx.plan, t);
  const outputs = p.spec.datasets?.outputs;
  if (!outputs || outputs.length === 0) return;
  const r = tx.state.run;
  const extra = outputExtra(t.output);
  tx.fx.commands.push({
    type: "DatasetsUpdated",
    updates: [...new Set(outputs)].map((uri) => ({
      eventId: `${r.runId}:${t.key}:${t.attempt}:${uri}`,
      uri,
      dagId: r.dagId,
      runId: r.runId,
      taskId: t.taskId,
      attempt: t.attempt,
      at,
      ...(extra === undefined ? {} : { extra }),
    })),
  });
}

/** An output's `extra` object (what a task tells the consumers of its datasets), if it has one. */
function outputExtra(output: unknown): Record<string, unknown> | undefined {
  if (output === null || typeof output !== "object" || Array.isArray(output)) return undefined;
  const extra = (output as { extra?: unknown }).extra;
  return extra !== null && typeof extra === "object" && !Array.isArray(extra) ? (extra as Record<string, unknown>) : undefined;
}

/** Bookkeeping every time an instance reaches a terminal state. */
export function afterTerminal(tx: Tx, t: TaskInstance): void {
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

/** Ends the run once no instance is open (the index counts them: no scan). */
export function finishIfDone(tx: Tx): void {
  const { state, index } = tx;
  if (isFinishedRun(state.run.status)) return;
  index.sync(state.tasks);
  if (index.openCount > 0) return;
  const failed = index.failed().size > 0;
  endRun(tx, failed ? "failed" : "success");
  if (failed) alertRunFailed(tx);
}

/**
 * The run reached a final status: records it and issues what leaves the run
 * because of it (`RunEnded` for cross-run consumers; `NotifyParent` for a child run).
 */
export function endRun(tx: Tx, status: Extract<RunStatus, "success" | "failed" | "cancelled">): void {
  const { state, ctx, fx, plan } = tx;
  const r = state.run;
  r.status = status;
  r.endedAt = ctx.now;
  r.ends = (r.ends ?? 0) + 1;
  fx.changes.run = true;
  fx.finished = status;
  const datasets = new Set<string>();
  for (const p of plan.tasks) {
    if (state.tasks.get(p.id)?.status !== "success") continue;
    for (const uri of p.spec.datasets?.outputs ?? []) datasets.add(uri);
  }
  fx.commands.push({
    type: "RunEnded",
    eventId: `${r.runId}:${r.ends}`,
    runId: r.runId,
    dagId: r.dagId,
    dagVersion: r.dagVersion,
    status,
    trigger: r.trigger,
    logicalDate: r.logicalDate ?? null,
    dataIntervalStart: r.dataIntervalStart ?? null,
    dataIntervalEnd: r.dataIntervalEnd ?? null,
    startedAt: r.startedAt ?? null,
    endedAt: ctx.now,
    datasetsWritten: [...datasets],
  });
  if (r.parent) {
    fx.commands.push({
      type: "NotifyParent",
      parentRunId: r.parent.runId,
      taskKey: r.parent.taskKey,
      attempt: r.parent.attempt,
      childRunId: r.runId,
      status,
    });
  }
}
