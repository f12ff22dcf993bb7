import { z } from "zod";
import { TaskErrorSchema } from "../rpc";
import { RUN_STATUSES, TASK_STATUSES, type AttemptRecord, type RunHeader, type TaskInstance } from "../types";

/**
 * The shapes of what the coordinator stores, as zod schemas: rows read back
 * are parsed with them, so a row of a shape this version does not know is
 * refused loudly instead of half-read. Each schema is checked against the
 * machine's type (`satisfies`), so the two cannot drift apart.
 */

const TaskStatusSchema = z.enum(TASK_STATUSES);
const ViaSchema = z.enum(["queue", "continuation", "inline"]);

export const AttemptRecordSchema = z.object({
  taskKey: z.string(),
  taskId: z.string(),
  mapIndex: z.number().int().nullable(),
  attempt: z.number().int(),
  status: z.enum(["queued", "running", "success", "failed", "abandoned", "cancelled"]),
  via: ViaSchema,
  queuedAt: z.number(),
  startedAt: z.number().optional(),
  endedAt: z.number().optional(),
  error: TaskErrorSchema.optional(),
}) satisfies z.ZodType<AttemptRecord>;

export const StoredTaskSchema = z.object({
  key: z.string(),
  taskId: z.string(),
  mapIndex: z.number().int().nullable(),
  status: TaskStatusSchema,
  attempt: z.number().int(),
  failures: z.number().int(),
  lost: z.number().int(),
  via: ViaSchema.optional(),
  scheduledAt: z.number().optional(),
  attemptQueuedAt: z.number().optional(),
  attemptStartedAt: z.number().optional(),
  startedAt: z.number().optional(),
  endedAt: z.number().optional(),
  deadline: z.number().optional(),
  claim: z.string().optional(),
  retryAt: z.number().optional(),
  output: z.unknown().optional(),
  error: TaskErrorSchema.optional(),
  fallbackUsed: z.boolean().optional(),
  waitingForFallback: z.boolean().optional(),
  childRunId: z.string().optional(),
  waiting: z.boolean().optional(),
  item: z.unknown().optional(),
  mapped: z.number().int().optional(),
  mapNext: z.number().int().optional(),
  mapActive: z.number().int().optional(),
  mapDone: z.number().int().optional(),
  mapFailed: z.number().int().optional(),
  /** The attempts that ended, oldest first (history). */
  history: z.array(AttemptRecordSchema).optional(),
});
/** A task instance as the coordinator stores it: the machine's fields plus the attempts that ended. */
export type StoredTask = z.infer<typeof StoredTaskSchema>;
// Compile-time check: a stored task is a task instance (and the machine's instance fits the schema).
const _taskFits: (t: TaskInstance) => StoredTask = (t) => t;
const _storedFits: (t: StoredTask) => TaskInstance = (t) => t;
void _taskFits;
void _storedFits;

export const RunHeaderSchema = z.object({
  runId: z.string(),
  dagId: z.string(),
  dagVersion: z.number().int(),
  status: z.enum(RUN_STATUSES),
  createdAt: z.number(),
  startedAt: z.number().optional(),
  endedAt: z.number().optional(),
  params: z.record(z.string(), z.unknown()),
  trigger: z.object({
    type: z.enum(["api", "cron", "backfill", "webhook", "r2", "upstream", "dataset", "dag"]),
    detail: z.record(z.string(), z.unknown()).optional(),
  }),
  runKey: z.string().optional(),
  logicalDate: z.string().optional(),
  parent: z.object({ runId: z.string(), taskKey: z.string(), attempt: z.number().int() }).optional(),
  depth: z.number().int().optional(),
  ends: z.number().int().optional(),
}) satisfies z.ZodType<RunHeader>;
