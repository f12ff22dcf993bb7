import { and, asc, eq, gt, inArray, or, sql, type SQL } from "drizzle-orm";
import { drizzle } from "drizzle-orm/d1";
import type { SQLiteColumn } from "drizzle-orm/sqlite-core";
import { z } from "zod";
import { LineageSchema, type Lineage } from "../lineage/model";
import type { FeedPoint } from "../lineage/openlineage-feed";
import {
  dagVersions,
  lineageAttempts,
  lineageCurrent,
  lineageDatasetCatalog,
  lineageDatasets,
  openLineageCursor,
  runEvents,
  runs,
  taskAttempts,
  taskLineage,
} from "./schema";

/**
 * Lineage queries (drizzle over the D1 catalog): the only module that builds them. Writes are
 * statements for one `batch`, idempotent on their keys: a task version's static lineage by
 * (dag, version, task), an attempt's by (run, task key, attempt).
 */

/** D1 binds at most 100 parameters per statement: multi-row inserts are cut to fit. */
const MAX_PARAMS = 100;

function chunks<T>(rows: T[], columns: number): T[][] {
  const per = Math.max(1, Math.floor(MAX_PARAMS / columns));
  const out: T[][] = [];
  for (let i = 0; i < rows.length; i += per) out.push(rows.slice(i, i + per));
  return out;
}

function statementOf(d1: D1Database, query: { toSQL(): { sql: string; params: unknown[] } }): D1PreparedStatement {
  const q = query.toSQL();
  return d1.prepare(q.sql).bind(...q.params);
}

/** A dataset URI's kind: its scheme (`d1`, `task`, `r2`, `https`). */
export function datasetKind(uri: string): string {
  const i = uri.indexOf("://");
  return i > 0 ? uri.slice(0, i) : "unknown";
}

// ---- static lineage (registration) -------------------------------------------------------------

export interface TaskLineageRow {
  dagId: string;
  version: number;
  taskId: string;
  taskType: string;
  lineage: Lineage;
  statementOutputs: string[][];
}

/** Stores the static lineage of a DAG version's tasks (a repeat changes nothing). */
export async function writeTaskLineage(d1: D1Database, rows: TaskLineageRow[], now: number): Promise<void> {
  if (rows.length === 0) return;
  const db = drizzle(d1);
  const values = rows.map((r) => ({
    dagId: r.dagId,
    version: r.version,
    taskId: r.taskId,
    taskType: r.taskType,
    lineageJson: JSON.stringify(r.lineage),
    statementOutputsJson: JSON.stringify(r.statementOutputs),
    createdAt: now,
  }));
  await d1.batch(chunks(values, 7).map((part) => statementOf(d1, db.insert(taskLineage).values(part).onConflictDoNothing())));
}

const StatementOutputsSchema = z.array(z.array(z.string()));

/** A task version's static lineage, or undefined (not stored, or unreadable). */
export async function storedTaskLineage(
  d1: D1Database,
  key: { dagId: string; version: number; taskId: string },
): Promise<{ lineage: Lineage; statementOutputs: string[][] } | undefined> {
  const [row] = await drizzle(d1)
    .select({ lineageJson: taskLineage.lineageJson, statementOutputsJson: taskLineage.statementOutputsJson })
    .from(taskLineage)
    .where(and(eq(taskLineage.dagId, key.dagId), eq(taskLineage.version, key.version), eq(taskLineage.taskId, key.taskId)))
    .limit(1);
  if (!row) return undefined;
  const lineage = parseJson(LineageSchema, row.lineageJson);
  const statementOutputs = parseJson(StatementOutputsSchema, row.statementOutputsJson);
  return lineage && statementOutputs ? { lineage, statementOutputs } : undefined;
}

