import type { z } from "zod";
import type { AttemptOutcomeSchema, ClaimedRefSchema, RunTriggerSchema, TaskErrorSchema, WorkRefSchema } from "./rpc";
import type { AttemptRecordSchema, AttemptStatusSchema, RunHeaderSchema, TaskInstanceSchema, ViaSchema } from "./state-schemas";

/**
 * Plain data of a run: what the RunCoordinator persists and the machine
 * transforms. Statuses are string literals so stored rows read plainly.
 */

export const RUN_STATUSES = ["queued", "running", "success", "failed", "cancelled"] as const;
export type RunStatus = (typeof RUN_STATUSES)[number];

export const TASK_STATUSES = [
  "pending",
  /** Ready, waiting for a free slot of the run's `maxActiveTasks`. */
  "scheduled",
  "queued",
  "running",
  "up_for_retry",
  "success",
  "failed",
  "upstream_failed",
  "skipped",
  "cancelled",
] as const;
export type TaskStatus = (typeof TASK_STATUSES)[number];

/** `abandoned`: the attempt's lease expired (worker lost) or a newer attempt replaced it. */
export type AttemptStatus = z.infer<typeof AttemptStatusSchema>;

/** How an attempt reached a worker: a queue message, handed back on a report, or run in the coordinator. */
export type Via = z.infer<typeof ViaSchema>;

export const TERMINAL_TASK_STATUSES: ReadonlySet<TaskStatus> = new Set<TaskStatus>([
  "success",
  "failed",
  "upstream_failed",
  "skipped",
  "cancelled",
]);

export function isTerminalTask(status: TaskStatus): boolean {
  return TERMINAL_TASK_STATUSES.has(status);
}

export function isFinishedRun(status: RunStatus): boolean {
  return status === "success" || status === "failed" || status === "cancelled";
}

/** A failed attempt's error: the RPC schema's shape, written once (`TaskErrorSchema` in rpc.ts). */
export type TaskError = z.infer<typeof TaskErrorSchema>;

/** What started a run. Scheduled runs carry a logical date; (dagId, logicalDate) identifies them. */
export type RunTrigger = z.infer<typeof RunTriggerSchema>;

export type RunHeader = z.infer<typeof RunHeaderSchema>;

/** One task instance of a run (fields documented on `TaskInstanceSchema`). */
export type TaskInstance = z.infer<typeof TaskInstanceSchema>;

/** An attempt as history records it (one row per task instance and attempt number). */
export type AttemptRecord = z.infer<typeof AttemptRecordSchema>;

export interface RunState {
  run: RunHeader;
  tasks: Map<string, TaskInstance>;
}

/** Identifies one attempt of one task instance: what a queue message carries. */
export type WorkRef = z.infer<typeof WorkRefSchema>;

/** An attempt as granted to one worker: the claim token proves the grant. */
export type ClaimedRef = z.infer<typeof ClaimedRefSchema>;

/** What a worker reports of one attempt (`dag` tasks: the child run started, and whether it waits). */
export type AttemptOutcome = z.infer<typeof AttemptOutcomeSchema>;
