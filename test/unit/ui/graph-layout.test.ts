import { describe, expect, it } from "vitest";
import { edgePath, LARGE_GRAPH, layeredLayout, layoutGraph, NODE_HEIGHT, nodeWidth, readingOrder } from "../../../src/ui/lib/graph-layout";

const diamond = [
  { id: "extract", dependsOn: [] },
  { id: "left", dependsOn: ["extract"] },
  { id: "right", dependsOn: ["extract"] },
  { id: "join", dependsOn: ["left", "right"] },
];

describe("layoutGraph", () => {
  it("lays a diamond out left to right: each task right of its upstream tasks, siblings stacked", () => {
    const g = layoutGraph(diamond);
    const at = Object.fromEntries(g.nodes.map((n) => [n.id, n]));
    expect(at.left?.x).toBeGreaterThan((at.extract?.x ?? 0) + (at.extract?.width ?? 0));
    expect(at.join?.x).toBeGreaterThan((at.left?.x ?? 0) + (at.left?.width ?? 0));
    expect(at.left?.x).toBe(at.right?.x);
    expect(at.left?.y).not.toBe(at.right?.y);
    expect(g.edges.map((e) => `${e.from}>${e.to}`).sort()).toEqual(["extract>left", "extract>right", "left>join", "right>join"]);
    for (const e of g.edges) expect(e.points.length).toBeGreaterThanOrEqual(2);
    for (const n of g.nodes) {
      expect(n.x).toBeGreaterThanOrEqual(0);
      expect(n.x + n.width).toBeLessThanOrEqual(g.width);
      expect(n.y + n.height).toBeLessThanOrEqual(g.height);
    }
  });

  it("sizes nodes for their ids and ignores a dependency on an unknown task", () => {
    const g = layoutGraph([{ id: "a_very_long_task_name_indeed", dependsOn: ["missing"] }]);
    expect(g.nodes[0]?.width).toBe(nodeWidth("a_very_long_task_name_indeed"));
    expect(g.nodes[0]?.height).toBe(NODE_HEIGHT);
    expect(g.edges).toEqual([]);
  });

  it("reads in topological order, and a 1,000-task DAG lays out", () => {
    expect(readingOrder(layoutGraph(diamond))).toEqual(["extract", expect.any(String), expect.any(String), "join"]);
    const big = Array.from({ length: 1000 }, (_, i) => ({ id: `t${i}`, dependsOn: i < 10 ? [] : [`t${i - 10}`, `t${i - 1 - (i % 10 === 0 ? 0 : 1)}`] }));
    const g = layoutGraph(big);
    expect(g.nodes).toHaveLength(1000);
    const order = readingOrder(g);
    expect(order.indexOf("t0")).toBeLessThan(order.indexOf("t10"));
  });

  it("draws an edge as an SVG path", () => {
    expect(edgePath([{ x: 0, y: 1 }, { x: 2.25, y: 3 }])).toBe("M0.0,1.0 L2.3,3.0");
  });
});

describe("layeredLayout (large DAGs)", () => {
  it("puts every task right of its upstream tasks, rows by barycentre, straight edges", () => {
    const g = layeredLayout([
      { id: "a", dependsOn: [] },
      { id: "b", dependsOn: [] },
      { id: "c", dependsOn: ["b"] },
      { id: "d", dependsOn: ["a", "c"] },
    ]);
    const at = Object.fromEntries(g.nodes.map((n) => [n.id, n]));
    expect(at.c?.x).toBeGreaterThan(at.b?.x ?? 0);
    expect(at.d?.x).toBeGreaterThan(at.c?.x ?? 0);
    expect(at.a?.x).toBe(at.b?.x);
    expect(g.edges).toHaveLength(3);
    const cd = g.edges.find((e) => e.from === "c" && e.to === "d");
    expect(cd?.points).toEqual([
      { x: (at.c?.x ?? 0) + (at.c?.width ?? 0), y: (at.c?.y ?? 0) + NODE_HEIGHT / 2 },
      { x: at.d?.x, y: (at.d?.y ?? 0) + NODE_HEIGHT / 2 },
    ]);
    for (const n of g.nodes) expect(n.y + n.height).toBeLessThanOrEqual(g.height);
  });

  it("takes over above LARGE_GRAPH tasks and handles a 5,000-deep chain", () => {
    const big = Array.from({ length: LARGE_GRAPH + 1 }, (_, i) => ({ id: `t${i}`, dependsOn: i === 0 ? [] : [`t${i - 1}`] }));
    expect(layoutGraph(big)).toEqual(layeredLayout(big));
    const chain = Array.from({ length: 5_000 }, (_, i) => ({ id: `c${i}`, dependsOn: i === 0 ? [] : [`c${i - 1}`] }));
    expect(readingOrder(layeredLayout(chain)).slice(0, 3)).toEqual(["c0", "c1", "c2"]);
  });
});
