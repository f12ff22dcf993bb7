import { z } from "zod";
import { AlertTargetSchema } from "../../dag/spec";
import { TaskErrorSchema } from "../rpc";

/**
 * Commands: what a transition asks to happen outside the run (imperative
 * names). The coordinator writes each one to its durable outbox in the same
 * storage write as the state change and delivers it at least once, so every
 * consumer must be idempotent. Stored as JSON and parsed back with these
 * schemas (no transforms: input and output types match).
 */

const RunStatusSchema = z.enum(["queued", "running", "success", "failed", "cancelled"]);
const WorkRefSchema = z.object({ taskKey: z.string().min(1), attempt: z.number().int().min(1) });
/** Send these attempts to the TASKS queue. */
export const DispatchAttemptsSchema = z.object({ type: z.literal("DispatchAttempts"), refs: z.array(WorkRefSchema) });

export const AlertSummarySchema = z.object({
  event: z.enum(["task_failed", "run_failed"]),
  dagId: z.string(),
  dagVersion: z.number().int(),
  runId: z.string(),
  taskId: z.string().nullable(),
  mapIndex: z.number().int().nullable(),
  attempts: z.number().int().nullable(),
  lastError: TaskErrorSchema.nullable(),
  runStatus: RunStatusSchema,
});

/** A failure alert: posted to its webhook, with its own retries. */
export const AlertRequestSchema = z.object({
  alertId: z.string().min(1),
  target: AlertTargetSchema,
  summary: AlertSummarySchema,
});
export type AlertRequest = z.infer<typeof AlertRequestSchema>;

export const DeliverAlertSchema = z.object({ type: z.literal("DeliverAlert"), alert: AlertRequestSchema });

/** Tell the parent run that this (child) run ended: its waiting `dag` task ends with it. */
export const NotifyParentSchema = z.object({
  type: z.literal("NotifyParent"),
  parentRunId: z.string().min(1),
  taskKey: z.string().min(1),
  attempt: z.number().int().min(1),
  childRunId: z.string().min(1),
  status: z.enum(["success", "failed", "cancelled"]),
});

/** Cancel a child run this run no longer waits for. */
export const CancelChildRunSchema = z.object({
  type: z.literal("CancelChildRun"),
  childRunId: z.string().min(1),
  reason: z.string(),
});

/**
 * The run reached a final status: the hook that cross-run features consume
 * (upstream-completion and dataset triggers, `maxActiveRuns`, OpenLineage).
 * Delivered at least once; `eventId` lets consumers ignore a repeat.
 */
export const RunEndedSchema = z.object({
  type: z.literal("RunEnded"),
  /** `<runId>:<n>`: the n-th end of this run (a retried or cleared run ends again). */
  eventId: z.string().min(1),
  runId: z.string().min(1),
  dagId: z.string().min(1),
  dagVersion: z.number().int().min(1),
  status: z.enum(["success", "failed", "cancelled"]),
  trigger: z.object({ type: z.string(), detail: z.record(z.string(), z.unknown()).optional() }),
  logicalDate: z.string().nullable(),
  dataIntervalStart: z.string().nullable().optional(),
  dataIntervalEnd: z.string().nullable().optional(),
  startedAt: z.number().nullable(),
  endedAt: z.number(),
  /** Datasets (URIs) written by the run's tasks that succeeded (`datasets.outputs`). */
  datasetsWritten: z.array(z.string()),
});
export type RunEnded = z.infer<typeof RunEndedSchema>;

/** One attempt's request for slots of a pool (`pool`, `poolSlots`, `priorityWeight`). */
export const PoolRequestSchema = WorkRefSchema.extend({
  slots: z.number().int().min(1),
  priority: z.number().int(),
  /** When the task became ready: older requests first among equal priorities. */
  requestedAt: z.number(),
});
export type PoolRequest = z.infer<typeof PoolRequestSchema>;

/**
 * Give back the leases of attempts that ended and ask for leases for attempts that are ready, of
 * one pool (one call to its PoolCoordinator per pool per transition; releases first). The pool
 * answers grants and refusals at once or calls back later (`poolAnswered`); a repeat is harmless
 * (leases are keyed by run, task and attempt).
 */
export const UpdatePoolLeasesSchema = z.object({
  type: z.literal("UpdatePoolLeases"),
  pool: z.string().min(1),
  release: z.array(WorkRefSchema),
  acquire: z.array(PoolRequestSchema),
});

/** One dataset a task wrote when it succeeded (`datasets.outputs`). */
export const DatasetUpdateSchema = z.object({
  /** `<runId>:<taskKey>:<attempt>:<uri>`: a repeat of the same update is a no-op. */
  eventId: z.string().min(1),
  uri: z.string().min(1),
  dagId: z.string().min(1),
  runId: z.string().min(1),
  taskId: z.string().min(1),
  attempt: z.number().int().min(0),
  at: z.number(),
  /** The task output's `extra` (an object), when it had one. */
  extra: z.record(z.string(), z.unknown()).optional(),
});
export type DatasetUpdateCommandEntry = z.infer<typeof DatasetUpdateSchema>;

/** A task succeeded and wrote datasets: recorded as dataset events, and handed to the DAGs they trigger. */
export const DatasetsUpdatedSchema = z.object({
  type: z.literal("DatasetsUpdated"),
  updates: z.array(DatasetUpdateSchema).min(1),
});

export const CommandSchema = z.discriminatedUnion("type", [
  DispatchAttemptsSchema,
  DeliverAlertSchema,
  NotifyParentSchema,
  CancelChildRunSchema,
  RunEndedSchema,
  UpdatePoolLeasesSchema,
  DatasetsUpdatedSchema,
]);
export type Command = z.infer<typeof CommandSchema>;
export type CommandType = Command["type"];
export type CommandOf<T extends CommandType> = Extract<Command, { type: T }>;
