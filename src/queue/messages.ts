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

/** Deliver one failure alert (the coordinator holds its target and summary). */
export const AlertMessageSchema = z.object({
  v: z.literal(1),
  kind: z.literal("alert"),
  runId: z.string().min(1).max(64),
  alertId: z.string().min(1).max(300),
});
export type AlertMessage = z.infer<typeof AlertMessageSchema>;

export const QueueMessageSchema = z.union([AlertMessageSchema, TaskMessageSchema]);
export type QueueMessage = z.infer<typeof QueueMessageSchema>;
