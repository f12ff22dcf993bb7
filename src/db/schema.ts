import { sql } from "drizzle-orm";
import { index, integer, primaryKey, sqliteTable, text, uniqueIndex } from "drizzle-orm/sqlite-core";

/**
 * The catalog (D1 binding `CATALOG`): DAG versions and the history of every
 * run, task instance and attempt. A live run's source of truth is its
 * RunCoordinator; these rows are written from its pending rows and serve the list
 * and history queries across runs. Times are epoch milliseconds.
 */

export const dags = sqliteTable("dags", {
  dagId: text("dag_id").primaryKey(),
  latestVersion: integer("latest_version").notNull(),
  description: text("description"),
  createdAt: integer("created_at").notNull(),
  updatedAt: integer("updated_at").notNull(),
});

export const dagVersions = sqliteTable(
  "dag_versions",
  {
    dagId: text("dag_id").notNull(),
    version: integer("version").notNull(),
    /** SHA-256 of the canonical spec JSON: re-registering the same spec creates no version. */
    specHash: text("spec_hash").notNull(),
    specJson: text("spec_json").notNull(),
    createdAt: integer("created_at").notNull(),
  },
  (t) => [primaryKey({ columns: [t.dagId, t.version] })],
);

export const runs = sqliteTable(
  "runs",
  {
    runId: text("run_id").primaryKey(),
    dagId: text("dag_id").notNull(),
    dagVersion: integer("dag_version").notNull(),
    status: text("status").notNull(),
    runKey: text("run_key"),
    /** What started the run: api, cron, backfill, webhook, r2, upstream, dataset, dag. */
    triggerType: text("trigger_type").notNull(),
    triggerJson: text("trigger_json"),
    /** Scheduled runs: (dag_id, logical_date) identifies them. */
    logicalDate: text("logical_date"),
    paramsJson: text("params_json").notNull().default("{}"),
    createdAt: integer("created_at").notNull(),
    startedAt: integer("started_at"),
    endedAt: integer("ended_at"),
    updatedAt: integer("updated_at").notNull(),
  },
  (t) => [
    index("runs_dag_created_idx").on(t.dagId, t.createdAt, t.runId),
    index("runs_dag_status_created_idx").on(t.dagId, t.status, t.createdAt, t.runId),
    uniqueIndex("runs_dag_run_key_idx").on(t.dagId, t.runKey).where(sql`run_key IS NOT NULL`),
    index("runs_dag_logical_date_idx").on(t.dagId, t.logicalDate),
    // The OpenLineage feed reads runs by the time they started.
    index("runs_started_idx").on(t.startedAt),
  ],
);

export const taskInstances = sqliteTable(
  "task_instances",
  {
    runId: text("run_id").notNull(),
    taskKey: text("task_key").notNull(),
    taskId: text("task_id").notNull(),
    mapIndex: integer("map_index"),
    dagId: text("dag_id").notNull(),
    status: text("status").notNull(),
    attempts: integer("attempts").notNull(),
    startedAt: integer("started_at"),
    endedAt: integer("ended_at"),
    errorJson: text("error_json"),
    outputJson: text("output_json"),
    updatedAt: integer("updated_at").notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.runId, t.taskKey] }),
    index("task_instances_dag_task_idx").on(t.dagId, t.taskId, t.status),
  ],
);

export const taskAttempts = sqliteTable(
  "task_attempts",
  {
    runId: text("run_id").notNull(),
    taskKey: text("task_key").notNull(),
    attempt: integer("attempt").notNull(),
    taskId: text("task_id").notNull(),
    mapIndex: integer("map_index"),
    dagId: text("dag_id").notNull(),
    status: text("status").notNull(),
    via: text("via").notNull(),
    queuedAt: integer("queued_at").notNull(),
    startedAt: integer("started_at"),
    endedAt: integer("ended_at"),
    errorJson: text("error_json"),
  },
  (t) => [
    primaryKey({ columns: [t.runId, t.taskKey, t.attempt] }),
    index("task_attempts_dag_task_idx").on(t.dagId, t.taskId, t.queuedAt),
    // The OpenLineage feed reads attempts by the time they started and ended.
    index("task_attempts_started_idx").on(t.startedAt),
    index("task_attempts_ended_idx").on(t.endedAt),
  ],
);

/**
 * Run-end events (`RunEnded` from each run's outbox), one row per end of a run (a retried run
 * ends again: `event_id` = `<runId>:<n>`): the feed that upstream-completion and dataset
 * triggers, `maxActiveRuns` and lineage export read. Written at least once; the key makes a
 * repeat a no-op.
 */
