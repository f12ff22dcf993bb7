import { z } from "zod";
import { IdSchema } from "../dag/id";

/**
 * The event triggers a DAG declares (`triggers: [...]` in its spec): R2 file arrival, a signed
 * webhook, an upstream DAG's run ending, datasets updated. Wire schemas: no defaults (what is
 * stored is what the user wrote); the helpers below fill them.
 */

export const R2_EVENT_TYPES = ["object-create", "object-delete"] as const;
export type R2EventType = (typeof R2_EVENT_TYPES)[number];

export const R2TriggerSchema = z
  .object({
    type: z.literal("r2"),
    bucket: z.string().min(3).max(63),
    prefix: z.string().min(1).max(1_024).optional(),
    suffix: z.string().min(1).max(1_024).optional(),
    /** Default `["object-create"]`. */
    events: z.array(z.enum(R2_EVENT_TYPES)).min(1).max(2).optional(),
    /** Gathers the objects that arrive within `windowSeconds` (or until `maxObjects`) into one run (`trigger.objects`). */
    batch: z
      .object({
        windowSeconds: z.number().min(1).max(3_600),
        maxObjects: z.number().int().min(1).max(10_000).optional(),
      })
      .strict()
      .optional(),
  })
  .strict();

export const WebhookTriggerSchema = z
  .object({
    type: z.literal("webhook"),
    /** The name of a Worker secret (never its value) holding the HMAC key. */
    secret: z.string().regex(/^[A-Z_][A-Z0-9_]{0,63}$/, { message: "must be the name of a Worker secret (A-Z, 0-9, _)" }),
  })
  .strict();

export const DagTriggerSchema = z
  .object({
    type: z.literal("dag"),
    dagId: IdSchema,
    /** The upstream run's final statuses that start this DAG (default `["success"]`). */
    statuses: z.array(z.enum(["success", "failed", "cancelled"])).min(1).max(3).optional(),
  })
  .strict();

export const DatasetsTriggerSchema = z
  .object({
    type: z.literal("datasets"),
    datasets: z.array(z.string().min(1).max(512)).min(1).max(100),
    /** `all` (default): once every dataset was updated since the last such run; `any`: on each update. */
    mode: z.enum(["all", "any"]).optional(),
  })
  .strict();

export const TriggerSpecSchema = z.discriminatedUnion("type", [R2TriggerSchema, WebhookTriggerSchema, DagTriggerSchema, DatasetsTriggerSchema]);
export type TriggerSpec = z.infer<typeof TriggerSpecSchema>;
export type R2Trigger = z.infer<typeof R2TriggerSchema>;
export type WebhookTrigger = z.infer<typeof WebhookTriggerSchema>;
export type DagTrigger = z.infer<typeof DagTriggerSchema>;
export type DatasetsTrigger = z.infer<typeof DatasetsTriggerSchema>;

export const TriggersSchema = z.array(TriggerSpecSchema).max(20);

/** What unpausing does with the events that arrived while paused: start their runs (`keep`, default) or not. */
export const OnPausedEventsSchema = z.enum(["keep", "drop"]);

export const r2Events = (t: R2Trigger): readonly R2EventType[] => t.events ?? ["object-create"];
export const upstreamStatuses = (t: DagTrigger): readonly string[] => t.statuses ?? ["success"];
export const datasetsMode = (t: DatasetsTrigger): "all" | "any" => t.mode ?? "all";
