import { describe, expect, it } from "vitest";
import { taskResultUri } from "../../../src/lineage/dataset-uri";
import { taskRunEvent } from "../../../src/lineage/openlineage";
import { analyseSql } from "../../../src/lineage/sql-lineage";
import { SqlSyntaxError } from "../../../src/lineage/sql-parser";
import { workerSqlParser } from "../../../src/lineage/sql-parser-workers";

describe("the SQL parser inside workerd", () => {
  it("instantiates the bundled wasm at first use and parses SQLite", () => {
    const [statement] = workerSqlParser.parse(
      "INSERT INTO t (a) SELECT sum(x) FILTER (WHERE y > 1) OVER (ORDER BY z ROWS BETWEEN 1 PRECEDING AND CURRENT ROW) FROM s",
    );
    expect(statement).toHaveProperty("Insert");
  });

  it("reports text that does not parse as a syntax error", () => {
    expect(() => workerSqlParser.parse("SELEC 1")).toThrow(SqlSyntaxError);
  });

  it("derives the example's column lineage and builds its OpenLineage event in the Worker runtime", () => {
    const sql =
      "INSERT INTO orders_enriched (order_id, user_name, total_amount) SELECT s.order_id, s.full_name, SUM(li.amount) FROM stg_orders s JOIN line_items li ON li.order_id = s.order_id GROUP BY s.order_id, s.full_name";
    const { lineage } = analyseSql([sql], workerSqlParser, { resultDataset: taskResultUri("orders_etl", "enrich") });
    expect(lineage.edges).toContainEqual({
      from: { dataset: "d1://line_items", column: "amount" },
      to: { dataset: "d1://orders_enriched", column: "total_amount" },
      type: "DIRECT",
      subtype: "AGGREGATION",
    });
    const event = taskRunEvent(
      { namespace: "switchyard", producer: "https://switchyard.test/" },
      { eventType: "COMPLETE", eventTime: "2026-12-01T00:00:00.000Z", runId: "0123456789abcdef0123456789abcdef", dagId: "orders_etl", taskId: "enrich", taskKey: "enrich", attempt: 1, sql, lineage },
    );
    expect(event.run.runId).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-8[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(event.outputs[0]?.facets?.columnLineage).toBeDefined();
  });
});