/** Static lineage of the tasks of some DAG versions (the OpenLineage feed's START events). */
export async function taskLineageOf(d1: D1Database, keys: Array<{ dagId: string; version: number }>): Promise<Map<string, Lineage>> {
  const out = new Map<string, Lineage>();
  if (keys.length === 0) return out;
  const db = drizzle(d1);
  const conds = keys.map((k) => and(eq(taskLineage.dagId, k.dagId), eq(taskLineage.version, k.version)));
  const rows = await db.select().from(taskLineage).where(or(...conds));
  for (const r of rows) {
    const lineage = parseJson(LineageSchema, r.lineageJson);
    if (lineage) out.set(`${r.dagId}\n${r.version}\n${r.taskId}`, lineage);
  }
  return out;
}

// ---- an attempt's lineage (run time) -----------------------------------------------------------

export interface AttemptLineageRecord {
  runId: string;
  taskKey: string;
  attempt: number;
  dagId: string;
  dagVersion: number | null;
  taskId: string;
  lineage: Lineage;
  /** Columns read from `PRAGMA table_info`, by dataset URI. */
  columns: Record<string, string[]>;
  /** Rows changed (outputs) where D1 reported them, by dataset URI. */
  rows: Record<string, number>;
  recordedAt: number;
}

/**
 * The statements that record one successful attempt, for one D1 batch: its row, the datasets it
 * read and wrote, the task's current lineage (replaced only by a later attempt), and the dataset
 * catalog (its last writer, replaced only by a later write). Idempotent by (run, task key, attempt).
 */
export function attemptLineageStatements(d1: D1Database, r: AttemptLineageRecord): D1PreparedStatement[] {
  const db = drizzle(d1);
  const lineageJson = JSON.stringify(r.lineage);
  const statements: D1PreparedStatement[] = [
    statementOf(
      d1,
      db
        .insert(lineageAttempts)
        .values({
          runId: r.runId,
          taskKey: r.taskKey,
          attempt: r.attempt,
          dagId: r.dagId,
          dagVersion: r.dagVersion,
          taskId: r.taskId,
          lineageJson,
          columnsJson: JSON.stringify(r.columns),
          recordedAt: r.recordedAt,
        })
        .onConflictDoNothing(),
    ),
    statementOf(
      d1,
      db
        .insert(lineageCurrent)
        .values({ dagId: r.dagId, taskId: r.taskId, runId: r.runId, taskKey: r.taskKey, attempt: r.attempt, lineageJson, recordedAt: r.recordedAt })
        .onConflictDoUpdate({
          target: [lineageCurrent.dagId, lineageCurrent.taskId],
          set: {
            runId: sql.raw(`excluded."run_id"`),
            taskKey: sql.raw(`excluded."task_key"`),
            attempt: sql.raw(`excluded."attempt"`),
            lineageJson: sql.raw(`excluded."lineage_json"`),
            recordedAt: sql.raw(`excluded."recorded_at"`),
          },
          setWhere: sql`excluded."recorded_at" >= ${lineageCurrent.recordedAt}`,
        }),
    ),
  ];
  const base = { runId: r.runId, taskKey: r.taskKey, attempt: r.attempt, dagId: r.dagId, taskId: r.taskId, recordedAt: r.recordedAt };
  const datasetRows = [
    ...r.lineage.inputs.map((dataset) => ({ ...base, role: "input", dataset, rows: null })),
    ...r.lineage.outputs.map((dataset) => ({ ...base, role: "output", dataset, rows: r.rows[dataset] ?? null })),
  ];
  for (const part of chunks(datasetRows, 9)) statements.push(statementOf(d1, db.insert(lineageDatasets).values(part).onConflictDoNothing()));
  const seen = (uri: string) => ({ uri, kind: datasetKind(uri), firstSeenAt: r.recordedAt });
  const inputs = r.lineage.inputs.filter((u) => !r.lineage.outputs.includes(u)).map(seen);
  for (const part of chunks(inputs, 3)) statements.push(statementOf(d1, db.insert(lineageDatasetCatalog).values(part).onConflictDoNothing()));
  const outputs = r.lineage.outputs.map((uri) => ({
    ...seen(uri),
    lastDagId: r.dagId,
    lastTaskId: r.taskId,
    lastRunId: r.runId,
    lastWrittenAt: r.recordedAt,
    lastRows: r.rows[uri] ?? null,
  }));
  for (const part of chunks(outputs, 8)) {
    statements.push(
      statementOf(
        d1,
        db
          .insert(lineageDatasetCatalog)
          .values(part)
          .onConflictDoUpdate({
            target: lineageDatasetCatalog.uri,
            set: {
              lastDagId: sql.raw(`excluded."last_dag_id"`),
              lastTaskId: sql.raw(`excluded."last_task_id"`),
              lastRunId: sql.raw(`excluded."last_run_id"`),
              lastWrittenAt: sql.raw(`excluded."last_written_at"`),
              lastRows: sql.raw(`excluded."last_rows"`),
            },
            setWhere: sql`${lineageDatasetCatalog.lastWrittenAt} IS NULL OR excluded."last_written_at" >= ${lineageDatasetCatalog.lastWrittenAt}`,
          }),
      ),
    );
  }
  return statements;
}

