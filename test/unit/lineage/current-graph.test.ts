import { describe, expect, it } from "vitest";
import { columnGraphOf, datasetGraphOf, datasetsReached, mentionsDataset, walkDatasetsBoth, type TaskLineageNode } from "../../../src/lineage/current-graph";
import { walkColumns } from "../../../src/lineage/graph";
import type { Lineage } from "../../../src/lineage/model";
import { runLineageView } from "../../../src/lineage/run-lineage-view";

const lineage = (inputs: string[], outputs: string[], edges: Lineage["edges"] = []): Lineage => ({ inputs, outputs, edges, needsColumns: [], complete: true, reasons: [] });
const tasks: TaskLineageNode[] = [
  { dagId: "etl", taskId: "stage", runId: "r1", lineage: lineage(["d1://raw"], ["d1://stg"], [{ from: { dataset: "d1://raw", column: "a" }, to: { dataset: "d1://stg", column: "a" }, type: "DIRECT", subtype: "IDENTITY" }]) },
  { dagId: "etl", taskId: "mart", runId: "r2", lineage: lineage(["d1://stg"], ["d1://mart"], [{ from: { dataset: "d1://stg", column: "a" }, to: { dataset: "d1://mart", column: "total" }, type: "DIRECT", subtype: "AGGREGATION" }]) },
  { dagId: "bi", taskId: "export", runId: "r3", lineage: lineage(["d1://mart"], ["https://bi.test/x"]) },
];

describe("the current graph: each task's latest lineage", () => {
  it("column edges carry the task and run that last wrote them", () => {
    const walk = walkColumns(columnGraphOf(tasks), { dataset: "d1://mart", column: "total" }, { direction: "upstream" });
    expect(walk.edges.map((e) => `${e.from.dataset}.${e.from.column} ${e.subtype} ${e.taskId} ${e.runId}`)).toEqual([
      "d1://stg.a AGGREGATION mart r2",
      "d1://raw.a IDENTITY stage r1",
    ]);
  });

  it("a dataset walk in both directions merges the two, bounds reported by either", () => {
    const graph = datasetGraphOf(tasks);
    const both = walkDatasetsBoth(graph, "d1://stg", { direction: "both" });
    expect(both.edges.map((e) => `${e.from} -> ${e.to}`)).toEqual(["d1://raw -> d1://stg", "d1://stg -> d1://mart", "d1://mart -> https://bi.test/x"]);
    expect(both.nodes).toBe(4);
    expect(datasetsReached("d1://stg", both.edges)).toEqual(["d1://stg", "d1://raw", "d1://mart", "https://bi.test/x"]);
    const near = walkDatasetsBoth(graph, "d1://stg", { direction: "both", maxDepth: 1 });
    expect(near.edges.map((e) => `${e.from} -> ${e.to}`)).toEqual(["d1://raw -> d1://stg", "d1://stg -> d1://mart"]);
    expect(near.truncated).toEqual({ depth: true, nodes: false });
    expect(walkDatasetsBoth(graph, "d1://stg", { direction: "downstream" }).edges).toHaveLength(2);
  });

  it("knows which datasets the graph mentions", () => {
    expect(mentionsDataset(tasks, "https://bi.test/x")).toBe(true);
    expect(mentionsDataset(tasks, "d1://nope")).toBe(false);
  });
});

describe("a run's lineage view", () => {
  it("each attempt with its outputs' rows changed, and the run's datasets read and written", () => {
    const view = runLineageView("r1", {
      attempts: [{ taskKey: "stage", attempt: 2, taskId: "stage", dagId: "etl", lineage: tasks[0]?.lineage ?? lineage([], []), columns: {}, recordedAt: 0 }],
      datasets: [
        { taskKey: "stage", attempt: 2, role: "output", dataset: "d1://stg", rows: 12 },
        { taskKey: "stage", attempt: 2, role: "input", dataset: "d1://raw", rows: null },
      ],
    });
    expect(view.datasets).toEqual({ read: ["d1://raw"], written: ["d1://stg"] });
    expect(view.tasks[0]).toMatchObject({ taskId: "stage", attempt: 2, outputs: [{ dataset: "d1://stg", rowsChanged: 12 }], recordedAt: "1970-01-01T00:00:00.000Z" });
  });
});
