import { and, desc, eq, inArray, isNotNull, isNull, lt, or, sql, type SQL } from "drizzle-orm";
import { drizzle } from "drizzle-orm/d1";
import type { SQLiteColumn } from "drizzle-orm/sqlite-core";
import type { TriggerIndexRow } from "../events/trigger-index";
import { dagSchedules, dagTriggers, dagVersions, dags, runs, taskAttempts, taskInstances } from "./schema";
import { RunTriggerSchema } from "../run/rpc";
import type { AttemptRecord, RunHeader, RunStatus, RunTrigger, TaskInstance } from "../run/types";

/** The only module that builds catalog queries (drizzle-orm over D1). */

export function catalog(d1: D1Database) {
  return drizzle(d1);
}

export type Catalog = ReturnType<typeof catalog>;

/** A stored DAG version, as the schema declares it. */
export type DagVersionRow = typeof dagVersions.$inferSelect;

let latestVersionQuery: { sql: string; params: unknown[] } | undefined;

/**
 * The DAG's latest version: on every trigger's path, so its SQL is built once
 * (by drizzle, from the schema) and only bound per call.
 */
export async function latestDagVersion(db: Catalog, dagId: string): Promise<DagVersionRow | undefined> {
  latestVersionQuery ??= db
    .select({
      dagId: dagVersions.dagId,
      version: dagVersions.version,
      specJson: dagVersions.specJson,
      specHash: dagVersions.specHash,
      createdAt: dagVersions.createdAt,
    })
    .from(dagVersions)
    .where(eq(dagVersions.dagId, sql.placeholder("dagId")))
    .orderBy(desc(dagVersions.version))
    .limit(1)
    .toSQL();
  // Placeholders take the call's value; other parameters (the limit) are the query's own.
  const bindings = latestVersionQuery.params.map((p) => (isPlaceholder(p) ? dagId : p));
  const row = await db.$client.prepare(latestVersionQuery.sql).bind(...bindings).first<Record<string, unknown>>();
  if (!row) return undefined;
  // Raw rows carry column names; map them to the schema's field names.
  return {
    dagId: String(row.dag_id ?? row.dagId),
    version: Number(row.version),
    specJson: String(row.spec_json ?? row.specJson),
    specHash: String(row.spec_hash ?? row.specHash),
    createdAt: Number(row.created_at ?? row.createdAt),
  };
}

export async function dagVersion(db: Catalog, dagId: string, version: number): Promise<DagVersionRow | undefined> {
  const rows = await db
    .select()
    .from(dagVersions)
    .where(and(eq(dagVersions.dagId, dagId), eq(dagVersions.version, version)))
    .limit(1);
  return rows[0];
}

/**
 * Stores a spec as the DAG's next version unless it equals the latest one.
 * Two concurrent registrations of different specs race on the (dag_id,
 * version) key: the loser's insert is ignored and it reports a conflict.
 */
export async function registerDagVersion(
  db: Catalog,
  input: {
    dagId: string;
    specJson: string;
    specHash: string;
    description: string | undefined;
    now: number;
    /** The version's trigger index rows (built for the version number this call assigns). */
    triggers?: (version: number) => TriggerIndexRow[];
  },
): Promise<{ version: number; created: boolean } | { conflict: true }> {
  const latest = await latestDagVersion(db, input.dagId);
  if (latest && latest.specHash === input.specHash) return { version: latest.version, created: false };
  const version = (latest?.version ?? 0) + 1;
  const triggerRows = input.triggers?.(version) ?? [];
  const [inserted] = await db.batch([
    db
      .insert(dagVersions)
      .values({ dagId: input.dagId, version, specHash: input.specHash, specJson: input.specJson, createdAt: input.now })
      .onConflictDoNothing()
      .returning({ version: dagVersions.version }),
    db
      .insert(dags)
      .values({
        dagId: input.dagId,
        latestVersion: version,
        description: input.description ?? null,
        createdAt: input.now,
        updatedAt: input.now,
      })
      .onConflictDoUpdate({
        target: dags.dagId,
        set: { latestVersion: sql`max(${dags.latestVersion}, ${version})`, description: input.description ?? null, updatedAt: input.now },
      }),
    // The DAG's object applies the version (registration asks it to); until it has, the minute tick will.
    db
      .insert(dagSchedules)
      .values({ dagId: input.dagId, wantedVersion: version, updatedAt: input.now })
      .onConflictDoUpdate({ target: dagSchedules.dagId, set: { wantedVersion: sql`max(${dagSchedules.wantedVersion}, ${version})`, updatedAt: input.now } }),
    // The trigger index follows the latest version (only if this insert won: `version` is unclaimed otherwise).
    db.delete(dagTriggers).where(and(eq(dagTriggers.dagId, input.dagId), sql`${dagTriggers.version} < ${version}`)),
    ...triggerRows.map((r) => db.insert(dagTriggers).values(r).onConflictDoNothing()),
  ]);
  if (inserted.length === 0) return { conflict: true };
  return { version, created: true };
}

