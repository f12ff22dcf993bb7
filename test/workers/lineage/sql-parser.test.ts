import { describe, expect, it } from "vitest";
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
});
