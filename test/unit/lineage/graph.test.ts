import { describe, expect, it } from "vitest";
import {
  datasetEdgesOf,
  indexColumnEdges,
  indexDatasetEdges,
  recordedEdges,
  walkColumns,
  walkDatasets,
  type RecordedColumnEdge,
} from "../../../src/lineage/graph";
import { lineageOf } from "./sql-helpers";

/** The example as recorded after a run: staging then enrich, each edge with its task and run. */
function exampleEdges(): RecordedColumnEdge[] {
  const stage = lineageOf(
    "CREATE TABLE stg_orders AS SELECT o.id AS order_id, o.user_id, u.full_name FROM orders o JOIN users u ON u.id = o.user_id",
  );
  const enrich = lineageOf(
    "INSERT INTO orders_enriched (order_id, user_name, total_amount) SELECT s.order_id, s.full_name, SUM(li.amount) FROM stg_orders s JOIN line_items li ON li.order_id = s.order_id GROUP BY s.order_id, s.full_name",
  );
  return [
    ...recordedEdges(stage, { dagId: "orders_etl", taskId: "stage", runId: "run-1" }),
    ...recordedEdges(enrich, { dagId: "orders_etl", taskId: "enrich", runId: "run-1" }),
  ];
}

const line = (e: RecordedColumnEdge) =>
  `${e.from.dataset.slice(5)}.${e.from.column} -> ${e.to.dataset.slice(5)}.${e.to.column} ${e.subtype} (${e.taskId})`;

describe("column walks", () => {
  const graph = indexColumnEdges(exampleEdges());

  it("upstream: total_amount is aggregated from line_items.amount, written by the enrich task in run-1", () => {
    const walk = walkColumns(graph, { dataset: "d1://orders_enriched", column: "total_amount" }, { direction: "upstream", rows: false });
    expect(walk.edges).toEqual([
      {
        from: { dataset: "d1://line_items", column: "amount" },
        to: { dataset: "d1://orders_enriched", column: "total_amount" },
        type: "DIRECT",
        subtype: "AGGREGATION",
        dagId: "orders_etl",
        taskId: "enrich",
        runId: "run-1",
      },
    ]);
    expect(walk.truncated).toEqual({ depth: false, nodes: false });
  });

  it("upstream through every hop: user_name ← stg_orders.full_name ← users.full_name", () => {
    const walk = walkColumns(graph, { dataset: "d1://orders_enriched", column: "user_name" }, { direction: "upstream", rows: false });
    expect(walk.edges.map(line)).toEqual([
      "stg_orders.full_name -> orders_enriched.user_name IDENTITY (enrich)",
      "users.full_name -> stg_orders.full_name IDENTITY (stage)",
    ]);
    expect(walk.depth).toBe(2);
  });

  it("upstream with rows: what decided the rows (join keys, grouping) of each dataset on the way", () => {
    const walk = walkColumns(graph, { dataset: "d1://orders_enriched", column: "user_name" }, { direction: "upstream" });
    const lines = walk.edges.map(line);
    expect(lines).toContain("line_items.order_id -> orders_enriched.* JOIN (enrich)");
    expect(lines).toContain("stg_orders.order_id -> orders_enriched.* GROUP_BY (enrich)");
    // stg_orders' own join keys, one hop further up.
    expect(lines).toContain("users.id -> stg_orders.* JOIN (stage)");
    expect(lines).toContain("orders.user_id -> stg_orders.* JOIN (stage)");
  });

  it("a depth limit cuts the walk and says so", () => {
    const walk = walkColumns(graph, { dataset: "d1://orders_enriched", column: "user_name" }, { direction: "upstream", rows: false, maxDepth: 1 });
    expect(walk.edges.map(line)).toEqual(["stg_orders.full_name -> orders_enriched.user_name IDENTITY (enrich)"]);
    expect(walk.truncated).toEqual({ depth: true, nodes: false });
    expect(walk.maxDepth).toBe(1);
  });

  it("a node limit cuts the walk and says so", () => {
    const walk = walkColumns(graph, { dataset: "d1://orders_enriched", column: "order_id" }, { direction: "upstream", maxNodes: 2 });
    expect(walk.nodes).toBe(2);
    expect(walk.truncated.nodes).toBe(true);
  });

  it("downstream: what users.full_name feeds", () => {
    const walk = walkColumns(graph, { dataset: "d1://users", column: "full_name" }, { direction: "downstream" });
    expect(walk.edges.map(line).sort()).toEqual([
      "stg_orders.full_name -> orders_enriched.* GROUP_BY (enrich)",
      "stg_orders.full_name -> orders_enriched.user_name IDENTITY (enrich)",
      "users.full_name -> stg_orders.full_name IDENTITY (stage)",
    ]);
  });

  it("a cycle (UPDATE t SET n = n + 1) ends where it began", () => {
    const g = indexColumnEdges([
      { from: { dataset: "d1://t", column: "n" }, to: { dataset: "d1://t", column: "n" }, type: "DIRECT", subtype: "TRANSFORMATION", dagId: "d", taskId: "bump", runId: null },
      { from: { dataset: "d1://s", column: "m" }, to: { dataset: "d1://t", column: "n" }, type: "DIRECT", subtype: "IDENTITY", dagId: "d", taskId: "load", runId: null },
    ]);
    const walk = walkColumns(g, { dataset: "d1://t", column: "n" }, { direction: "upstream" });
    expect(walk.edges.map((e) => e.taskId)).toEqual(["bump", "load"]);
    expect(walk.nodes).toBe(2);
  });

  it("walks a 10,000-edge graph completely within the node limit", () => {
    const edges: RecordedColumnEdge[] = [];
    // 100 chains of 100 hops: c<i>_<j> feeds c<i>_<j+1>.
    for (let i = 0; i < 100; i++)
      for (let j = 0; j < 100; j++)
        edges.push({
          from: { dataset: `d1://t${j}`, column: `c${i}` },
          to: { dataset: `d1://t${j + 1}`, column: `c${i}` },
          type: "DIRECT",
          subtype: "IDENTITY",
          dagId: "big",
          taskId: `task${j}`,
          runId: null,
        });
    const g = indexColumnEdges(edges);
    const walk = walkColumns(g, { dataset: "d1://t100", column: "c7" }, { direction: "upstream", maxNodes: 20_000 });
    expect(walk.edges).toHaveLength(100);
    expect(walk.depth).toBe(100);
    expect(walk.truncated).toEqual({ depth: false, nodes: false });
  });
});

