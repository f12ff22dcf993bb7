import type { z } from "zod";
import type { TaskErrorSchema } from "./rpc";

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
export type AttemptStatus = "queued" | "running" | "success" | "failed" | "abandoned" | "cancelled";

/** How an attempt reached a worker: a queue message, handed back on a report, or run in the coordinator. */
export type Via = "queue" | "continuation" | "inline";

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
export interface RunTrigger {
  type: "api" | "cron" | "backfill" | "webhook" | "r2" | "upstream" | "dataset" | "dag";
  /** Free-form detail of the trigger (webhook id, R2 object key, upstream run id, …). */
  detail?: Record<string, unknown>;
}

export interface RunHeader {
  runId: string;
  dagId: string;
  dagVersion: number;
  status: RunStatus;
  createdAt: number;
  startedAt?: number;
  endedAt?: number;
  params: Record<string, unknown>;
  trigger: RunTrigger;
  runKey?: string;
  logicalDate?: string;
  /** Set on a child run started by a `dag` task: where to report its end. */
  parent?: { runId: string; taskKey: string; attempt: number };
  /** Nesting depth: 0 for a top-level run, parent's + 1 for a child. */
  depth?: number;
  /** How many times the run reached a final status (a retry or clear reopens it): numbers its `RunEnded` events. */
  ends?: number;
}

/** One task instance of a run. Time fields are epoch milliseconds. */
export interface TaskInstance {
  key: string;
  taskId: string;
  mapIndex: number | null;
  status: TaskStatus;
  /** Number of the current or last attempt (0 = never attempted). */
  attempt: number;
  /** Failed attempts, counted against `retries.limit`. */
  failures: number;
  /** Attempts abandoned because their lease expired (worker lost). */
  lost: number;
  via?: Via;
  /** When the task became ready and started waiting for a slot (`scheduled`). */
  scheduledAt?: number;
  /** When the current attempt was queued / started. */
  attemptQueuedAt?: number;
  attemptStartedAt?: number;
  /** When the task first started and when it reached a terminal state. */
  startedAt?: number;
  endedAt?: number;
  /** Lease deadline of a queued or running attempt: past it, the alarm recovers the attempt. */
  deadline?: number;
  /** Claim token of the running attempt: only the worker granted it may report or heartbeat it. */
  claim?: string;
  retryAt?: number;
  output?: unknown;
  error?: TaskError;
  /** The task failed for good and its fallback (value or task) stood in. */
  fallbackUsed?: boolean;
  /** Failed for good; its fallback task is running in its place. */
  waitingForFallback?: boolean;
  /** `dag` tasks: the child run this attempt started, and whether the attempt waits for it. */
  childRunId?: string;
  waiting?: boolean;
  /** A mapped instance's element of the list. */
  item?: unknown;
  /** Mapped tasks (on the parent instance): the list's length and progress counters. */
  mapped?: number;
  mapNext?: number;
  mapActive?: number;
  mapDone?: number;
  mapFailed?: number;
}

/** An attempt as history records it (one row per task instance and attempt number). */
export interface AttemptRecord {
  taskKey: string;
  taskId: string;
  mapIndex: number | null;
  attempt: number;
  status: AttemptStatus;
  via: Via;
  queuedAt: number;
  startedAt?: number;
  endedAt?: number;
  error?: TaskError;
}

export interface RunState {
  run: RunHeader;
  tasks: Map<string, TaskInstance>;
}

/** Identifies one attempt of one task instance: what a queue message carries. */
export interface WorkRef {
  taskKey: string;
  attempt: number;
}

/** An attempt as granted to one worker: the claim token proves the grant. */
export interface ClaimedRef extends WorkRef {
  claim: string;
}

export interface AttemptOutcome extends WorkRef {
  /** The claim token of the grant this outcome answers (absent: an attempt never claimed). */
  claim?: string;
  ok: boolean;
  /** `dag` tasks: the child run started; with `waiting`, the attempt ends when the child does. */
  childRunId?: string;
  waiting?: boolean;
  output?: unknown;
  error?: TaskError;
  startedAt?: number;
  endedAt?: number;
}