/** One task's lineage as its latest successful attempt recorded it. */
export interface CurrentTaskLineage {
  dagId: string;
  taskId: string;
  runId: string;
  taskKey: string;
  attempt: number;
  lineage: Lineage;
  recordedAt: number;
}

/** Tasks the current graph holds at most (a walk loads them all; one row per task, not per edge). */
export const MAX_GRAPH_TASKS = 10_000;

/** The current lineage graph: every task's latest recorded lineage. */
export async function currentLineage(d1: D1Database): Promise<CurrentTaskLineage[]> {
  const rows = await drizzle(d1).select().from(lineageCurrent).orderBy(asc(lineageCurrent.dagId), asc(lineageCurrent.taskId)).limit(MAX_GRAPH_TASKS);
  return rows.flatMap((r) => {
    const lineage = parseJson(LineageSchema, r.lineageJson);
    return lineage ? [{ dagId: r.dagId, taskId: r.taskId, runId: r.runId, taskKey: r.taskKey, attempt: r.attempt, lineage, recordedAt: r.recordedAt }] : [];
  });
}

/** An attempt's lineage as read back (its row counts live on the dataset versions). */
export type AttemptLineageRow = Omit<AttemptLineageRecord, "rows">;

const ColumnsSchema = z.record(z.string(), z.array(z.string()));

function attemptRow(r: typeof lineageAttempts.$inferSelect): AttemptLineageRow[] {
  const lineage = parseJson(LineageSchema, r.lineageJson);
  if (!lineage) return [];
  return [
    {
      runId: r.runId,
      taskKey: r.taskKey,
      attempt: r.attempt,
      dagId: r.dagId,
      dagVersion: r.dagVersion,
      taskId: r.taskId,
      lineage,
      columns: parseJson(ColumnsSchema, r.columnsJson) ?? {},
      recordedAt: r.recordedAt,
    },
  ];
}

/** A run's recorded lineage: each successful attempt, and the datasets it read and wrote with rows changed. */
export async function runLineage(d1: D1Database, runId: string) {
  const db = drizzle(d1);
  const [attempts, datasets] = await db.batch([
    db.select().from(lineageAttempts).where(eq(lineageAttempts.runId, runId)).orderBy(asc(lineageAttempts.recordedAt), asc(lineageAttempts.taskKey)),
    db.select().from(lineageDatasets).where(eq(lineageDatasets.runId, runId)),
  ]);
  return { attempts: attempts.flatMap(attemptRow), datasets };
}

