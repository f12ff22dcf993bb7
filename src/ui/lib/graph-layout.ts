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

/**
 * Above this many tasks the graph is laid out by `layeredLayout` instead of dagre: dagre's network
 * simplex ranking and crossing minimisation take about 10 s for 1,000 tasks with 2,000 edges
 * (measured), where the page must render in under a second.
 */
export const LARGE_GRAPH = 300;

/** The graph's layout: dagre for ordinary DAGs, the linear-time layered layout for large ones. */
export function layoutGraph(tasks: readonly GraphTask[]): GraphLayout {
  return tasks.length > LARGE_GRAPH ? layeredLayout(tasks) : dagreLayout(tasks);
}

const RANK_GAP = 48;
const ROW_GAP = 12;
const MARGIN = 8;

/**
 * A linear-time layered layout for large DAGs: each task's column is its longest path from a root
 * (so every task sits right of its upstream tasks), rows ordered by one barycentre sweep (a task
 * near the mean row of its upstream tasks), edges drawn straight from the right side of the
 * upstream node to the left side of the downstream one.
 */
export function layeredLayout(tasks: readonly GraphTask[]): GraphLayout {
  const byId = new Map(tasks.map((t) => [t.id, t]));
  const rank = new Map<string, number>();
  // Longest path from the roots, iteratively (a 10,000-deep chain must not overflow the stack).
  const indegree = new Map<string, number>();
  const downstream = new Map<string, string[]>();
  for (const t of tasks) {
    const deps = t.dependsOn.filter((d) => byId.has(d));
    indegree.set(t.id, deps.length);
    for (const d of deps) {
      const list = downstream.get(d);
      if (list) list.push(t.id);
      else downstream.set(d, [t.id]);
    }
  }
  const queue = tasks.filter((t) => indegree.get(t.id) === 0).map((t) => t.id);
  for (const id of queue) rank.set(id, 0);
  for (let i = 0; i < queue.length; i++) {
    const id = queue[i] ?? "";
    for (const next of downstream.get(id) ?? []) {
      rank.set(next, Math.max(rank.get(next) ?? 0, (rank.get(id) ?? 0) + 1));
      const left = (indegree.get(next) ?? 1) - 1;
      indegree.set(next, left);
      if (left === 0) queue.push(next);
    }
  }
  const columns: string[][] = [];
  for (const id of queue) (columns[rank.get(id) ?? 0] ??= []).push(id);
  const row = new Map<string, number>();
  for (const col of columns) {
    const mean = (id: string) => {
      const deps = (byId.get(id)?.dependsOn ?? []).filter((d) => row.has(d));
      return deps.length === 0 ? Number.POSITIVE_INFINITY : deps.reduce((s, d) => s + (row.get(d) ?? 0), 0) / deps.length;
    };
    const keyed = col.map((id, i) => ({ id, key: mean(id), i }));
    keyed.sort((a, b) => (a.key === b.key ? a.i - b.i : a.key - b.key));
    keyed.forEach((k, i) => row.set(k.id, i));
    col.splice(0, col.length, ...keyed.map((k) => k.id));
  }
  const colWidth = columns.map((col) => Math.max(...col.map(nodeWidth)));
  const colX: number[] = [];
  let x = MARGIN;
  for (const w of colWidth) {
    colX.push(x);
    x += w + RANK_GAP;
  }
  const tallest = Math.max(0, ...columns.map((c) => c.length));
  const nodes: LaidOutNode[] = [];
  const at = new Map<string, LaidOutNode>();
  columns.forEach((col, c) =>
    col.forEach((id, r) => {
      const n = { id, x: colX[c] ?? 0, y: MARGIN + r * (NODE_HEIGHT + ROW_GAP), width: nodeWidth(id), height: NODE_HEIGHT };
      nodes.push(n);
      at.set(id, n);
    }),
  );
  const edges: LaidOutEdge[] = [];
  for (const t of tasks) {
    const to = at.get(t.id);
    for (const d of t.dependsOn) {
      const from = at.get(d);
      if (!from || !to) continue;
      edges.push({
        from: d,
        to: t.id,
        points: [
          { x: from.x + from.width, y: from.y + NODE_HEIGHT / 2 },
          { x: to.x, y: to.y + NODE_HEIGHT / 2 },
        ],
      });
    }
  }
  // Tasks of a cycle never reach indegree 0; validation refuses cycles, so this is only a guard.
  return { width: Math.ceil(x - RANK_GAP + MARGIN), height: Math.ceil(MARGIN * 2 + tallest * (NODE_HEIGHT + ROW_GAP)), nodes, edges };
}

/** dagre's layered layout (network simplex ranks, crossing minimisation, Brandes–Köpf positions). */
export function dagreLayout(tasks: readonly GraphTask[]): GraphLayout {
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
