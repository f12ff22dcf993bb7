import { taskResultUri } from "../../../src/lineage/dataset-uri";
import type { ColumnEdge, Lineage } from "../../../src/lineage/model";
import { analyseSql } from "../../../src/lineage/sql-lineage";
import { nodeSqlParser } from "./node-parser";

export const RESULT = taskResultUri("etl", "report");

/** The lineage of SQL statements, with the given tables' columns known. */
export function lineageOf(sql: string | string[], columns: Record<string, string[]> = {}): Lineage {
  return analyseSql(Array.isArray(sql) ? sql : [sql], nodeSqlParser, {
    resultDataset: RESULT,
    columnsOf: (table) => columns[table],
  }).lineage;
}

/** Edges as `from -> to TYPE/SUBTYPE`, with `d1://` dropped and the task's result as `result`: easy to read in a test. */
export function edgeLines(edges: ColumnEdge[]): string[] {
  const name = (dataset: string, column: string) =>
    `${dataset === RESULT ? "result" : dataset.replace(/^d1:\/\//, "")}.${column}`;
  return edges.map((e) => `${name(e.from.dataset, e.from.column)} -> ${name(e.to.dataset, e.to.column)} ${e.type}/${e.subtype}`).sort();
}
