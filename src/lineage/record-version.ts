/**
 * Registration's half of lineage (an adapter): a new DAG version's tasks analysed once and their
 * static lineage stored in D1 by (dag, version, task). Never throws: a statement the analyser
 * cannot read is table-level lineage with its reason, and a failed write is logged (an attempt
 * that finds no stored lineage analyses its task itself and stores it).
 */
import type { DagSpec } from "../dag/spec";
import { writeTaskLineage, type TaskLineageRow } from "../db/lineage";
import type { SqlParser } from "./sql-parser";
import { hasLineage, needsParser, taskLineage } from "./task-lineage";

/** The Worker's parser, loaded only when a task needs it (the wasm is instantiated at first parse). */
export async function loadSqlParser(): Promise<SqlParser> {
  return (await import("./sql-parser-workers")).workerSqlParser;
}

/** The static lineage rows of a DAG version's tasks (those with lineage). */
export function versionLineageRows(dagId: string, version: number, spec: DagSpec, parser: SqlParser | null): TaskLineageRow[] {
  const rows: TaskLineageRow[] = [];
  for (const [taskId, task] of Object.entries(spec.tasks)) {
    if (!hasLineage(task)) continue;
    const found = taskLineage({ dagId, taskId }, task, parser);
    if (found) rows.push({ dagId, version, taskId, taskType: task.type, ...found });
  }
  return rows;
}

/** Analyses and stores the static lineage of a registered DAG version. */
export async function recordVersionLineage(env: Env, dagId: string, version: number, spec: DagSpec): Promise<void> {
  try {
    const tasks = Object.values(spec.tasks);
    if (!tasks.some(hasLineage)) return;
    const parser = tasks.some(needsParser) ? await loadSqlParser() : null;
    await writeTaskLineage(env.CATALOG, versionLineageRows(dagId, version, spec, parser), Date.now());
  } catch (err) {
    console.error(`DAG ${dagId} version ${version}: storing its static lineage failed; its attempts will analyse it`, err);
  }
}
