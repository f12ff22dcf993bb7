import { z } from "zod";
import { DeclaredLineageSchema } from "../lineage/declared";
import { OnPausedEventsSchema, TriggersSchema } from "../events/trigger-spec";
import { IdSchema } from "./id";
import { ParamsSpecSchema } from "./params";

/**
 * DAG spec v1: the JSON a user registers with `PUT /api/dags/{dagId}`.
 *
 * Wire schemas carry no defaults or transforms, so what is stored is exactly
 * what the user wrote; `compileDag` (plan.ts) fills the defaults.
 */

export { ID_PATTERN, IdSchema } from "./id";

export const BackoffSchema = z.enum(["constant", "linear", "exponential"]);
export type Backoff = z.infer<typeof BackoffSchema>;

export const RetryPolicySchema = z
  .object({
    /** Retries after the first attempt (0 = fail on first failure). */
    limit: z.number().int().min(0).max(100).optional(),
    /** Base delay before the first retry, in seconds (fractions allowed). */
    delaySeconds: z.number().min(0).max(86_400).optional(),
    backoff: BackoffSchema.optional(),
    /** Upper bound of any single delay, in seconds. */
    maxDelaySeconds: z.number().min(0).max(86_400).optional(),
    /** Spread each delay by ±20 % so retries of many tasks do not stampede. */
    jitter: z.boolean().optional(),
  })
  .strict();
export type RetryPolicy = z.infer<typeof RetryPolicySchema>;

export const TriggerRuleSchema = z.enum([
  "all_success",
  "all_done",
  "all_failed",
  "one_success",
  "one_failed",
  "none_failed",
  "none_failed_min_one_success",
  "none_skipped",
]);
export type TriggerRule = z.infer<typeof TriggerRuleSchema>;

/**
 * Datasets a task reads and writes (`d1://<table>`, `r2://<bucket>/<prefix>`, `https://host/path`), and
 * optionally its column mappings (`columns`), for lineage and dataset triggers: the lineage core's
 * `DeclaredLineageSchema`, a superset of the earlier `{ inputs, outputs }` (this name is kept for importers).
 */
export const DatasetsSchema = DeclaredLineageSchema;

/** A CEL expression, written bare (`params.volume > 1000000`). */
export const ExpressionSchema = z.string().min(1).max(10_000);

/** A webhook that receives a JSON summary when a task finally fails or a run fails. */
export const AlertTargetSchema = z
  .object({
    url: z.url({ protocol: /^https?$/, message: "must be an http(s) URL" }),
    headers: z.record(z.string(), z.string()).optional(),
  })
  .strict();
export type AlertTarget = z.infer<typeof AlertTargetSchema>;

/** Dynamic task mapping: one instance per element of the list `over` yields at run time. */
export const MapSpecSchema = z
  .object({
    over: ExpressionSchema,
    /** Instances running at once (default: no limit beyond the queue's). */
    maxActive: z.number().int().min(1).max(10_000).optional(),
    /** A longer list fails the task with a clear error (default 10,000). */
    maxMapLength: z.number().int().min(1).max(100_000).optional(),
  })
  .strict();

/** Used when a task exhausts its retries: a value, or another task of the DAG that runs in its place. */
export const FallbackSchema = z.union([
  z.object({ value: z.unknown() }).strict(),
  z.object({ task: IdSchema }).strict(),
]);

const taskBase = {
  description: z.string().max(2_000).optional(),
  /** The task runs only when this expression is true; otherwise it is skipped. */
  when: ExpressionSchema.optional(),
  map: MapSpecSchema.optional(),
  fallback: FallbackSchema.optional(),
  onFailure: AlertTargetSchema.optional(),
  dependsOn: z.array(IdSchema).max(10_000).optional(),
  retries: RetryPolicySchema.optional(),
  /** Per-attempt timeout; an attempt that exceeds it fails and is retried like any failure. */
  timeoutSeconds: z.number().positive().max(900).optional(),
  triggerRule: TriggerRuleSchema.optional(),
  datasets: DeclaredLineageSchema.optional(),
  /**
   * A pool shared across runs and DAGs (Airflow's pools, `PUT /api/pools/{name}`): the task's
   * attempts run only while they hold `poolSlots` of its slots; waiting ones stay `scheduled`.
   */
  pool: IdSchema.optional(),
  /** Slots of the pool one attempt holds (default 1). */
  poolSlots: z.number().int().min(1).max(10_000).optional(),
  /** Order in the pool's queue: higher first, then oldest first (default 1). */
  priorityWeight: z.number().int().min(-1_000_000).max(1_000_000).optional(),
};

export const HttpMethodSchema = z.enum(["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD"]);

