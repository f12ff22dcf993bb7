import { describe, expect, it } from "vitest";
import type { TaskSpec } from "../../../src/dag/spec";
import { versionLineageRows } from "../../../src/lineage/record-version";
import { hasLineage, rowsByDataset, statementChanges, taskLineage } from "../../../src/lineage/task-lineage";
import { nodeSqlParser } from "./node-parser";
import { edgeLines } from "./sql-helpers";

const ref = { dagId: "etl", taskId: "report" };

describe("a task's lineage: derived for sql, declared for the others", () => {
  it("which tasks record lineage: every sql task, any task declaring datasets, nothing else", () => {
    expect(hasLineage({ type: "sql", sql: "SELECT 1" })).toBe(true);
    expect(hasLineage({ type: "function", function: "noop" })).toBe(false);
    expect(hasLineage({ type: "http", request: { url: "https://x.test/" }, datasets: { outputs: ["r2://b/p"] } })).toBe(true);
    expect(hasLineage({ type: "empty" })).toBe(false);
  });

  it("an sql task without columns lists the tables it needs; with them the same function completes the edges", () => {
    const task: TaskSpec = { type: "sql", sql: "DELETE FROM stg; INSERT INTO stg SELECT * FROM raw" };
    const found = taskLineage(ref, task, nodeSqlParser);
    expect(found?.lineage).toMatchObject({ inputs: ["d1://raw"], outputs: ["d1://stg"], complete: false });
    expect(found?.lineage.needsColumns.sort()).toEqual(["raw", "stg"]);
    expect(found?.statementOutputs).toEqual([["d1://stg"], ["d1://stg"]]);
    const columns: Record<string, string[]> = { raw: ["id", "amount"], stg: ["id", "amount"] };
    const completed = taskLineage(ref, task, nodeSqlParser, (t) => columns[t]);
    expect(completed?.lineage.complete).toBe(true);
    expect(edgeLines(completed?.lineage.edges ?? [])).toEqual(["raw.amount -> stg.amount DIRECT/IDENTITY", "raw.id -> stg.id DIRECT/IDENTITY"]);
  });

  it("an sql task that also declares datasets gets both, in the canonical spelling", () => {
    const task: TaskSpec = { type: "sql", sql: "SELECT id FROM orders", datasets: { outputs: ["d1://DB/exports"] } };
    expect(taskLineage(ref, task, nodeSqlParser)?.lineage.outputs).toEqual(["task://etl.report", "d1://exports"]);
  });

  it("an http or function task's lineage is what it declares; without a parser an sql task has only its declaration", () => {
    const task: TaskSpec = { type: "function", function: "noop", datasets: { inputs: ["https://api.test/o"], outputs: ["d1://o"] } };
    expect(taskLineage(ref, task, null)?.lineage).toMatchObject({ inputs: ["https://api.test/o"], outputs: ["d1://o"], edges: [], complete: true });
    expect(taskLineage(ref, { type: "function", function: "noop" }, null)).toBeNull();
  });

  it("a DAG version's rows: one per task with lineage, an unparsable statement as table level with its reason", () => {
    const rows = versionLineageRows("etl", 3, {
      tasks: {
        ok: { type: "sql", sql: "INSERT INTO a (x) SELECT x FROM b" },
        odd: { type: "sql", sql: "INSERT INTO out (a) SELECT a FROM (orders)" },
        plain: { type: "empty" },
      },
    }, nodeSqlParser);
    expect(rows.map((r) => [r.taskId, r.version, r.taskType])).toEqual([["ok", 3, "sql"], ["odd", 3, "sql"]]);
    const odd = rows[1]?.lineage;
    expect(odd).toMatchObject({ inputs: ["d1://orders"], outputs: ["d1://out"], edges: [], complete: false });
    expect(odd?.reasons[0]).toMatch(/parser rejected/);
  });
});

describe("rows changed per dataset", () => {
  it("sums D1's meta.changes over the statements that wrote each dataset; the result counts rows returned", () => {
    const rows = rowsByDataset([["d1://t"], ["d1://t"], ["d1://u"], ["task://etl.report"]], [2, 3, 1, 0], { dataset: "task://etl.report", rows: 7 });
    expect(rows).toEqual({ "d1://t": 5, "d1://u": 1, "task://etl.report": 7 });
  });

  it("a statement whose changes D1 did not report leaves its dataset's count unknown", () => {
    expect(rowsByDataset([["d1://t"], ["d1://t"]], [2, null], null)).toEqual({});
  });
});

describe("rows a statement changed", () => {
  it("DML as D1 reports it; DDL changed none (SQLite repeats the previous count after it); CREATE TABLE AS and DROP TABLE unknown", () => {
    const statements = [
      "CREATE TABLE IF NOT EXISTS t (a)",
      "INSERT INTO t (a) VALUES (1), (2)",
      "-- an index\nCREATE INDEX i ON t (a)",
      "UPDATE t SET a = a + 1",
      "DROP TABLE IF EXISTS s",
      "create table s as select * from t",
      "WITH x AS (SELECT 1) DELETE FROM t WHERE a IN (SELECT * FROM x)",
    ];
    expect(statementChanges(statements, [0, 2, 2, 2, 2, 0, 0])).toEqual([0, 2, 0, 2, null, null, 0]);
  });
});
