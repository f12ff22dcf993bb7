/**
 * The lineage of an `sql` task, derived from its statements with no
 * annotation. Pure: the parser and the tables' columns come in, plain data
 * comes out, and nothing throws — a statement that does not parse, or that
 * uses what the analyser does not handle, gets table-level lineage and a
 * reason instead.
 *
 * Called twice in a task's life: at registration without columns (edges for
 * what the SQL names; `needsColumns` lists the tables whose columns `*`,
 * positional INSERTs or unqualified names need), and after a successful
 * attempt with `columnsOf` reading those tables' `PRAGMA table_info`, which
 * completes the edges.
 */
import type { Lineage } from "./model";
import { mergeLineage } from "./model";
import { tableLevelLineage } from "./sql-fallback";
import type { SqlParser } from "./sql-parser";
import type { Context } from "./sql-scope";
import { analyseStatement } from "./sql-statement";

export interface SqlLineageOptions {
  /** The `DB` table's columns in order, when known (`PRAGMA table_info`); table names come lower-cased. */
  columnsOf?: (table: string) => string[] | undefined;
  /** Where the last statement's SELECT rows go: the task's result, `taskResultUri(dagId, taskId)`. */
  resultDataset: string;
}

/** The task's lineage, and each statement's. */
export interface SqlLineage {
  lineage: Lineage;
  statements: Lineage[];
}

/**
 * The lineage of statements run in order on `DB` (split already; `{{ }}`
 * templates are bound parameters, so they stand for values and become `?`).
 */
export function analyseSql(statements: string[], parser: SqlParser, options: SqlLineageOptions): SqlLineage {
  const columnsOf = options.columnsOf ?? (() => undefined);
  const lowered = (table: string) => columnsOf(table)?.map((c) => c.toLowerCase());
  const results = statements.map((text, i) => {
    const sql = text
      .replace(/\{\{[\s\S]*?\}\}/g, "?")
      // A CTE's planner hint, which the parser's SQLite dialect lacks and lineage does not need.
      .replace(/\bAS\s+(?:NOT\s+)?MATERIALIZED\s*\(/gi, "AS (");
    const resultDataset = i === statements.length - 1 ? options.resultDataset : null;
    return analyseOne(sql, parser, lowered, resultDataset);
  });
  return { lineage: mergeLineage(results), statements: results };
}

function analyseOne(sql: string, parser: SqlParser, columnsOf: Context["columnsOf"], resultDataset: string | null): Lineage {
  let parsed: unknown[];
  try {
    parsed = parser.parse(sql);
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    return tableLevelLineage(sql, `the SQL parser rejected the statement (${message}): table-level lineage only`);
  }
  const parts = parsed.map((statement, i) => {
    const ctx: Context = { columnsOf, needs: new Set(), inputs: new Set(), reasons: [], opaque: false, text: sql };
    try {
      const lineage = analyseStatement(statement, ctx, i === parsed.length - 1 ? resultDataset : null);
      if (!ctx.opaque) return lineage;
      // Opaque parts (a table-valued function): keep the tables, say why there are no column edges.
      return { ...lineage, edges: [], complete: false };
    } catch (err) {
      // A shape of AST the analyser misreads must not fail the task: table level, with the reason.
      const message = err instanceof Error ? err.message : String(err);
      return tableLevelLineage(sql, `the statement could not be analysed (${message}): table-level lineage only`);
    }
  });
  return mergeLineage(parts);
}
