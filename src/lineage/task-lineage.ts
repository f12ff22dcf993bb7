/**
 * A task's lineage, pure: an `sql` task's from its statements (merged with what it declares),
 * any other task's from its `datasets`. The same function serves registration (no columns:
 * `needsColumns` says which tables the edges still need) and the attempt that succeeded (with
 * the columns it read from `PRAGMA table_info`), so the two never disagree.
 */
import type { TaskSpec } from "../dag/spec";
import { splitStatements } from "../tasks/sql";
import { d1TableUri, taskResultUri } from "./dataset-uri";
import { declaredLineage } from "./declared";
import { mergeLineage, type Lineage } from "./model";
import { analyseSql } from "./sql-lineage";
import type { SqlParser } from "./sql-parser";

/** A task's lineage and, for `sql`, each statement's outputs (to attribute D1's `meta.changes`). */
export interface TaskLineage {
  lineage: Lineage;
  statementOutputs: string[][];
}

/** Whether a task records lineage when an attempt succeeds: every `sql` task, and any task declaring `datasets`. */
export function hasLineage(task: TaskSpec): boolean {
  return task.type === "sql" || task.datasets !== undefined;
}

/** Whether the task's lineage needs a parser (only `sql` does; declared lineage is read as written). */
export function needsParser(task: TaskSpec): boolean {
  return task.type === "sql";
}

/**
 * The lineage of one task, or null when it has none. `columnsOf` gives a `DB` table's columns
 * (lower-cased table names), when known.
 */
export function taskLineage(
  ref: { dagId: string; taskId: string },
  task: TaskSpec,
  parser: SqlParser | null,
  columnsOf?: (table: string) => string[] | undefined,
): TaskLineage | null {
  const declared = task.datasets === undefined ? null : declaredLineage(task.datasets);
  if (task.type !== "sql" || parser === null) return declared === null ? null : { lineage: declared, statementOutputs: [] };
  const { lineage, statements } = analyseSql(splitStatements(task.sql), parser, {
    resultDataset: taskResultUri(ref.dagId, ref.taskId),
    ...(columnsOf === undefined ? {} : { columnsOf }),
  });
  return { lineage: declared === null ? lineage : mergeLineage([lineage, declared]), statementOutputs: statements.map((s) => s.outputs) };
}

/**
 * Rows an attempt changed per output dataset: the sum of D1's `meta.changes` of the statements
 * that wrote it (a statement whose changes D1 did not report makes the dataset's count unknown);
 * the task's result dataset counts the rows returned.
 */
export function rowsByDataset(
  statementOutputs: string[][],
  changes: Array<number | null>,
  result: { dataset: string; rows: number } | null,
): Record<string, number> {
  const sums = new Map<string, number | null>();
  statementOutputs.forEach((outputs, i) => {
    const n = changes[i] ?? null;
    for (const uri of outputs) {
      if (result !== null && uri === result.dataset) continue;
      const before = sums.has(uri) ? (sums.get(uri) ?? null) : 0;
      sums.set(uri, before === null || n === null ? null : before + n);
    }
  });
  const rows: Record<string, number> = {};
  for (const [uri, n] of sums) if (n !== null) rows[uri] = n;
  if (result !== null && statementOutputs.some((o) => o.includes(result.dataset))) rows[result.dataset] = result.rows;
  return rows;
}

/**
 * The rows each statement changed, from what D1 reported: SQLite counts only INSERT, UPDATE and
 * DELETE, and after any other statement still reports the previous one's count, so a DDL
 * statement changed 0 rows — except `CREATE TABLE … AS` and `DROP TABLE`, whose rows D1 does
 * not count (unknown).
 */
export function statementChanges(statements: string[], reported: Array<number | null>): Array<number | null> {
  return statements.map((text, i) => {
    const sql = text.replace(/^(\s*(--[^\n]*\n|\/\*[\s\S]*?\*\/))*\s*/, "");
    if (/^(CREATE\s+(TEMP|TEMPORARY\s+)?TABLE\b[\s\S]*\bAS\b|DROP\s+TABLE\b)/i.test(sql)) return null;
    if (/^(CREATE|DROP|ALTER|PRAGMA|ANALYZE|VACUUM|REINDEX)\b/i.test(sql)) return 0;
    return reported[i] ?? null;
  });
}

/** The columns read for some tables, by dataset URI (for the record and the `schema` facet). */
export function columnsByDataset(columns: Map<string, string[]>): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const [table, names] of columns) if (names.length > 0) out[d1TableUri(table)] = names;
  return out;
}
