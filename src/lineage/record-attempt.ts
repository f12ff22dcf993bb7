/**
 * An attempt's half of lineage (an adapter), run by the worker right after a task attempt
 * succeeded and before it is reported: the task's static lineage (a per-isolate cache, else its
 * D1 row, else analysed here), completed with the columns of the tables it needs (`PRAGMA
 * table_info`, read only for those), the rows D1 says each statement changed, written to the
 * catalog in one D1 batch, idempotent by (run, task key, attempt). Tasks without lineage cost
 * nothing. Never throws: lineage must not fail a task whose work is done.
 */
import { attemptLineageStatements, storedTaskLineage, writeTaskLineage } from "../db/lineage";
import { BoundedCache } from "../lib/bounded-cache";
import type { WorkOrder } from "../run/work-order";
import { tableColumns } from "./data-tables";
import { taskResultUri } from "./dataset-uri";
import { loadSqlParser } from "./record-version";
import { splitStatements } from "../tasks/sql";
import { columnsByDataset, hasLineage, needsParser, rowsByDataset, statementChanges, taskLineage, type TaskLineage } from "./task-lineage";

/** What the `sql` executor saw: D1's `meta.changes` per statement, and the rows the last one returned. */
export interface SqlAttemptFacts {
  changes: Array<number | null>;
  resultRows: number;
}

/** Where an executor leaves its facts for the recorder. */
export interface LineageSink {
  sql?: SqlAttemptFacts;
}

/** Static lineage by task version, and completed lineage by task version and the columns it saw. */
const staticCache = new BoundedCache<string, TaskLineage>(512);
const completedCache = new BoundedCache<string, TaskLineage>(512);
/** Tries of the catalog write before the attempt's lineage is given up (logged). */
const WRITE_TRIES = 3;

/** Records a successful attempt's lineage. */
export async function recordAttemptLineage(env: Env, order: WorkOrder, sink: LineageSink): Promise<void> {
  if (!hasLineage(order.task)) return;
  try {
    const found = await staticLineage(env, order);
    if (found === null) return;
    let { lineage, statementOutputs } = found;
    let columns: Record<string, string[]> = {};
    if (order.task.type === "sql" && !lineage.complete && lineage.needsColumns.length > 0) {
      const read = await tableColumns(env.DB, lineage.needsColumns);
      columns = columnsByDataset(read);
      const key = `${versionKey(order)}\n${JSON.stringify([...read])}`;
      const parser = await loadSqlParser();
      const completed = completedCache.getOrSet(key, () => taskLineage(order, order.task, parser, (t) => read.get(t)) ?? found);
      ({ lineage, statementOutputs } = completed);
    }
    const facts = sink.sql;
    const task = order.task;
    const rows = facts && task.type === "sql"
      ? rowsByDataset(statementOutputs, statementChanges(splitStatements(task.sql), facts.changes), { dataset: taskResultUri(order.dagId, order.taskId), rows: facts.resultRows })
      : {};
    const statements = attemptLineageStatements(env.CATALOG, {
      runId: order.runId,
      taskKey: order.taskKey,
      attempt: order.attempt,
      dagId: order.dagId,
      dagVersion: order.dagVersion ?? null,
      taskId: order.taskId,
      lineage,
      columns,
      rows,
      recordedAt: Date.now(),
    });
    await withTries(() => env.CATALOG.batch(statements));
  } catch (err) {
    console.error(`run ${order.runId}: recording the lineage of ${order.taskKey} attempt ${order.attempt} failed`, err);
  }
}

/** A task version's cache key (an order without a version, from before versions travelled with orders, is keyed by its spec). */
function versionKey(order: WorkOrder): string {
  return `${order.dagId}\n${order.dagVersion ?? JSON.stringify(order.task)}\n${order.taskId}`;
}

/** The task's static lineage: cached per isolate; an `sql` task's from its D1 row (analysed and stored here if missing). */
async function staticLineage(env: Env, order: WorkOrder): Promise<TaskLineage | null> {
  const key = versionKey(order);
  const hit = staticCache.get(key);
  if (hit) return hit;
  let found: TaskLineage | null = null;
  if (!needsParser(order.task)) {
    found = taskLineage(order, order.task, null);
  } else {
    const version = order.dagVersion;
    found = version === undefined ? null : ((await storedTaskLineage(env.CATALOG, { dagId: order.dagId, version, taskId: order.taskId })) ?? null);
    if (found === null) {
      found = taskLineage(order, order.task, await loadSqlParser());
      if (found && version !== undefined) {
        await writeTaskLineage(env.CATALOG, [{ dagId: order.dagId, version, taskId: order.taskId, taskType: order.task.type, ...found }], Date.now());
      }
    }
  }
  if (found) staticCache.set(key, found);
  return found;
}

async function withTries<T>(write: () => Promise<T>): Promise<T> {
  let last: unknown;
  for (let i = 0; i < WRITE_TRIES; i++) {
    try {
      return await write();
    } catch (err) {
      last = err;
      await new Promise((r) => setTimeout(r, 50 * 2 ** i));
    }
  }
  throw last;
}
