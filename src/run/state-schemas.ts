import { z } from "zod";
import { RunTriggerSchema, TaskErrorSchema } from "./rpc";
import { RUN_STATUSES, TASK_STATUSES } from "./types";

/**
 * The run's state as zod schemas: the one definition of the shapes the
 * machine works on and the coordinator stores (types.ts infers the types
 * from these). Rows read back from storage are parsed with them, so a row of
 * a shape this code does not know is refused loudly instead of half-read.
 * Time fields are epoch milliseconds. No transforms: input and output types match.
 */

export const ViaSchema = z.enum(["queue", "continuation", "inline"]);

/** `abandoned`: the attempt's lease expired (worker lost) or a newer attempt replaced it. */
export const AttemptStatusSchema = z.enum(["queued", "running", "success", "failed", "abandoned", "cancelled"]);

export const RunHeaderSchema = z.object({
  runId: z.string(),
  dagId: z.string(),
  dagVersion: z.number().int(),
  status: z.enum(RUN_STATUSES),
  createdAt: z.number(),
  startedAt: z.number().optional(),
  endedAt: z.number().optional(),
  params: z.record(z.string(), z.unknown()),
  trigger: RunTriggerSchema,
  runKey: z.string().optional(),
  logicalDate: z.string().optional(),
  /** The data interval `[start, end)` a scheduled or backfilled run covers (ISO times), and `ds` (its logical date as YYYY-MM-DD in the DAG's timezone). */
  dataIntervalStart: z.string().optional(),
  dataIntervalEnd: z.string().optional(),
  ds: z.string().optional(),
  /** The backfill that created (or last reran) this run. */
  backfillId: z.string().optional(),
  /** Set on a child run started by a `dag` task: where to report its end. */
  parent: z.object({ runId: z.string(), taskKey: z.string(), attempt: z.number().int() }).optional(),
  /** Nesting depth: 0 for a top-level run, parent's + 1 for a child. */
  depth: z.number().int().optional(),
  /** How many times the run reached a final status (a retry or clear reopens it): numbers its `RunEnded` events. */
  ends: z.number().int().optional(),
});

/** One task instance of a run. */
export const TaskInstanceSchema = z.object({
  key: z.string(),
  taskId: z.string(),
  mapIndex: z.number().int().nullable(),
  status: z.enum(TASK_STATUSES),
  /** Number of the current or last attempt (0 = never attempted). */
  attempt: z.number().int(),
  /** Failed attempts, counted against `retries.limit`. */
  failures: z.number().int(),
  /** Attempts abandoned because their lease expired (worker lost). */
  lost: z.number().int(),
  via: ViaSchema.optional(),
  /**
   * The pool lease of the task's next or current attempt (`pool`): requested while the task waits
   * as `scheduled`, `granted` once the pool gave it; given back when that attempt ends.
   */
  poolLease: z.object({ pool: z.string(), attempt: z.number().int(), granted: z.boolean().optional() }).optional(),
  /** When the task became ready and started waiting for a slot (`scheduled`). */
  scheduledAt: z.number().optional(),
  /** When the current attempt was queued / started. */
  attemptQueuedAt: z.number().optional(),
  attemptStartedAt: z.number().optional(),
  /** When the task first started and when it reached a terminal state. */
  startedAt: z.number().optional(),
  endedAt: z.number().optional(),
  /** Lease deadline of a queued or running attempt: past it, the alarm recovers the attempt. */
  deadline: z.number().optional(),
  /** Times the queued attempt's message was sent again (its dispatch lease doubles each time). */
  resends: z.number().int().optional(),
  /** Claim token of the running attempt: only the worker granted it may report or heartbeat it. */
  claim: z.string().optional(),
  retryAt: z.number().optional(),
  output: z.unknown().optional(),
  error: TaskErrorSchema.optional(),
  /** The task failed for good and its fallback (value or task) stood in. */
  fallbackUsed: z.boolean().optional(),
  /** Failed for good; its fallback task is running in its place. */
  waitingForFallback: z.boolean().optional(),
  /** `dag` tasks: the child run this attempt started, and whether the attempt waits for it. */
  childRunId: z.string().optional(),
  waiting: z.boolean().optional(),
  /** A mapped instance's element of the list. */
  item: z.unknown().optional(),
  /** Mapped tasks (on the parent instance): the list's length and progress counters. */
  mapped: z.number().int().optional(),
  mapNext: z.number().int().optional(),
  mapActive: z.number().int().optional(),
  mapDone: z.number().int().optional(),
  mapFailed: z.number().int().optional(),
});

/** An attempt as history records it (one row per task instance and attempt number). */
export const AttemptRecordSchema = z.object({
  taskKey: z.string(),
  taskId: z.string(),
  mapIndex: z.number().int().nullable(),
  attempt: z.number().int(),
  status: AttemptStatusSchema,
  via: ViaSchema,
  queuedAt: z.number(),
  startedAt: z.number().optional(),
  endedAt: z.number().optional(),
  error: TaskErrorSchema.optional(),
});