/** Registered DAGs with their scheduling as their objects last wrote it. */
export async function listDags(db: Catalog) {
  return db
    .select({
      dagId: dags.dagId,
      latestVersion: dags.latestVersion,
      description: dags.description,
      updatedAt: dags.updatedAt,
      schedule: dagSchedules.schedule,
      timezone: dagSchedules.timezone,
      paused: dagSchedules.paused,
      nextRunAt: dagSchedules.nextRunAt,
      nextLogicalDate: dagSchedules.nextLogicalDate,
    })
    .from(dags)
    .leftJoin(dagSchedules, eq(dagSchedules.dagId, dags.dagId))
    .orderBy(dags.dagId)
    .limit(1_000);
}

export interface RunPageCursor {
  createdAt: number;
  runId: string;
}

export async function listRuns(
  db: Catalog,
  dagId: string,
  opts: { status?: RunStatus; limit: number; cursor?: RunPageCursor },
) {
  const conds: SQL[] = [eq(runs.dagId, dagId)];
  if (opts.status) conds.push(eq(runs.status, opts.status));
  if (opts.cursor) {
    const c = opts.cursor;
    const older = or(lt(runs.createdAt, c.createdAt), and(eq(runs.createdAt, c.createdAt), lt(runs.runId, c.runId)));
    if (older) conds.push(older);
  }
  return db
    .select()
    .from(runs)
    .where(and(...conds))
    .orderBy(desc(runs.createdAt), desc(runs.runId))
    .limit(opts.limit + 1);
}

/** A listed run's trigger, the shape a run's own view shows: `{ type, detail? }`. */
export type StoredTrigger = Omit<RunTrigger, "type"> & { type: string };

/**
 * What started a stored run: its `trigger_json` (parsed, as any JSON read
 * back from storage), or its `trigger_type` alone for a row whose JSON is
 * missing or unreadable, so a listing never fails on one row.
 */
export function storedTrigger(row: Pick<typeof runs.$inferSelect, "triggerType" | "triggerJson">): StoredTrigger {
  if (row.triggerJson !== null) {
    try {
      const parsed = RunTriggerSchema.safeParse(JSON.parse(row.triggerJson));
      if (parsed.success) return parsed.data;
    } catch {
      // Unreadable JSON: fall back to the type column below.
    }
  }
  return { type: row.triggerType };
}

function isPlaceholder(p: unknown): boolean {
  return p !== null && typeof p === "object" && typeof (p as { name?: unknown }).name === "string";
}

/** One catalog write, built by the coordinator from a row marked pending. */
export type HistoryRecord =
  | { kind: "run"; run: RunHeader }
  | { kind: "task"; dagId: string; runId: string; task: TaskInstance }
  | { kind: "attempt"; dagId: string; runId: string; attempt: AttemptRecord };

const json = (v: unknown): string | null => (v === undefined ? null : JSON.stringify(v));