export const runEvents = sqliteTable(
  "run_events",
  {
    eventId: text("event_id").primaryKey(),
    runId: text("run_id").notNull(),
    dagId: text("dag_id").notNull(),
    dagVersion: integer("dag_version").notNull(),
    status: text("status").notNull(),
    logicalDate: text("logical_date"),
    triggerJson: text("trigger_json").notNull(),
    /** JSON list of dataset URIs the run's successful tasks wrote. */
    datasetsJson: text("datasets_json").notNull(),
    startedAt: integer("started_at"),
    endedAt: integer("ended_at").notNull(),
    recordedAt: integer("recorded_at").notNull(),
  },
  (t) => [index("run_events_dag_ended").on(t.dagId, t.endedAt), index("run_events_ended_idx").on(t.endedAt)],
);

/**
 * Each DAG's scheduling as its DagCoordinator last wrote it (that object is the only writer of
 * the state; this row is its projection): what `GET /api/dags` lists, and what the minute cron
 * tick reads to wake the DAGs whose next run is due (an indexed lookup: its cost grows with the
 * DAGs due, not with the DAGs registered). `wanted_version` is raised by registration, so a new
 * version the object has not applied yet (`applied_version`) is picked up by the tick as well.
 */
export const dagSchedules = sqliteTable(
  "dag_schedules",
  {
    dagId: text("dag_id").primaryKey(),
    wantedVersion: integer("wanted_version").notNull(),
    appliedVersion: integer("applied_version").notNull().default(0),
    schedule: text("schedule"),
    timezone: text("timezone").notNull().default("UTC"),
    paused: integer("paused").notNull().default(0),
    /** When the next scheduled run is due (epoch ms); null: none (no schedule, or past its endDate). */
    nextRunAt: integer("next_run_at"),
    nextLogicalDate: integer("next_logical_date"),
    updatedAt: integer("updated_at").notNull(),
  },
  (t) => [
    index("dag_schedules_due_idx").on(t.paused, t.nextRunAt),
    index("dag_schedules_unsynced_idx").on(t.wantedVersion).where(sql`wanted_version > applied_version`),
  ],
);

/** Backfills, as their DAG's DagCoordinator last wrote them (its projection): routes `GET /api/backfills/{id}` to its DAG and lists a DAG's backfills. */
export const backfills = sqliteTable(
  "backfills",
  {
    backfillId: text("backfill_id").primaryKey(),
    dagId: text("dag_id").notNull(),
    status: text("status").notNull(),
    /** The request as given (from, to, reprocess, maxActiveRuns, …). */
    requestJson: text("request_json").notNull(),
    /** Dates by status: `{ "pending": 3, "running": 2, "success": 10 }`. */
    countsJson: text("counts_json").notNull(),
    createdAt: integer("created_at").notNull(),
    updatedAt: integer("updated_at").notNull(),
  },
  (t) => [index("backfills_dag_created_idx").on(t.dagId, t.createdAt)],
);

/**
 * The event triggers of each DAG's latest version, indexed by what an event names: an R2 bucket,
 * an upstream DAG, a dataset URI (one row per URI), the DAG itself for webhooks. Matching an event
 * is an index lookup by (type, key), not a scan of every DAG. Rewritten with each registered version.
 */
export const dagTriggers = sqliteTable(
  "dag_triggers",
  {
    dagId: text("dag_id").notNull(),
    /** The trigger's index in the spec's `triggers`. */
    position: integer("position").notNull(),
    /** For a datasets trigger: the dataset's index in its list (one row per dataset); else 0. */
    item: integer("item").notNull().default(0),
    type: text("type").notNull(),
    key: text("key").notNull(),
    version: integer("version").notNull(),
    configJson: text("config_json").notNull(),
    createdAt: integer("created_at").notNull(),
  },
  (t) => [primaryKey({ columns: [t.dagId, t.position, t.item] }), index("dag_triggers_lookup_idx").on(t.type, t.key)],
);

/**
 * Dataset updates: one row per dataset a task wrote when it succeeded (its `datasets.outputs`),
 * keyed by run, task instance, attempt and URI so a repeated delivery is a no-op. What dataset
 * triggers consume and lineage reads.
 */
export const datasetEvents = sqliteTable(
  "dataset_events",
  {
    eventId: text("event_id").primaryKey(),
    uri: text("uri").notNull(),
    dagId: text("dag_id").notNull(),
    runId: text("run_id").notNull(),
    taskId: text("task_id").notNull(),
    attempt: integer("attempt").notNull(),
    /** `extra` from the task's output, when it had one. */
    extraJson: text("extra_json"),
    producedAt: integer("produced_at").notNull(),
  },
  (t) => [index("dataset_events_uri_idx").on(t.uri, t.producedAt), index("dataset_events_run_idx").on(t.runId)],
);

