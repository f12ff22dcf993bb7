import { z } from "zod";
import { IdSchema } from "../dag/spec";

/** Schemas of the RunCoordinator's RPC arguments, parsed in the Durable Object (data entering a boundary). */

export const RunTriggerSchema = z.object({
  type: z.enum(["api", "cron", "backfill", "webhook", "r2", "upstream", "dataset", "dag"]),
  detail: z.record(z.string(), z.unknown()).optional(),
});

/** Room a worker offers for attempts to run at once (see `Offer` in machine.ts). */
export const OfferSchema = z.object({
  capacity: z.number().int().min(0).max(1_000),
  until: z.number().int().min(0).optional(),
});

export const StartRunInputSchema = z.object({
  runId: z.string().min(1).max(64),
  dagId: IdSchema,
  dagVersion: z.number().int().min(1),
  specJson: z.string().min(2),
  params: z.record(z.string(), z.unknown()),
  trigger: RunTriggerSchema,
  runKey: z.string().min(1).max(256).optional(),
  logicalDate: z.string().optional(),
  dataIntervalStart: z.string().optional(),
  dataIntervalEnd: z.string().optional(),
  ds: z.string().optional(),
  backfillId: z.string().max(64).optional(),
  /** Created `queued` (its DAG is at `maxActiveRuns`): nothing runs until `release`. */
  queued: z.boolean().optional(),
  parent: z.object({ runId: z.string().min(1).max(64), taskKey: z.string().min(1).max(160), attempt: z.number().int().min(1) }).optional(),
  depth: z.number().int().min(0).max(100).optional(),
  /** The trigger offers to run the first ready tasks itself. */
  offer: OfferSchema.optional(),
});
export type StartRunInput = z.infer<typeof StartRunInputSchema>;

export const WorkRefSchema = z.object({
  taskKey: z.string().min(1).max(160),
  attempt: z.number().int().min(1),
});

/** The longest a failure may ask its retry to wait (`retryAfterMs`): one hour. */
export const MAX_RETRY_AFTER_MS = 3_600_000;

/** A failed attempt's error; `TaskError` in types.ts is inferred from it. */
export const TaskErrorSchema = z.object({
  message: z.string().max(10_000),
  /** e.g. `timeout`, `http_status`, `lease_expired`, `network`. */
  code: z.string().max(64).optional(),
  /** false: retrying cannot help (a fault of the spec, an HTTP 4xx, `NonRetriableError`); absent: retryable. */
  retryable: z.boolean().optional(),
  /** The failure asks its retry to wait this long (HTTP `Retry-After`, `RetryAfterError`). */
  retryAfterMs: z.number().int().min(0).max(MAX_RETRY_AFTER_MS).optional(),
});

/** An attempt as granted: the claim token proves the grant (`ClaimedRef`). */
export const ClaimedRefSchema = WorkRefSchema.extend({ claim: z.string().min(1).max(64) });

export const AttemptOutcomeSchema = WorkRefSchema.extend({
  claim: z.string().min(1).max(64).optional(),
  ok: z.boolean(),
  childRunId: z.string().min(1).max(64).optional(),
  waiting: z.boolean().optional(),
  output: z.unknown().optional(),
  error: TaskErrorSchema.optional(),
  startedAt: z.number().optional(),
  endedAt: z.number().optional(),
});

export const ClaimInputSchema = z.array(WorkRefSchema).max(1_000);
/** A worker's heartbeat: the attempts of one run it is still running. */
export const HeartbeatInputSchema = z.array(ClaimedRefSchema).max(1_000);
export const ReportInputSchema = OfferSchema.extend({
  outcomes: z.array(AttemptOutcomeSchema).max(1_000),
});

export const ChildFinishedInputSchema = WorkRefSchema.extend({
  childRunId: z.string().min(1).max(64),
  status: z.enum(["success", "failed", "cancelled"]),
  /** Room offered by the worker that ran the child's last task (the child passes it on). */
  offer: OfferSchema.optional(),
});

/** A pool's answer to leases this run asked for (`PoolCoordinator` calls `poolAnswered`). */
export const PoolAnsweredInputSchema = z.object({
  pool: IdSchema,
  granted: z.array(WorkRefSchema).max(10_000),
  refused: z.array(WorkRefSchema.extend({ message: z.string().max(2_000) })).max(10_000),
});

/** A pool asks which of these attempts still hold (or wait for) their lease of it. */
export const PoolLeasesInputSchema = z.object({
  pool: IdSchema,
  refs: z.array(WorkRefSchema).max(10_000),
});

export const ClearInputSchema = z.object({
  taskIds: z.array(IdSchema).min(1).max(10_000),
  downstream: z.boolean(),
});
