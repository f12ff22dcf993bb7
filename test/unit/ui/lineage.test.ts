import { describe, expect, it } from "vitest";
import { columnText, EDGE_KINDS, edgeKind, edgeKindClass, edgeKindText } from "../../../src/ui/lib/lineage-kinds";
import { labelWidth, layoutLineage } from "../../../src/ui/lib/lineage-layout";
import {
  columnGraph,
  columnHops,
  columnOfId,
  datasetColumns,
  datasetEdgeRows,
  datasetGraph,
  datasetSub,
  DEFAULT_DEPTH,
  kindsUsed,
  lineageHref,
  readLineageQuery,
  runsOfGraph,
  truncatedText,
  type ColumnEdgeView,
  type DatasetEdgeView,
  type DatasetView,
  type RunLineageColumns,
} from "../../../src/ui/lib/lineage-model";
import { lineageSvg } from "../../../src/ui/lib/lineage-svg";
import { hrefs } from "../../../src/ui/lib/words";

const RUN = "d195e61cdd20e1fe389e9b18f26758db";
const w = { dagId: "orders_lineage", runId: RUN };
const col = (dataset: string, column: string) => ({ dataset: `d1://${dataset}`, column });

/** The column walk of the README's example: upstream of orders_enriched.total_amount, as the API answers it. */
const totalAmount: ColumnEdgeView[] = [
  { from: col("line_items", "amount"), to: col("orders_enriched", "total_amount"), type: "DIRECT", subtype: "AGGREGATION", taskId: "enrich", ...w },
  { from: col("line_items", "order_id"), to: col("orders_enriched", "*"), type: "INDIRECT", subtype: "JOIN", taskId: "enrich", ...w },
  { from: col("stg_orders", "order_id"), to: col("orders_enriched", "*"), type: "INDIRECT", subtype: "JOIN", taskId: "enrich", ...w },
  { from: col("stg_orders", "order_id"), to: col("orders_enriched", "*"), type: "INDIRECT", subtype: "GROUP_BY", taskId: "enrich", ...w },
  { from: col("stg_orders", "user_name"), to: col("orders_enriched", "*"), type: "INDIRECT", subtype: "GROUP_BY", taskId: "enrich", ...w },
  { from: col("orders", "order_id"), to: col("stg_orders", "order_id"), type: "DIRECT", subtype: "IDENTITY", taskId: "stage_orders", ...w },
  { from: col("users", "user_id"), to: col("stg_orders", "*"), type: "INDIRECT", subtype: "JOIN", taskId: "stage_orders", ...w },
  { from: col("orders", "user_id"), to: col("stg_orders", "*"), type: "INDIRECT", subtype: "JOIN", taskId: "stage_orders", ...w },
  { from: col("users", "full_name"), to: col("stg_orders", "user_name"), type: "DIRECT", subtype: "IDENTITY", taskId: "stage_orders", ...w },
];

const ds = (uri: string, rowCount: number | null, taskId?: string): DatasetView => ({
  uri,
  kind: uri.split(":")[0] ?? "",
  lastWriter: taskId ? { dagId: "orders_lineage", taskId, runId: RUN, at: "2026-12-01T12:48:48.585Z" } : null,
  rowsChanged: null,
  rowCount,
});
const datasets = [ds("d1://orders_enriched", 3, "enrich"), ds("d1://stg_orders", 3, "stage_orders"), ds("d1://line_items", 4, "raw_line_items"), ds("https://reports.example.test/orders", null, "publish")];
const dsEdges: DatasetEdgeView[] = [
  { from: "d1://stg_orders", to: "d1://orders_enriched", dagId: "orders_lineage", taskId: "enrich", runId: RUN },
  { from: "d1://line_items", to: "d1://orders_enriched", dagId: "orders_lineage", taskId: "enrich", runId: RUN },
  { from: "d1://orders_enriched", to: "https://reports.example.test/orders", dagId: "orders_lineage", taskId: "publish", runId: RUN },
  { from: "d1://orders_enriched", to: "https://reports.example.test/orders", dagId: "orders_lineage", taskId: "publish", runId: "older" },
  { from: "d1://orders", to: "d1://stg_orders", dagId: "orders_lineage", taskId: "stage_orders", runId: RUN },
];