/**
 * A prepared upsert built once from the drizzle schema: the SQL text comes
 * from drizzle's query builder (with named placeholders), the hot path only
 * binds values. Building a drizzle query per history row cost more CPU than
 * the write itself when a run moves thousands of tasks.
 */
interface PreparedUpsert<R> {
  sql: string;
  names: Array<keyof R & string>;
}

function preparedUpsert<R extends Record<string, unknown>>(
  table: typeof runs | typeof taskInstances | typeof taskAttempts,
  columns: Array<keyof R & string>,
  target: SQLiteColumn[],
  update: Array<keyof R & string>,
): PreparedUpsert<R> {
  const db = drizzle({} as D1Database);
  const values = Object.fromEntries(columns.map((c) => [c, sql.placeholder(c)]));
  const set = Object.fromEntries(
    update.map((c) => {
      const column = (table as unknown as Record<string, SQLiteColumn>)[c];
      if (!column) throw new Error(`no column ${c}`);
      return [c, sql.raw(`excluded."${column.name}"`)];
    }),
  );
  const query = db
    .insert(table)
    .values(values as never)
    .onConflictDoUpdate({ target, set: set as never })
    .toSQL();
  const names = query.params.map((p) => {
    const value = (p as { value?: unknown }).value ?? p;
    const name = (value as { name?: unknown }).name;
    if (typeof name !== "string") throw new Error("expected a placeholder");
    return name as keyof R & string;
  });
  return { sql: query.sql, names };
}

/*
 * Upsert rows, from the schema. Each upsert binds every column, so a column
 * left out would be written as null rather than its default: `Required` makes
 * every one mandatory (nullable columns still take null).
 */
type RunRow = Required<typeof runs.$inferInsert>;
type TaskRow = Required<typeof taskInstances.$inferInsert>;
type AttemptRow = Required<typeof taskAttempts.$inferInsert>;

let prepared:
  | { run: PreparedUpsert<RunRow>; task: PreparedUpsert<TaskRow>; attempt: PreparedUpsert<AttemptRow> }
  | undefined;

function statements() {
  prepared ??= {
    run: preparedUpsert<RunRow>(
      runs,
      ["runId", "dagId", "dagVersion", "status", "runKey", "triggerType", "triggerJson", "logicalDate", "paramsJson", "createdAt", "startedAt", "endedAt", "updatedAt"],
      [runs.runId],
      ["status", "startedAt", "endedAt", "updatedAt"],
    ),
    task: preparedUpsert<TaskRow>(
      taskInstances,
      ["runId", "taskKey", "taskId", "mapIndex", "dagId", "status", "attempts", "startedAt", "endedAt", "errorJson", "outputJson", "updatedAt"],
      [taskInstances.runId, taskInstances.taskKey],
      ["status", "attempts", "startedAt", "endedAt", "errorJson", "outputJson", "updatedAt"],
    ),
    attempt: preparedUpsert<AttemptRow>(
      taskAttempts,
      ["runId", "taskKey", "attempt", "taskId", "mapIndex", "dagId", "status", "via", "queuedAt", "startedAt", "endedAt", "errorJson"],
      [taskAttempts.runId, taskAttempts.taskKey, taskAttempts.attempt],
      ["status", "via", "startedAt", "endedAt", "errorJson"],
    ),
  };
  return prepared;
}

function bind<R extends Record<string, unknown>>(d1: D1Database, p: PreparedUpsert<R>, row: R): D1PreparedStatement {
  return d1.prepare(p.sql).bind(...p.names.map((n) => (row[n] === undefined ? null : row[n])));
}

/**
 * Upserts for a set of history records. Idempotent: replaying the same
 * records (a retried flush) leaves the same rows, keyed by run, task instance
 * and attempt number.
 */