export const HttpTaskSchema = z
  .object({
    ...taskBase,
    type: z.literal("http"),
    request: z
      .object({
        method: HttpMethodSchema.optional(),
        url: z.url({ protocol: /^https?$/, message: "must be an http(s) URL" }),
        headers: z.record(z.string(), z.string()).optional(),
        /** Sent as JSON. */
        body: z.unknown().optional(),
      })
      .strict(),
  })
  .strict();

export const SqlTaskSchema = z
  .object({
    ...taskBase,
    type: z.literal("sql"),
    /** One or more statements run on the `DB` database; the rows of the last become the output. */
    sql: z.union([z.string().min(1).max(100_000), z.array(z.string().min(1).max(100_000)).min(1).max(100)]),
  })
  .strict();

export const EmptyTaskSchema = z
  .object({
    ...taskBase,
    type: z.literal("empty"),
  })
  .strict();

export const FunctionTaskSchema = z
  .object({
    ...taskBase,
    type: z.literal("function"),
    /** Name of a function registered in the Worker bundle (src/functions). */
    function: z.string().min(1).max(128),
    /** The function's input; templates allowed. */
    args: z.unknown().optional(),
  })
  .strict();

export const BranchTaskSchema = z
  .object({
    ...taskBase,
    type: z.literal("branch"),
    /** Yields the id (or list of ids) of the downstream task(s) to follow; the others are skipped. */
    expression: ExpressionSchema,
  })
  .strict();

export const DagTaskSchema = z
  .object({
    ...taskBase,
    type: z.literal("dag"),
    /** The child DAG to run. */
    dagId: IdSchema,
    /** The child run's params; templates allowed. */
    params: z.record(z.string(), z.unknown()).optional(),
    /** true (default): the task succeeds or fails with the child run; false: it succeeds once the child started. */
    wait: z.boolean().optional(),
  })
  .strict();

export const TaskSpecSchema = z.discriminatedUnion("type", [
  HttpTaskSchema,
  SqlTaskSchema,
  EmptyTaskSchema,
  FunctionTaskSchema,
  BranchTaskSchema,
  DagTaskSchema,
]);
export type TaskSpec = z.infer<typeof TaskSpecSchema>;
export type HttpTaskSpec = z.infer<typeof HttpTaskSchema>;
export type SqlTaskSpec = z.infer<typeof SqlTaskSchema>;
export type FunctionTaskSpec = z.infer<typeof FunctionTaskSchema>;
export type BranchTaskSpec = z.infer<typeof BranchTaskSchema>;
export type DagTaskSpec = z.infer<typeof DagTaskSchema>;
export type TaskType = TaskSpec["type"];

/** Task types the coordinator runs itself, with no queue hop. */
export const CONTROL_TASK_TYPES: ReadonlySet<TaskType> = new Set<TaskType>(["empty", "branch"]);

export const DagSpecSchema = z
  .object({
    description: z.string().max(10_000).optional(),
    tags: z.array(z.string().min(1).max(64)).max(50).optional(),
    /** Typed run parameters: validated and defaulted when a run is triggered. */
    params: ParamsSpecSchema.optional(),
    /** Alert for every task that finally fails and for the run failing. */
    onFailure: AlertTargetSchema.optional(),
    /**
     * Run concurrency (Airflow's `max_active_tasks`): at most this many attempts of a run are queued
     * or running on workers at once; tasks ready beyond it wait as `scheduled`, oldest first.
     */
    maxActiveTasks: z.number().int().min(1).max(10_000).optional(),
    /**
     * When scheduled runs start: five-field cron or @hourly/@daily/@weekly/@monthly/@yearly, read in
     * `timezone` (IANA, default UTC). Each run covers one data interval between two fire times.
     */
    schedule: z.string().min(1).max(200).optional(),
    timezone: z.string().min(1).max(64).optional(),
    /** The first data interval starts at or after it (a date or date-time in `timezone`); required with a schedule. */
    startDate: z.string().min(1).max(40).optional(),
    /** No data interval starts after it. */
    endDate: z.string().min(1).max(40).optional(),
    /** true: every missed interval runs, oldest first; false (default): only the latest complete one. */
    catchup: z.boolean().optional(),
    /** Runs (scheduled and manual) active at once; more wait as `queued` (default 16). Backfills have their own. */
    maxActiveRuns: z.number().int().min(1).max(10_000).optional(),
    /** Event triggers: R2 file arrival, signed webhooks, an upstream DAG's run ending, datasets updated. */
    triggers: TriggersSchema.optional(),
    /** Events that arrive while the DAG is paused: `keep` (default) starts their runs on unpause, `drop` does not. */
    onPausedEvents: OnPausedEventsSchema.optional(),
    tasks: z
      .record(IdSchema, TaskSpecSchema)
      .refine((tasks) => Object.keys(tasks).length > 0, { message: "a DAG needs at least one task" }),
  })
  .strict();
export type DagSpec = z.infer<typeof DagSpecSchema>;