/** Recorded lineage of these attempts (the OpenLineage feed), by `<runId>\n<taskKey>\n<attempt>`. */
export async function attemptLineageOf(d1: D1Database, refs: Array<{ runId: string; taskKey: string; attempt: number }>): Promise<Map<string, AttemptLineageRow>> {
  const out = new Map<string, AttemptLineageRow>();
  const db = drizzle(d1);
  for (let i = 0; i < refs.length; i += 30) {
    const conds = refs
      .slice(i, i + 30)
      .map((r) => and(eq(lineageAttempts.runId, r.runId), eq(lineageAttempts.taskKey, r.taskKey), eq(lineageAttempts.attempt, r.attempt)));
    const rows = await db.select().from(lineageAttempts).where(or(...conds));
    for (const row of rows.flatMap(attemptRow)) out.set(`${row.runId}\n${row.taskKey}\n${row.attempt}`, row);
  }
  return out;
}

/** One row of the dataset catalog. */
export type DatasetCatalogRow = typeof lineageDatasetCatalog.$inferSelect;

/** Datasets lineage has seen, by URI, after `after` (a page). */
export async function listDatasets(d1: D1Database, opts: { limit: number; after?: string }): Promise<DatasetCatalogRow[]> {
  const db = drizzle(d1);
  return db
    .select()
    .from(lineageDatasetCatalog)
    .where(opts.after === undefined ? undefined : gt(lineageDatasetCatalog.uri, opts.after))
    .orderBy(asc(lineageDatasetCatalog.uri))
    .limit(opts.limit);
}

/** Some datasets of the catalog, by URI. */
export async function datasetsByUri(d1: D1Database, uris: string[]): Promise<Map<string, DatasetCatalogRow>> {
  const out = new Map<string, DatasetCatalogRow>();
  const db = drizzle(d1);
  for (let i = 0; i < uris.length; i += 90) {
    const rows = await db.select().from(lineageDatasetCatalog).where(inArray(lineageDatasetCatalog.uri, uris.slice(i, i + 90)));
    for (const r of rows) out.set(r.uri, r);
  }
  return out;
}

// ---- the OpenLineage feed ----------------------------------------------------------------------

/**
 * The feed's points after a cursor (`at`, `key`) in time order, at most `limit`: run starts (runs),
 * run ends (run_events: a retried run ends again), attempt starts and ends (task_attempts). Each arm
 * reads its own time index from the cursor on and stops after `limit` rows, so a page costs about
 * four times its size whatever the catalog holds.
 */
export async function feedPoints(d1: D1Database, after: { at: number; key: string }, limit: number): Promise<FeedPoint[]> {
  const db = drizzle(d1);
  const a = after.at;
  const k = after.key;
  const arm = (select: SQL, time: SQLiteColumn, key: SQL, from: SQL, extra?: SQL) =>
    sql`SELECT * FROM (SELECT ${select}, ${time} AS at, ${key} AS key FROM ${from}
      WHERE ${time} >= ${a} AND (${time} > ${a} OR ${key} > ${k}) ${extra === undefined ? sql`` : sql`AND ${extra}`}
      ORDER BY ${time}, key LIMIT ${limit})`;
  const attemptKeyOf = (prefix: string) =>
    sql`${prefix} || ${taskAttempts.runId} || ':' || ${taskAttempts.taskKey} || ':' || printf('%06d', ${taskAttempts.attempt})`;
  const query = sql`SELECT * FROM (
    ${arm(sql`'run_start' AS kind, ${runs.runId} AS run_id, NULL AS task_key, NULL AS attempt, NULL AS status`, runs.startedAt, sql`'0' || ${runs.runId}`, sql`${runs}`)}
    UNION ALL
    ${arm(sql`'run_end', ${runEvents.runId}, NULL, NULL, ${runEvents.status}`, runEvents.endedAt, sql`'3' || ${runEvents.eventId}`, sql`${runEvents}`)}
    UNION ALL
    ${arm(sql`'attempt_start', ${taskAttempts.runId}, ${taskAttempts.taskKey}, ${taskAttempts.attempt}, ${taskAttempts.status}`, taskAttempts.startedAt, attemptKeyOf("1"), sql`${taskAttempts}`)}
    UNION ALL
    ${arm(
      sql`'attempt_end', ${taskAttempts.runId}, ${taskAttempts.taskKey}, ${taskAttempts.attempt}, ${taskAttempts.status}`,
      taskAttempts.endedAt,
      attemptKeyOf("2"),
      sql`${taskAttempts}`,
      sql`${taskAttempts.status} IN ('success', 'failed', 'cancelled', 'abandoned')`,
    )}
  ) ORDER BY at, key LIMIT ${limit}`;
  const rows = await db.all<{ kind: FeedPoint["kind"]; at: number; key: string; run_id: string; task_key: string | null; attempt: number | null; status: string | null }>(query);
  return rows.map((r) => ({ kind: r.kind, at: Number(r.at), key: r.key, runId: r.run_id, taskKey: r.task_key, attempt: r.attempt === null ? null : Number(r.attempt), status: r.status }));
}

