/**
 * The current lineage graph, pure: each task's latest recorded lineage (one per DAG task) as
 * column edges and dataset edges carrying the task and the run that last wrote them, and the
 * walks over it the API answers (`both` directions for datasets: the two walks merged).
 */
import type { Lineage } from "./model";
import {
  datasetEdgesOf,
  indexColumnEdges,
  indexDatasetEdges,
  recordedEdges,
  walkDatasets,
  type ColumnGraph,
  type DatasetEdge,
  type DatasetGraph,
  type Walk,
  type WalkLimits,
} from "./graph";

/** One task's lineage as its latest successful attempt recorded it. */
export interface TaskLineageNode {
  dagId: string;
  taskId: string;
  runId: string;
  lineage: Lineage;
}

export function columnGraphOf(tasks: TaskLineageNode[]): ColumnGraph {
  return indexColumnEdges(tasks.flatMap((t) => recordedEdges(t.lineage, { dagId: t.dagId, taskId: t.taskId, runId: t.runId })));
}

export function datasetGraphOf(tasks: TaskLineageNode[]): DatasetGraph {
  return indexDatasetEdges(tasks.flatMap((t) => datasetEdgesOf({ dagId: t.dagId, taskId: t.taskId, runId: t.runId }, t.lineage)));
}

/** Whether any recorded task reads or writes the dataset. */
export function mentionsDataset(tasks: TaskLineageNode[], uri: string): boolean {
  return tasks.some((t) => t.lineage.inputs.includes(uri) || t.lineage.outputs.includes(uri));
}

export type DatasetDirection = WalkLimits["direction"] | "both";

/** A dataset walk, both directions merged when asked: edges once each, bounds reported by either walk. */
export function walkDatasetsBoth(
  graph: DatasetGraph,
  start: string,
  options: Omit<WalkLimits, "direction"> & { direction: DatasetDirection },
): Walk<DatasetEdge> {
  if (options.direction !== "both") return walkDatasets(graph, start, { ...options, direction: options.direction });
  const up = walkDatasets(graph, start, { ...options, direction: "upstream" });
  const down = walkDatasets(graph, start, { ...options, direction: "downstream" });
  const edges = [...up.edges, ...down.edges.filter((e) => !up.edges.includes(e))];
  const nodes = new Set<string>([start]);
  for (const e of edges) {
    nodes.add(e.from);
    nodes.add(e.to);
  }
  return {
    edges,
    nodes: nodes.size,
    depth: Math.max(up.depth, down.depth),
    truncated: { depth: up.truncated.depth || down.truncated.depth, nodes: up.truncated.nodes || down.truncated.nodes },
    maxDepth: up.maxDepth,
    maxNodes: up.maxNodes,
  };
}

/** The datasets a dataset walk reached, the start first. */
export function datasetsReached(start: string, edges: DatasetEdge[]): string[] {
  const seen = new Set<string>([start]);
  for (const e of edges) {
    seen.add(e.from);
    seen.add(e.to);
  }
  return [...seen];
}
