import dagre from "@dagrejs/dagre";
import { edgePath, LARGE_GRAPH, layeredLayout, NODE_HEIGHT, nodeWidth, type LaidOutNode } from "./graph-layout";

/**
 * The lineage graphs' geometry, left to right: datasets (or columns) as boxes with two lines of
 * text, edges with a label each (the DAG and task that wrote it, or the column edge's kind). dagre
 * places the labels too; above `LARGE_GRAPH` nodes the task graph's linear-time layered layout
 * takes over and a label sits at its edge's middle. Pure.
 */

export interface LineageNodeIn {
  id: string;
  /** The first, bold line. */
  label: string;
  /** The second line. */
  sub: string;
}

export interface LineageEdgeIn {
  from: string;
  to: string;
  label: string;
  /** CSS classes of the edge (its kind). */
  cls?: string;
}

export type LineageNode = LaidOutNode & { label: string; sub: string };

export interface LineageEdge {
  from: string;
  to: string;
  label: string;
  cls: string;
  points: Array<{ x: number; y: number }>;
  /** The label's centre. */
  labelAt: { x: number; y: number };
}

export interface LineageLayout {
  width: number;
  height: number;
  nodes: LineageNode[];
  edges: LineageEdge[];
}

const LABEL_HEIGHT = 16;
const LABEL_CHAR = 6.4;

/** A label's box: wide enough for its text at 11 px. */
export function labelWidth(text: string): number {
  return Math.ceil(text.length * LABEL_CHAR) + 10;
}

/** What the focused node's second line adds (`lineageSvg` writes it), so its box is wide enough. */
export const FOCUS_SUFFIX = " · shown";

/** A box wide enough for both of its lines. */
function boxWidth(n: LineageNodeIn, focus: string | undefined): number {
  return Math.max(nodeWidth(n.label), nodeWidth(n.id === focus ? n.sub + FOCUS_SUFFIX : n.sub) - 6);
}

/**
 * Lays out a lineage graph; edges naming an unknown node (or a node itself) are left out. `focus`
 * is the node the page is about (its box makes room for the mark).
 */
export function layoutLineage(nodes: readonly LineageNodeIn[], edges: readonly LineageEdgeIn[], focus?: string): LineageLayout {
  const known = new Map(nodes.map((n) => [n.id, n]));
  const kept = edges.filter((e) => known.has(e.from) && known.has(e.to) && e.from !== e.to);
  return nodes.length > LARGE_GRAPH ? layeredLineage(nodes, kept) : dagreLineage(nodes, kept, focus);
}

function dagreLineage(nodes: readonly LineageNodeIn[], edges: readonly LineageEdgeIn[], focus: string | undefined): LineageLayout {
  const g = new dagre.graphlib.Graph({ multigraph: true });
  g.setGraph({ rankdir: "LR", nodesep: 18, ranksep: 64, edgesep: 10, marginx: 8, marginy: 8 });
  for (const n of nodes) g.setNode(n.id, { width: boxWidth(n, focus), height: NODE_HEIGHT });
  edges.forEach((e, i) => g.setEdge(e.from, e.to, { width: labelWidth(e.label), height: LABEL_HEIGHT, labelpos: "c" }, `e${i}`));
  dagre.layout(g);
  const laid: LineageNode[] = nodes.map((n) => {
    const p = g.node(n.id);
    return { id: n.id, label: n.label, sub: n.sub, x: p.x - p.width / 2, y: p.y - p.height / 2, width: p.width, height: p.height };
  });
  const out: LineageEdge[] = edges.map((e, i) => {
    const d = g.edge({ v: e.from, w: e.to, name: `e${i}` }) as { points?: Array<{ x: number; y: number }>; x?: number; y?: number };
    const points = (d.points ?? []).map((p) => ({ x: p.x, y: p.y }));
    return { from: e.from, to: e.to, label: e.label, cls: e.cls ?? "", points, labelAt: { x: d.x ?? middle(points).x, y: d.y ?? middle(points).y } };
  });
  const label = g.graph();
  return { width: Math.ceil(label.width ?? 0), height: Math.ceil(label.height ?? 0), nodes: laid, edges: out };
}

function layeredLineage(nodes: readonly LineageNodeIn[], edges: readonly LineageEdgeIn[]): LineageLayout {
  const deps = new Map<string, string[]>(nodes.map((n) => [n.id, []]));
  for (const e of edges) deps.get(e.to)?.push(e.from);
  const base = layeredLayout(nodes.map((n) => ({ id: n.id, dependsOn: deps.get(n.id) ?? [] })));
  const byId = new Map(base.nodes.map((n) => [n.id, n]));
  const laid: LineageNode[] = nodes.flatMap((n) => {
    const p = byId.get(n.id);
    return p ? [{ ...p, label: n.label, sub: n.sub }] : [];
  });
  const out: LineageEdge[] = edges.flatMap((e) => {
    const a = byId.get(e.from);
    const b = byId.get(e.to);
    if (!a || !b) return [];
    const points = [
      { x: a.x + a.width, y: a.y + NODE_HEIGHT / 2 },
      { x: b.x, y: b.y + NODE_HEIGHT / 2 },
    ];
    return [{ from: e.from, to: e.to, label: e.label, cls: e.cls ?? "", points, labelAt: middle(points) }];
  });
  return { width: base.width, height: base.height, nodes: laid, edges: out };
}

/** The point halfway along a polyline (by its vertices: good enough for a label). */
function middle(points: ReadonlyArray<{ x: number; y: number }>): { x: number; y: number } {
  if (points.length === 0) return { x: 0, y: 0 };
  const a = points[Math.floor((points.length - 1) / 2)] ?? { x: 0, y: 0 };
  const b = points[Math.ceil((points.length - 1) / 2)] ?? a;
  return { x: (a.x + b.x) / 2, y: (a.y + b.y) / 2 };
}

export { edgePath };