describe("edge kinds in words", () => {
  it("names every OpenLineage kind with a word and a meaning, DIRECT first", () => {
    expect(EDGE_KINDS.map((k) => k.subtype)).toEqual(["IDENTITY", "TRANSFORMATION", "AGGREGATION", "FILTER", "JOIN", "GROUP_BY", "SORT", "WINDOW", "CONDITIONAL"]);
    expect(EDGE_KINDS.slice(0, 3).every((k) => k.type === "DIRECT")).toBe(true);
    expect(EDGE_KINDS.slice(3).every((k) => k.type === "INDIRECT")).toBe(true);
    expect(edgeKindText("DIRECT", "AGGREGATION")).toBe("DIRECT · aggregation");
    expect(edgeKindText("INDIRECT", "GROUP_BY")).toBe("INDIRECT · group by");
    expect(edgeKind("DIRECT", "AGGREGATION").meaning).toContain("aggregated");
    expect(edgeKindClass("INDIRECT", "GROUP_BY")).toBe("lk-indirect lk-group-by");
  });
  it("keeps an unknown subtype's own name rather than throwing", () => {
    expect(edgeKind("INDIRECT", "MASKING")).toMatchObject({ type: "INDIRECT", word: "masking" });
    expect(edgeKindClass("DIRECT", "NEW_KIND")).toBe("lk-direct lk-new-kind");
  });
  it("says what column * is", () => {
    expect(columnText("*")).toBe("* (its rows)");
    expect(columnText("amount")).toBe("amount");
  });
});

describe("a column walk in hops", () => {
  it("puts the edges into the picked column first, then the hop behind them", () => {
    const hops = columnHops(col("orders_enriched", "total_amount"), totalAmount);
    // Only the aggregation ends at total_amount itself; the rows edges end at orders_enriched#*, which the walk reached through rows: true.
    expect(hops[0]).toMatchObject({ hop: 1, edge: { from: col("line_items", "amount"), subtype: "AGGREGATION" } });
    expect(hops.map((h) => h.edge)).toHaveLength(totalAmount.length);
    expect(new Set(hops.map((h) => h.edge))).toEqual(new Set(totalAmount));
    const hopOf = (from: string, to: string) => hops.find((h) => `${h.edge.from.dataset}#${h.edge.from.column}` === from && `${h.edge.to.dataset}#${h.edge.to.column}` === to)?.hop;
    // The rows of orders_enriched decide total_amount's rows: their edges are the first hop too, and stage_orders' the second.
    expect(hopOf("d1://stg_orders#order_id", "d1://orders_enriched#*")).toBe(1);
    expect(hopOf("d1://line_items#order_id", "d1://orders_enriched#*")).toBe(1);
    expect(hopOf("d1://orders#order_id", "d1://stg_orders#order_id")).toBe(2);
    expect(hopOf("d1://users#user_id", "d1://stg_orders#*")).toBe(2);
    expect(hopOf("d1://users#full_name", "d1://stg_orders#user_name")).toBe(2);
    for (let i = 1; i < hops.length; i++) expect(hops[i]?.hop).toBeGreaterThanOrEqual(hops[i - 1]?.hop ?? 0);
  });
  it("counts hops breadth first through a chain, and each edge once", () => {
    const chain: ColumnEdgeView[] = [
      { from: col("b", "x"), to: col("c", "x"), type: "DIRECT", subtype: "IDENTITY", taskId: "t2", ...w },
      { from: col("a", "x"), to: col("b", "x"), type: "DIRECT", subtype: "TRANSFORMATION", taskId: "t1", ...w },
      { from: col("c", "x"), to: col("a", "x"), type: "DIRECT", subtype: "IDENTITY", taskId: "t0", ...w },
    ];
    expect(columnHops(col("c", "x"), chain).map((h) => [h.edge.taskId, h.hop])).toEqual([
      ["t2", 1],
      ["t1", 2],
      ["t0", 3],
    ]);
    expect(columnHops(col("a", "x"), chain, "downstream").map((h) => [h.edge.taskId, h.hop])).toEqual([
      ["t1", 1],
      ["t2", 2],
      ["t0", 3],
    ]);
  });
  it("draws a node per column and an edge per column edge labelled with its kind", () => {
    const g = columnGraph(col("orders_enriched", "total_amount"), totalAmount);
    expect(g.nodes[0]).toEqual({ id: "d1://orders_enriched#total_amount", label: "total_amount", sub: "d1://orders_enriched" });
    expect(g.nodes.find((n) => n.id === "d1://orders_enriched#*")?.label).toBe("* (its rows)");
    expect(new Set(g.nodes.map((n) => n.id)).size).toBe(g.nodes.length);
    expect(g.edges[0]).toEqual({ from: "d1://line_items#amount", to: "d1://orders_enriched#total_amount", label: "aggregation", cls: "lk-direct lk-aggregation" });
    // A dataset's rows drawn into each of its columns in the walk.
    const rows = g.edges.filter((e) => e.cls === "lk-rows").map((e) => `${e.from}>${e.to}`);
    expect(rows).toEqual(["d1://orders_enriched#*>d1://orders_enriched#total_amount", "d1://stg_orders#*>d1://stg_orders#order_id", "d1://stg_orders#*>d1://stg_orders#user_name"]);
    expect(kindsUsed(totalAmount)).toEqual(new Set(["DIRECT/AGGREGATION", "INDIRECT/JOIN", "INDIRECT/GROUP_BY", "DIRECT/IDENTITY"]));
    expect(columnOfId("d1://orders_enriched#total_amount")).toEqual(col("orders_enriched", "total_amount"));
    expect(columnOfId("https://h/x#y")).toEqual({ dataset: "https://h/x", column: "y" });
  });
});

