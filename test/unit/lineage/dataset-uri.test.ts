import { describe, expect, it } from "vitest";
import { canonicalDatasetUri, d1TableUri, openLineageDatasetName, parseColumnRef, taskResultUri } from "../../../src/lineage/dataset-uri";

describe("dataset URIs", () => {
  it("a DB table has one spelling, whichever way a spec wrote it", () => {
    expect(d1TableUri("Orders")).toBe("d1://orders");
    expect(canonicalDatasetUri("d1://DB/Orders_Raw")).toBe("d1://orders_raw");
    expect(canonicalDatasetUri("d1://orders_raw")).toBe("d1://orders_raw");
    expect(canonicalDatasetUri("https://Example.test/A")).toBe("https://Example.test/A");
  });

  it("column references split at the last #", () => {
    expect(parseColumnRef("d1://orders#amount")).toEqual({ dataset: "d1://orders", column: "amount" });
    expect(parseColumnRef("d1://orders")).toBeNull();
    expect(parseColumnRef("d1://orders#")).toBeNull();
  });

  it("OpenLineage names: namespace scheme://authority, name the path", () => {
    expect(openLineageDatasetName("d1://orders", "DB")).toEqual({ namespace: "d1://DB", name: "orders" });
    expect(openLineageDatasetName("r2://ARTIFACTS/exports/day.json", "DB")).toEqual({ namespace: "r2://ARTIFACTS", name: "exports/day.json" });
    expect(openLineageDatasetName("https://api.example.test/v1/orders", "DB")).toEqual({ namespace: "https://api.example.test", name: "v1/orders" });
    expect(openLineageDatasetName(taskResultUri("etl", "report"), "DB")).toEqual({ namespace: "task", name: "etl.report" });
    expect(openLineageDatasetName("kafka://broker/", "DB")).toEqual({ namespace: "kafka", name: "broker" });
  });
});
