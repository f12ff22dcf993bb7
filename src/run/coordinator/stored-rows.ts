import { z } from "zod";
import { AttemptRecordSchema, TaskInstanceSchema } from "../state-schemas";

/**
 * A task instance as the coordinator stores it: the machine's fields plus the
 * attempts that ended (its history), parsed when read back (the run header is
 * `RunHeaderSchema`, in ../state-schemas.ts).
 */
export const StoredTaskSchema = TaskInstanceSchema.extend({
  /** The attempts that ended, oldest first (history). */
  history: z.array(AttemptRecordSchema).optional(),
});
export type StoredTask = z.infer<typeof StoredTaskSchema>;