/*
 * Lineage (src/lineage, queries in db/lineage.ts). Datasets are URIs (`d1://<table>`,
 * `task://<dagId>.<taskId>`, `r2://…`, `https://…`); column edges are kept as JSON of the
 * lineage model (`Lineage`), one document per task version and per attempt: a walk loads the
 * current graph (one row per task) and walks it in memory with the pure core.
 */

/**
 * The static lineage of each task of each DAG version (registration: SQL analysed once per
 * version, merged with the declared `datasets`). `statement_outputs_json`: each statement's
 * outputs, so an attempt can attribute D1's `meta.changes` to the datasets it changed.
 */
export const taskLineage = sqliteTable(
  "task_lineage",
  {
    dagId: text("dag_id").notNull(),
    version: integer("version").notNull(),
    taskId: text("task_id").notNull(),
    taskType: text("task_type").notNull(),
    /** `Lineage` (inputs, outputs, edges, needsColumns, complete, reasons). */
    lineageJson: text("lineage_json").notNull(),
    statementOutputsJson: text("statement_outputs_json").notNull().default("[]"),
    createdAt: integer("created_at").notNull(),
  },
  (t) => [primaryKey({ columns: [t.dagId, t.version, t.taskId] })],
);

/** What one successful attempt read and wrote, with its column edges (completed from PRAGMA). One row per attempt. */
export const lineageAttempts = sqliteTable(
  "lineage_attempts",
  {
    runId: text("run_id").notNull(),
    taskKey: text("task_key").notNull(),
    attempt: integer("attempt").notNull(),
    dagId: text("dag_id").notNull(),
    dagVersion: integer("dag_version"),
    taskId: text("task_id").notNull(),
    /** `Lineage` as recorded (edges completed where the attempt read the tables' columns). */
    lineageJson: text("lineage_json").notNull(),
    /** Columns read with `PRAGMA table_info`: `{ "<uri>": ["col", …] }` (the `schema` facet). */
    columnsJson: text("columns_json").notNull().default("{}"),
    recordedAt: integer("recorded_at").notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.runId, t.taskKey, t.attempt] }),
    index("lineage_attempts_dag_task_idx").on(t.dagId, t.taskId, t.recordedAt),
  ],
);

/**
 * Datasets each successful attempt read (`role = 'input'`) and wrote (`'output'`): an output
 * row is the dataset version the attempt produced (run, time, rows changed where D1 reports it).
 */
export const lineageDatasets = sqliteTable(
  "lineage_datasets",
  {
    runId: text("run_id").notNull(),
    taskKey: text("task_key").notNull(),
    attempt: integer("attempt").notNull(),
    role: text("role").notNull(),
    dataset: text("dataset").notNull(),
    dagId: text("dag_id").notNull(),
    taskId: text("task_id").notNull(),
    /** Rows the attempt changed in it (D1's `meta.changes`), or returned for a task's result; null when unknown. */
    rows: integer("rows"),
    recordedAt: integer("recorded_at").notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.runId, t.taskKey, t.attempt, t.role, t.dataset] }),
    index("lineage_datasets_dataset_idx").on(t.dataset, t.role, t.recordedAt),
  ],
);

/**
 * The current lineage graph: per task of a DAG, the lineage its latest successful attempt
 * recorded (a newer attempt replaces it, so edges a new version dropped disappear).
 */
export const lineageCurrent = sqliteTable(
  "lineage_current",
  {
    dagId: text("dag_id").notNull(),
    taskId: text("task_id").notNull(),
    runId: text("run_id").notNull(),
    taskKey: text("task_key").notNull(),
    attempt: integer("attempt").notNull(),
    lineageJson: text("lineage_json").notNull(),
    recordedAt: integer("recorded_at").notNull(),
  },
  (t) => [primaryKey({ columns: [t.dagId, t.taskId] })],
);

/** Every dataset lineage has seen, with its last writer (`GET /api/lineage/datasets`). */
export const lineageDatasetCatalog = sqliteTable("lineage_dataset_catalog", {
  uri: text("uri").primaryKey(),
  /** The URI's scheme: d1, task, r2, https, … */
  kind: text("kind").notNull(),
  lastDagId: text("last_dag_id"),
  lastTaskId: text("last_task_id"),
  lastRunId: text("last_run_id"),
  lastWrittenAt: integer("last_written_at"),
  /** Rows the last write changed (or returned), where known. */
  lastRows: integer("last_rows"),
  firstSeenAt: integer("first_seen_at").notNull(),
});

/** Where the OpenLineage forwarder (`OPENLINEAGE_URL`) stands in the event feed: one row per target. */
export const openLineageCursor = sqliteTable("openlineage_cursor", {
  target: text("target").primaryKey(),
  /** The feed cursor after the last event the target accepted. */
  cursor: text("cursor").notNull(),
  updatedAt: integer("updated_at").notNull(),
});