describe("the dataset graph", () => {
  it("has a node per dataset (also one only an edge names) and one edge per DAG task, labelled dag.task", () => {
    const g = datasetGraph(datasets, dsEdges);
    expect(g.nodes.map((n) => n.id)).toEqual(["d1://orders_enriched", "d1://stg_orders", "d1://line_items", "https://reports.example.test/orders", "d1://orders"]);
    expect(g.nodes[0]?.sub).toBe("d1 · 3 rows");
    expect(g.nodes.at(-1)?.sub).toBe("dataset");
    expect(g.edges.map((e) => e.label)).toEqual(["orders_lineage.enrich", "orders_lineage.enrich", "orders_lineage.publish", "orders_lineage.stage_orders"]);
    expect(datasetEdgeRows(dsEdges)).toHaveLength(4);
    expect(datasetSub(ds("d1://one", 1))).toBe("d1 · 1 row");
    expect(datasetSub(ds("https://x/y", null))).toBe("https");
  });
  it("lists the runs to read columns from: last writers, then edges' runs, each once, bounded", () => {
    expect(runsOfGraph(datasets, dsEdges)).toEqual([RUN, "older"]);
    expect(runsOfGraph(datasets, dsEdges, 1)).toEqual([RUN]);
  });
  it("lays datasets out left to right with each label placed, and draws them as links with the shown one marked in text", () => {
    const g = datasetGraph(datasets, dsEdges);
    const layout = layoutLineage(g.nodes, g.edges, "d1://orders_enriched");
    const at = Object.fromEntries(layout.nodes.map((n) => [n.id, n]));
    expect(at["d1://orders_enriched"]?.x).toBeGreaterThan((at["d1://stg_orders"]?.x ?? 0) + (at["d1://stg_orders"]?.width ?? 0));
    expect(at["https://reports.example.test/orders"]?.x).toBeGreaterThan(at["d1://orders_enriched"]?.x ?? 0);
    expect(at["d1://stg_orders"]?.x).toBeGreaterThan(at["d1://orders"]?.x ?? 0);
    for (const e of layout.edges) {
      expect(e.points.length).toBeGreaterThanOrEqual(2);
      const from = at[e.from];
      const to = at[e.to];
      expect(e.labelAt.x).toBeGreaterThan((from?.x ?? 0) + (from?.width ?? 0) - 1);
      expect(e.labelAt.x).toBeLessThan((to?.x ?? 0) + 1);
    }
    expect(labelWidth("orders_lineage.enrich")).toBeGreaterThan(100);
    const svg = lineageSvg(layout, { title: "Dataset lineage of d1://orders_enriched", focus: "d1://orders_enriched", hrefOf: (id) => hrefs.lineage(id) });
    expect(svg).toContain('aria-label="Dataset lineage of d1://orders_enriched"');
    expect(svg).toContain(`href="/lineage?dataset=${encodeURIComponent("d1://stg_orders")}"`);
    expect(svg).toContain('aria-current="true"');
    expect(svg).toContain("d1 · 3 rows · shown");
    expect(svg.match(/<a class="lnode/g)).toHaveLength(5);
    expect(svg.match(/class="edge-label/g)).toHaveLength(4);
    expect(svg).toContain(">orders_lineage.publish</text>");
  });
  it("escapes ids, labels and hrefs, and leaves out edges to unknown nodes and to themselves", () => {
    const layout = layoutLineage(
      [{ id: 'x://"<b>', label: '"<b>', sub: "<i>" }, { id: "y://z", label: "y://z", sub: "y" }],
      [
        { from: 'x://"<b>', to: "y://z", label: "<dag>.t" },
        { from: "y://z", to: "nowhere://", label: "gone" },
        { from: "y://z", to: "y://z", label: "self" },
      ],
    );
    expect(layout.edges).toHaveLength(1);
    const svg = lineageSvg(layout, { title: "<t>", hrefOf: (id) => `/lineage?dataset=${id}` });
    expect(svg).not.toContain("<b>");
    expect(svg).not.toContain("<i>");
    expect(svg).not.toContain("<dag>");
    expect(svg).toContain("&lt;dag&gt;.t");
  });
  it("lays a graph beyond the large-graph size out in linear time, labels at their edges' middle", () => {
    const nodes = Array.from({ length: 400 }, (_, i) => ({ id: `d1://t${i}`, label: `d1://t${i}`, sub: "d1" }));
    const edges = nodes.slice(1).map((n, i) => ({ from: `d1://t${i}`, to: n.id, label: "dag.task" }));
    const started = performance.now();
    const layout = layoutLineage(nodes, edges);
    expect(performance.now() - started).toBeLessThan(500);
    expect(layout.nodes).toHaveLength(400);
    const e = layout.edges[0];
    expect(e?.labelAt.x).toBeCloseTo(((e?.points[0]?.x ?? 0) + (e?.points[1]?.x ?? 0)) / 2);
  });
});

describe("columns of a dataset", () => {
  it("are those runs' edges name on either side and those read from the table, sorted, * last", () => {
    const run: RunLineageColumns = {
      tasks: [
        { edges: totalAmount.filter((e) => e.taskId === "enrich"), columns: { "d1://stg_orders": ["order_id", "user_id", "created_at", "user_name"] } },
        { edges: [{ from: col("orders_enriched", "user_name"), to: { dataset: "https://r/o", column: "customer" } }], columns: {} },
      ],
    };
    expect(datasetColumns("d1://orders_enriched", [run])).toEqual(["total_amount", "user_name", "*"]);
    expect(datasetColumns("d1://stg_orders", [run])).toEqual(["created_at", "order_id", "user_id", "user_name"]);
    expect(datasetColumns("d1://nothing", [run])).toEqual([]);
  });
});

describe("a cut walk", () => {
  it("says which bound cut it, or nothing when none did", () => {
    expect(truncatedText({ depth: false, nodes: false }, { depth: 2, maxDepth: null, maxNodes: 1000 })).toBeNull();
    expect(truncatedText({ depth: true, nodes: false }, { depth: 1, maxDepth: 1, maxNodes: 1000 })).toBe("Cut short: it stopped after 1 hop and there is more beyond (raise the depth).");
    expect(truncatedText({ depth: true, nodes: true }, { depth: 3, maxDepth: 3, maxNodes: 1000 })).toBe(
      "Cut short: it stopped after 3 hops and there is more beyond (raise the depth), and it reached its limit of 1,000 nodes.",
    );
  });
});

describe("the page's URL", () => {
  it("reads dataset, column, depth and direction with defaults, and writes them back leaving defaults out", () => {
    expect(readLineageQuery("")).toEqual({ dataset: null, column: null, depth: DEFAULT_DEPTH, direction: "both" });
    expect(readLineageQuery("?column=x")).toMatchObject({ dataset: null, column: null });
    const q = readLineageQuery(`?dataset=${encodeURIComponent("d1://orders_enriched")}&column=total_amount&depth=all&direction=upstream`);
    expect(q).toEqual({ dataset: "d1://orders_enriched", column: "total_amount", depth: null, direction: "upstream" });
    expect(readLineageQuery("?dataset=d1://x&depth=0").depth).toBe(DEFAULT_DEPTH);
    expect(readLineageQuery("?dataset=d1://x&depth=abc&direction=sideways")).toMatchObject({ depth: DEFAULT_DEPTH, direction: "both" });
    expect(lineageHref({ dataset: "d1://orders_enriched" })).toBe(`/lineage?dataset=${encodeURIComponent("d1://orders_enriched")}`);
    const href = lineageHref(q as typeof q & { dataset: string });
    expect(readLineageQuery(href.slice(href.indexOf("?")))).toEqual(q);
    expect(hrefs.lineage("d1://a b", "c")).toBe(`/lineage?dataset=d1%3A%2F%2Fa+b&column=c`);
    expect(hrefs.task("r1", "enrich")).toBe("/runs/r1#task-enrich");
  });
});
