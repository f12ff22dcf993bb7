import { z } from "zod";

/**
 * Queue message bodies, versioned. A task message names one attempt and
 * nothing else: the worker asks the run's coordinator for the work order when
 * it claims it, so a stale or duplicate message can never run old config.
 */
export const TaskMessageSchema = z.object({
  v: z.literal(1),
  kind: z.literal("task").optional(),
  runId: z.string().min(1).max(64),
  taskKey: z.string().min(1).max(160),
  attempt: z.number().int().min(1),
});
export type TaskMessage = z.infer<typeof TaskMessageSchema>;

/** Every message on TASKS is a task message (failure alerts are delivered by each run's outbox). */
export const QueueMessageSchema = TaskMessageSchema;
export type QueueMessage = TaskMessage;