/** Some runs, by id. */
export async function runsById(d1: D1Database, runIds: string[]): Promise<Array<typeof runs.$inferSelect>> {
  const db = drizzle(d1);
  const out: Array<typeof runs.$inferSelect> = [];
  for (let i = 0; i < runIds.length; i += 90) out.push(...(await db.select().from(runs).where(inArray(runs.runId, runIds.slice(i, i + 90)))));
  return out;
}

/** The attempts of some task instances (`attempt` given: that one; absent: all of the instance's). */
export async function attemptsOf(d1: D1Database, refs: Array<{ runId: string; taskKey: string; attempt?: number }>): Promise<Array<typeof taskAttempts.$inferSelect>> {
  const db = drizzle(d1);
  const out: Array<typeof taskAttempts.$inferSelect> = [];
  for (let i = 0; i < refs.length; i += 30) {
    const conds = refs.slice(i, i + 30).map((r) =>
      r.attempt === undefined
        ? and(eq(taskAttempts.runId, r.runId), eq(taskAttempts.taskKey, r.taskKey))
        : and(eq(taskAttempts.runId, r.runId), eq(taskAttempts.taskKey, r.taskKey), eq(taskAttempts.attempt, r.attempt)),
    );
    out.push(...(await db.select().from(taskAttempts).where(or(...conds))));
  }
  return out;
}

/** The specs of some DAG versions, by `<dagId>\n<version>`. */
export async function specsOf(d1: D1Database, versions: Array<{ dagId: string; version: number }>): Promise<Map<string, string>> {
  const specs = new Map<string, string>();
  if (versions.length === 0) return specs;
  const rows = await drizzle(d1)
    .select({ dagId: dagVersions.dagId, version: dagVersions.version, specJson: dagVersions.specJson })
    .from(dagVersions)
    .where(or(...versions.map((v) => and(eq(dagVersions.dagId, v.dagId), eq(dagVersions.version, v.version)))));
  for (const r of rows) specs.set(`${r.dagId}\n${r.version}`, r.specJson);
  return specs;
}

/** Where a forwarding target stands in the feed (undefined: at the start). */
export async function forwardingCursor(d1: D1Database, target: string): Promise<string | undefined> {
  const [row] = await drizzle(d1).select().from(openLineageCursor).where(eq(openLineageCursor.target, target)).limit(1);
  return row?.cursor;
}

export async function saveForwardingCursor(d1: D1Database, target: string, cursor: string, now: number): Promise<void> {
  await drizzle(d1)
    .insert(openLineageCursor)
    .values({ target, cursor, updatedAt: now })
    .onConflictDoUpdate({ target: openLineageCursor.target, set: { cursor, updatedAt: now } });
}

function parseJson<T>(schema: z.ZodType<T>, text: string): T | undefined {
  try {
    const parsed = schema.safeParse(JSON.parse(text));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}

