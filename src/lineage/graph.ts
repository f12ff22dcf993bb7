/**
 * Walks over recorded lineage, pure: "where did this column come from, through
 * which tasks, and which run last wrote it?" (upstream), and "what does it
 * feed?" (downstream). Breadth-first from one node, each node and edge visited
 * once (cycles, such as `UPDATE t SET n = n + 1`, end there), bounded by a
 * depth and a node count; the answer says when either bound cut it. The edges
 * are indexed by node once (`indexColumnEdges`), so a hop costs the edges it
 * follows, never a scan.
 */
import type { ColumnEdge, ColumnRef } from "./model";
import { columnKey, ROWS } from "./model";

/** A column edge as recorded: the task that wrote it and the latest run that did. */
export type RecordedColumnEdge = ColumnEdge & { dagId: string; taskId: string; runId: string | null };

/** A task reading one dataset and writing another. */
export interface DatasetEdge {
  from: string;
  to: string;
  dagId: string;
  taskId: string;
  runId: string | null;
}

export type Direction = "upstream" | "downstream";

export interface WalkLimits {
  direction: Direction;
  /** Hops from the start (default: unbounded). */
  maxDepth?: number;
  /** Nodes reached, the start included (default 1,000). */
  maxNodes?: number;
}

export interface ColumnWalkOptions extends WalkLimits {
  /**
   * Upstream of a column, also what decided its dataset's rows (edges into
   * `<dataset>#*`: filters, join keys, grouping). Default true.
   */
  rows?: boolean;
}

export interface Walk<E> {
  /** Every edge reached, in breadth-first order, each once. */
  edges: E[];
  /** Nodes reached, the start included. */
  nodes: number;
  /** The deepest hop taken. */
  depth: number;
  /** Which bound stopped the walk with more to see (both false: it saw everything). */
  truncated: { depth: boolean; nodes: boolean };
  maxDepth: number | null;
  maxNodes: number;
}

export const DEFAULT_MAX_NODES = 1000;

/** Column edges indexed by the node they leave and the node they enter. */
export interface ColumnGraph {
  into: Map<string, RecordedColumnEdge[]>;
  outOf: Map<string, RecordedColumnEdge[]>;
}

export function indexColumnEdges(edges: Iterable<RecordedColumnEdge>): ColumnGraph {
  const into = new Map<string, RecordedColumnEdge[]>();
  const outOf = new Map<string, RecordedColumnEdge[]>();
  for (const edge of edges) {
    push(into, columnKey(edge.to), edge);
    push(outOf, columnKey(edge.from), edge);
  }
  return { into, outOf };
}

/** The column edges reached from `start`. */
export function walkColumns(graph: ColumnGraph, start: ColumnRef, options: ColumnWalkOptions): Walk<RecordedColumnEdge> {
  const upstream = options.direction === "upstream";
  const withRows = upstream && options.rows !== false;
  return walk<RecordedColumnEdge>(columnKey(start), options, (key) => {
    const edges = (upstream ? graph.into : graph.outOf).get(key) ?? [];
    const hops = edges.map((edge) => ({ edge, next: columnKey(upstream ? edge.from : edge.to) }));
    if (withRows && !key.endsWith(`#${ROWS}`)) {
      const rowsKey = `${key.slice(0, key.lastIndexOf("#"))}#${ROWS}`;
      for (const edge of graph.into.get(rowsKey) ?? []) hops.push({ edge, next: columnKey(edge.from) });
    }
    return hops;
  });
}

/** Dataset edges indexed by the dataset they leave and the one they enter. */
export interface DatasetGraph {
  into: Map<string, DatasetEdge[]>;
  outOf: Map<string, DatasetEdge[]>;
}

export function indexDatasetEdges(edges: Iterable<DatasetEdge>): DatasetGraph {
  const into = new Map<string, DatasetEdge[]>();
  const outOf = new Map<string, DatasetEdge[]>();
  for (const edge of edges) {
    push(into, edge.to, edge);
    push(outOf, edge.from, edge);
  }
  return { into, outOf };
}

/** The dataset edges (tasks between datasets) reached from `start`. */
export function walkDatasets(graph: DatasetGraph, start: string, options: WalkLimits): Walk<DatasetEdge> {
  const upstream = options.direction === "upstream";
  return walk<DatasetEdge>(start, options, (key) =>
    ((upstream ? graph.into : graph.outOf).get(key) ?? []).map((edge) => ({ edge, next: upstream ? edge.from : edge.to })),
  );
}

/** A task's dataset edges: each input to each output. */
export function datasetEdgesOf(
  task: { dagId: string; taskId: string; runId: string | null },
  lineage: { inputs: string[]; outputs: string[] },
): DatasetEdge[] {
  return lineage.inputs.flatMap((from) => lineage.outputs.filter((to) => to !== from).map((to) => ({ from, to, ...task })));
}

function walk<E>(start: string, limits: WalkLimits, hops: (key: string) => Array<{ edge: E; next: string }>): Walk<E> {
  const maxDepth = limits.maxDepth ?? Number.POSITIVE_INFINITY;
  const maxNodes = limits.maxNodes ?? DEFAULT_MAX_NODES;
  const seen = new Set<string>([start]);
  const seenEdges = new Set<E>();
  const edges: E[] = [];
  const truncated = { depth: false, nodes: false };
  let deepest = 0;
  let frontier = [start];
  // `level` is the hops from the start to the frontier's nodes; their edges are hop level + 1.
  for (let level = 0; frontier.length > 0; level++) {
    const next: string[] = [];
    for (const key of frontier) {
      for (const hop of hops(key)) {
        if (seenEdges.has(hop.edge)) continue;
        if (level >= maxDepth) {
          truncated.depth = true;
          break;
        }
        if (!seen.has(hop.next)) {
          if (seen.size >= maxNodes) {
            truncated.nodes = true;
            continue;
          }
          seen.add(hop.next);
          next.push(hop.next);
        }
        seenEdges.add(hop.edge);
        edges.push(hop.edge);
        deepest = level + 1;
      }
      if (truncated.depth) break;
    }
    frontier = next;
  }
  return { edges, nodes: seen.size, depth: deepest, truncated, maxDepth: Number.isFinite(maxDepth) ? maxDepth : null, maxNodes };
}

function push<E>(map: Map<string, E[]>, key: string, edge: E): void {
  const list = map.get(key);
  if (list === undefined) map.set(key, [edge]);
  else list.push(edge);
}

/** A task's edges as recorded by one of its runs (`runId`: the run that last wrote them). */
export function recordedEdges(
  lineage: { edges: ColumnEdge[] },
  task: { dagId: string; taskId: string; runId: string | null },
): RecordedColumnEdge[] {
  return lineage.edges.map((edge) => ({ ...edge, ...task }));
}
