import { describe, expect, it } from "vitest";
import { DeclaredLineageSchema, declaredLineage } from "../../../src/lineage/declared";

describe("declared lineage (http and function tasks)", () => {
  const declared = {
    inputs: ["https://api.example.test/orders", "d1://DB/Users"],
    outputs: ["d1://orders_raw"],
    columns: {
      "d1://orders_raw#amount": [{ from: "https://api.example.test/orders#total", type: "DIRECT", subtype: "IDENTITY" }],
      "d1://orders_raw#user_name": [
        { from: "d1://users#full_name", type: "DIRECT", subtype: "TRANSFORMATION" },
        { from: "https://api.example.test/orders#user_id", type: "INDIRECT", subtype: "JOIN" },
      ],
    },
  };

  it("becomes the same edge model as derived lineage, with d1 URIs in one spelling", () => {
    const parsed = DeclaredLineageSchema.parse(declared);
    expect(declaredLineage(parsed)).toEqual({
      inputs: ["https://api.example.test/orders", "d1://users"],
      outputs: ["d1://orders_raw"],
      edges: [
        { from: { dataset: "https://api.example.test/orders", column: "total" }, to: { dataset: "d1://orders_raw", column: "amount" }, type: "DIRECT", subtype: "IDENTITY" },
        { from: { dataset: "d1://users", column: "full_name" }, to: { dataset: "d1://orders_raw", column: "user_name" }, type: "DIRECT", subtype: "TRANSFORMATION" },
        { from: { dataset: "https://api.example.test/orders", column: "user_id" }, to: { dataset: "d1://orders_raw", column: "user_name" }, type: "INDIRECT", subtype: "JOIN" },
      ],
      needsColumns: [],
      complete: true,
      reasons: [],
    });
  });

  it("inputs and outputs alone (no columns) are still valid, as the spec had them", () => {
    const parsed = DeclaredLineageSchema.parse({ outputs: ["r2://ARTIFACTS/exports/"] });
    expect(declaredLineage(parsed)).toMatchObject({ inputs: [], outputs: ["r2://ARTIFACTS/exports/"], edges: [] });
  });

  it("rejects, naming the path, a subtype of the other kind and a malformed reference", () => {
    const bad = DeclaredLineageSchema.safeParse({
      inputs: ["d1://a"],
      outputs: ["d1://b"],
      columns: {
        "d1://b#x": [{ from: "d1://a#y", type: "DIRECT", subtype: "FILTER" }],
        "d1://b#w": [{ from: "no-column", type: "DIRECT", subtype: "IDENTITY" }],
      },
    });
    const issues = bad.error?.issues.map((i) => `${i.path.join(".")}: ${i.message}`) ?? [];
    expect(issues.some((i) => i.startsWith("columns.d1://b#x.0.subtype"))).toBe(true);
    expect(issues.some((i) => i.startsWith("columns.d1://b#w.0.from: a column is"))).toBe(true);
  });

  it("rejects a column of a dataset the task does not declare", () => {
    const bad = DeclaredLineageSchema.safeParse({
      inputs: ["d1://a"],
      outputs: ["d1://b"],
      columns: { "d1://c#x": [{ from: "d1://z#y", type: "INDIRECT", subtype: "JOIN" }] },
    });
    const issues = bad.error?.issues.map((i) => `${i.path.join(".")}: ${i.message}`) ?? [];
    expect(issues).toEqual([
      "columns.d1://c#x: 'd1://c' is not one of the task's outputs",
      "columns.d1://c#x.0.from: 'd1://z' is not one of the task's inputs",
    ]);
  });

  it("rejects a dataset that is not a URI and an unknown key", () => {
    expect(DeclaredLineageSchema.safeParse({ inputs: ["orders"] }).success).toBe(false);
    expect(DeclaredLineageSchema.safeParse({ outputs: ["d1://a"], colums: {} }).success).toBe(false);
  });
});
