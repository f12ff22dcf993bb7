import { splitQuery, sqliteSplitterOptions } from "dbgate-query-splitter";
import { renderSqlTemplate, type RenderedSql } from "../expr/template";
import { specFailure, TaskFailure } from "./errors";
import type { Executor } from "./executor";

/** Splits SQL text into statements with a real splitter (quotes, comments, `;` in strings). */
export function splitStatements(sql: string | string[]): string[] {
  const texts = Array.isArray(sql) ? sql : [sql];
  return texts.flatMap((text) =>
    splitQuery(text, sqliteSplitterOptions)
      .map((s) => (typeof s === "string" ? s : s.text).trim())
      .filter((s) => s !== ""),
  );
}

/**
 * `sql` tasks run on the `DB` database in one D1 batch (atomic); the rows of
 * the last statement are the output. Templates become bound parameters,
 * never SQL text. A template that cannot render fails for good; a failing
 * statement is retried (D1 does not say whether its error would recur).
 */
export const executeSql: Executor<"sql"> = async (order, { env, lineage }) => {
  const statements = splitStatements(order.task.sql);
  if (statements.length === 0) throw specFailure("no SQL statement to run", "sql");
  let rendered: RenderedSql[];
  try {
    rendered = statements.map((text) => renderSqlTemplate(text, order.scope));
  } catch (err) {
    throw specFailure(`template: ${err instanceof Error ? err.message : String(err)}`, "template");
  }
  // Only rendering is the spec's fault: preparing and running are D1's, and retried.
  try {
    const prepared = rendered.map(({ sql, bindings }) => {
      const stmt = env.DB.prepare(sql);
      return bindings.length > 0 ? stmt.bind(...bindings) : stmt;
    });
    const results = await env.DB.batch(prepared);
    const rows = results[results.length - 1]?.results ?? [];
    // What lineage records once the attempt succeeded: the rows each statement changed, as D1 reports them.
    if (lineage) lineage.sql = { changes: results.map((r) => (typeof r.meta?.changes === "number" ? r.meta.changes : null)), resultRows: rows.length };
    return rows;
  } catch (err) {
    throw new TaskFailure(`SQL failed: ${err instanceof Error ? err.message : String(err)}`, "sql");
  }
};