describe("dataset walks", () => {
  const edges = [
    ...datasetEdgesOf({ dagId: "etl", taskId: "stage", runId: "r1" }, { inputs: ["d1://orders", "d1://users"], outputs: ["d1://stg_orders"] }),
    ...datasetEdgesOf({ dagId: "etl", taskId: "enrich", runId: "r1" }, { inputs: ["d1://stg_orders", "d1://line_items"], outputs: ["d1://orders_enriched"] }),
  ];
  const graph = indexDatasetEdges(edges);

  it("upstream and downstream, with the task between each pair", () => {
    const up = walkDatasets(graph, "d1://orders_enriched", { direction: "upstream" });
    expect(up.edges.map((e) => `${e.from} -[${e.taskId}]-> ${e.to}`)).toEqual([
      "d1://stg_orders -[enrich]-> d1://orders_enriched",
      "d1://line_items -[enrich]-> d1://orders_enriched",
      "d1://orders -[stage]-> d1://stg_orders",
      "d1://users -[stage]-> d1://stg_orders",
    ]);
    const down = walkDatasets(graph, "d1://users", { direction: "downstream", maxDepth: 1 });
    expect(down.edges.map((e) => e.to)).toEqual(["d1://stg_orders"]);
    expect(down.truncated.depth).toBe(true);
  });

  it("a task that reads and writes one table is no edge to itself", () => {
    expect(datasetEdgesOf({ dagId: "d", taskId: "t", runId: null }, { inputs: ["d1://a"], outputs: ["d1://a"] })).toEqual([]);
  });
});
