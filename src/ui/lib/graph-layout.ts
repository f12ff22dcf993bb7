import dagre from "@dagrejs/dagre";

/**
 * The task graph's geometry, left to right, computed by dagre (a layered "Sugiyama" layout).
 * Pure: tasks in, boxes and edge polylines out; the SVG is drawn from this by the client.
 */

export interface GraphTask {
  id: string;
  dependsOn: readonly string[];
}

export interface LaidOutNode {
  id: string;
  /** Top-left corner and size, in SVG user units. */
  x: number;
  y: number;
  width: number;
  height: number;
}

export interface LaidOutEdge {
  from: string;
  to: string;
  points: Array<{ x: number; y: number }>;
}

export interface GraphLayout {
  width: number;
  height: number;
  nodes: LaidOutNode[];
  edges: LaidOutEdge[];
}

export const NODE_HEIGHT = 40;
const MIN_NODE_WIDTH = 110;
const CHAR_WIDTH = 7.2;

/** A node wide enough for its id (monospace-ish estimate) and its state line. */
export function nodeWidth(id: string): number {
  return Math.max(MIN_NODE_WIDTH, Math.ceil(id.length * CHAR_WIDTH) + 28);
}

export function layoutGraph(tasks: readonly GraphTask[]): GraphLayout {
  const g = new dagre.graphlib.Graph();
  g.setGraph({ rankdir: "LR", nodesep: 14, ranksep: 48, marginx: 8, marginy: 8 });
  g.setDefaultEdgeLabel(() => ({}));
  const known = new Set(tasks.map((t) => t.id));
  for (const t of tasks) g.setNode(t.id, { width: nodeWidth(t.id), height: NODE_HEIGHT });
  for (const t of tasks) for (const d of t.dependsOn) if (known.has(d)) g.setEdge(d, t.id);
  dagre.layout(g);
  const nodes: LaidOutNode[] = tasks.map((t) => {
    const n = g.node(t.id);
    // dagre places a node by its centre.
    return { id: t.id, x: n.x - n.width / 2, y: n.y - n.height / 2, width: n.width, height: n.height };
  });
  const edges: LaidOutEdge[] = g.edges().map((e) => ({
    from: e.v,
    to: e.w,
    points: (g.edge(e).points ?? []).map((p: { x: number; y: number }) => ({ x: p.x, y: p.y })),
  }));
  const label = g.graph();
  return { width: Math.ceil(label.width ?? 0), height: Math.ceil(label.height ?? 0), nodes, edges };
}

/** An edge's polyline as an SVG path. */
export function edgePath(points: ReadonlyArray<{ x: number; y: number }>): string {
  return points.map((p, i) => `${i === 0 ? "M" : "L"}${p.x.toFixed(1)},${p.y.toFixed(1)}`).join(" ");
}

/**
 * Task ids in the order the graph reads, left to right then top to bottom (a topological order:
 * dagre ranks every task right of its upstream tasks). The grid's rows follow it.
 */
export function readingOrder(layout: GraphLayout): string[] {
  return [...layout.nodes].sort((a, b) => a.x - b.x || a.y - b.y).map((n) => n.id);
}