export function historyStatements(d1: D1Database, records: HistoryRecord[], now: number): D1PreparedStatement[] {
  const st = statements();
  return records.map((r) => {
    switch (r.kind) {
      case "run":
        return bind(d1, st.run, {
          runId: r.run.runId,
          dagId: r.run.dagId,
          dagVersion: r.run.dagVersion,
          status: r.run.status,
          runKey: r.run.runKey ?? null,
          triggerType: r.run.trigger.type,
          triggerJson: json(r.run.trigger),
          logicalDate: r.run.logicalDate ?? null,
          paramsJson: JSON.stringify(r.run.params),
          createdAt: r.run.createdAt,
          startedAt: r.run.startedAt ?? null,
          endedAt: r.run.endedAt ?? null,
          updatedAt: now,
        });
      case "task": {
        const t = r.task;
        return bind(d1, st.task, {
          runId: r.runId,
          taskKey: t.key,
          taskId: t.taskId,
          mapIndex: t.mapIndex,
          dagId: r.dagId,
          status: t.status,
          attempts: t.attempt,
          startedAt: t.startedAt ?? null,
          endedAt: t.endedAt ?? null,
          errorJson: json(t.error),
          outputJson: json(t.output),
          updatedAt: now,
        });
      }
      case "attempt": {
        const a = r.attempt;
        return bind(d1, st.attempt, {
          runId: r.runId,
          taskKey: a.taskKey,
          attempt: a.attempt,
          taskId: a.taskId,
          mapIndex: a.mapIndex,
          dagId: r.dagId,
          status: a.status,
          via: a.via,
          queuedAt: a.queuedAt,
          startedAt: a.startedAt ?? null,
          endedAt: a.endedAt ?? null,
          errorJson: json(a.error),
        });
      }
    }
  });
}

export async function writeHistory(d1: D1Database, records: HistoryRecord[], now: number, extra: D1PreparedStatement[] = []): Promise<void> {
  const stmts = [...historyStatements(d1, records, now), ...extra];
  if (stmts.length > 0) await d1.batch(stmts);
}

/** The latest version's spec JSON of every DAG, for what the list shows from a spec (its tags). */
export async function listDagSpecs(db: Catalog) {
  return db
    .select({ dagId: dagVersions.dagId, specJson: dagVersions.specJson })
    .from(dagVersions)
    .innerJoin(dags, and(eq(dags.dagId, dagVersions.dagId), eq(dags.latestVersion, dagVersions.version)))
    .limit(1_000);
}

/** The newest `limit` runs of a DAG (the runs grid's columns), newest first. */
export async function recentRuns(db: Catalog, dagId: string, limit: number) {
  return db.select().from(runs).where(eq(runs.dagId, dagId)).orderBy(desc(runs.createdAt), desc(runs.runId)).limit(limit);
}

/**
 * Task states of some runs for the runs grid, in two queries: per run, its tasks' own rows folded
 * by SQLite into one JSON object (`{ taskId: [status, attempts] }`: 25 rows cross from D1 rather
 * than 25,000), and mapped instances as counts per state (a mapped task's thousands of instances
 * come back as a few rows). Both read the primary key's `run_id` prefix.
 */
export async function gridTaskStates(db: Catalog, runIds: readonly string[]) {
  if (runIds.length === 0) return { runs: [], instances: [] };
  const ids = [...runIds];
  const [runs, instances] = await Promise.all([
    db
      .select({
        runId: taskInstances.runId,
        tasksJson: sql<string>`json_group_object(${taskInstances.taskId}, json_array(${taskInstances.status}, ${taskInstances.attempts}))`,
      })
      .from(taskInstances)
      .where(and(inArray(taskInstances.runId, ids), isNull(taskInstances.mapIndex)))
      .groupBy(taskInstances.runId),
    db
      .select({ runId: taskInstances.runId, taskId: taskInstances.taskId, status: taskInstances.status, count: sql<number>`count(*)` })
      .from(taskInstances)
      .where(and(inArray(taskInstances.runId, ids), isNotNull(taskInstances.mapIndex)))
      .groupBy(taskInstances.runId, taskInstances.taskId, taskInstances.status),
  ]);
  return { runs, instances };
}
