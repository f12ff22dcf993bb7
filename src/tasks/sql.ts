import { splitQuery, sqliteSplitterOptions } from "dbgate-query-splitter";
import { renderSqlTemplate } from "../expr/template";
import { TaskFailure } from "./errors";
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
 * never SQL text.
 */
export const executeSql: Executor<"sql"> = async (order, { env }) => {
  const statements = splitStatements(order.task.sql);
  if (statements.length === 0) throw new TaskFailure("no SQL statement to run", "sql");
  let prepared: D1PreparedStatement[];
  try {
    prepared = statements.map((text) => {
      const { sql, bindings } = renderSqlTemplate(text, order.scope);
      const stmt = env.DB.prepare(sql);
      return bindings.length > 0 ? stmt.bind(...bindings) : stmt;
    });
  } catch (err) {
    throw new TaskFailure(`template: ${err instanceof Error ? err.message : String(err)}`, "template");
  }
  try {
    const results = await env.DB.batch(prepared);
    return results[results.length - 1]?.results ?? [];
  } catch (err) {
    throw new TaskFailure(`SQL failed: ${err instanceof Error ? err.message : String(err)}`, "sql");
  }
};
