import { columnText, edgeKindClass, edgeKind } from "./lineage-kinds";
import { DEFAULT_DEPTH, type LineageQuery } from "./lineage-href";
import type { LineageEdgeIn, LineageNodeIn } from "./lineage-layout";

export { DEFAULT_DEPTH, lineageHref, type LineageQuery } from "./lineage-href";

/**
 * What the lineage page draws, from the lineage API's answers: the dataset graph's nodes and
 * labelled edges, a column walk as hops (how far each edge is from the picked column), the columns
 * known of a dataset, and what a cut walk says. Pure.
 */

export interface DatasetEdgeView {
  from: string;
  to: string;
  dagId: string;
  taskId: string;
  runId: string | null;
}

export interface DatasetView {
  uri: string;
  kind: string;
  lastWriter: { dagId: string | null; taskId: string | null; runId: string; at: string | null } | null;
  rowsChanged: number | null;
  rowCount: number | null;
}

export interface ColumnRef {
  dataset: string;
  column: string;
}

export interface ColumnEdgeView {
  from: ColumnRef;
  to: ColumnRef;
  type: string;
  subtype: string;
  dagId: string;
  taskId: string;
  runId: string | null;
}

export interface Truncated {
  depth: boolean;
  nodes: boolean;
}

/** A dataset node's second line: its kind and, when known, its rows. */
export function datasetSub(d: DatasetView | undefined): string {
  if (!d) return "dataset";
  const rows = d.rowCount === null ? "" : ` · ${d.rowCount.toLocaleString("en")} row${d.rowCount === 1 ? "" : "s"}`;
  return `${d.kind}${rows}`;
}

/**
 * The dataset graph: one node per dataset (the answer's list plus any an edge names), one edge per
 * (from, to, DAG, task), labelled `dag.task`.
 */
export function datasetGraph(datasets: readonly DatasetView[], edges: readonly DatasetEdgeView[]): { nodes: LineageNodeIn[]; edges: LineageEdgeIn[] } {
  const byUri = new Map(datasets.map((d) => [d.uri, d]));
  const order: string[] = datasets.map((d) => d.uri);
  for (const e of edges) for (const u of [e.from, e.to]) if (!order.includes(u)) order.push(u);
  const seen = new Set<string>();
  const out: LineageEdgeIn[] = [];
  for (const e of edges) {
    const key = `${e.from}\n${e.to}\n${e.dagId}\n${e.taskId}`;
    if (seen.has(key)) continue;
    seen.add(key);
    out.push({ from: e.from, to: e.to, label: `${e.dagId}.${e.taskId}`, cls: "ds-edge" });
  }
  return { nodes: order.map((u) => ({ id: u, label: u, sub: datasetSub(byUri.get(u)) })), edges: out };
}

/** The one writer per (DAG, task) of the dataset edges, for the table under the graph. */
export function datasetEdgeRows(edges: readonly DatasetEdgeView[]): DatasetEdgeView[] {
  const seen = new Set<string>();
  return edges.filter((e) => {
    const key = `${e.from}\n${e.to}\n${e.dagId}\n${e.taskId}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/** A column node's id. */
export const columnId = (ref: ColumnRef): string => `${ref.dataset}#${ref.column}`;

/** A column node's id read back (`d1://x#col`). */
export function columnOfId(id: string): ColumnRef {
  const at = id.lastIndexOf("#");
  return at < 0 ? { dataset: id, column: "*" } : { dataset: id.slice(0, at), column: id.slice(at + 1) };
}

export interface Hop {
  /** 1 for an edge into the picked column, 2 for one into those it came from, … */
  hop: number;
  edge: ColumnEdgeView;
}

/**
 * A column walk's edges in hops from the picked column, as the API's walk takes them (breadth
 * first; upstream: against the edges, a column's hop also taking the edges into its dataset's rows
 * `*`; downstream: along them), each edge once; an edge reached no such way comes last.
 */
export function columnHops(start: ColumnRef, edges: readonly ColumnEdgeView[], direction: "upstream" | "downstream" = "upstream"): Hop[] {
  const near = (e: ColumnEdgeView) => columnId(direction === "upstream" ? e.to : e.from);
  const far = (e: ColumnEdgeView) => columnId(direction === "upstream" ? e.from : e.to);
  const byNear = new Map<string, number[]>();
  edges.forEach((e, i) => {
    const k = near(e);
    const list = byNear.get(k);
    if (list) list.push(i);
    else byNear.set(k, [i]);
  });
  const level = new Map<string, number>([[columnId(start), 0]]);
  const hopOf = new Map<number, number>();
  const queue = [columnId(start)];
  for (let q = 0; q < queue.length; q++) {
    const node = queue[q] ?? "";
    const l = level.get(node) ?? 0;
    // As the API walks (`rows: true`): upstream of a column is also what decided its dataset's rows.
    const rows = direction === "upstream" && !node.endsWith("#*") ? (byNear.get(`${columnOfId(node).dataset}#*`) ?? []) : [];
    for (const i of [...(byNear.get(node) ?? []), ...rows]) {
      if (hopOf.has(i)) continue;
      hopOf.set(i, l + 1);
      const next = far(edges[i] as ColumnEdgeView);
      if (!level.has(next)) {
        level.set(next, l + 1);
        queue.push(next);
      }
    }
  }
  const reached: Hop[] = [];
  const rest: Hop[] = [];
  edges.forEach((edge, i) => {
    const h = hopOf.get(i);
    if (h === undefined) rest.push({ hop: Number.NaN, edge });
    else reached.push({ hop: h, edge });
  });
  reached.sort((a, b) => a.hop - b.hop);
  const last = reached.at(-1)?.hop ?? 0;
  return [...reached, ...rest.map((r) => ({ ...r, hop: last + 1 }))];
}

/** The column graph of a walk: a node per column, an edge per column edge labelled with its kind. */
export function columnGraph(start: ColumnRef, edges: readonly ColumnEdgeView[]): { nodes: LineageNodeIn[]; edges: LineageEdgeIn[] } {
  const ids: string[] = [columnId(start)];
  const refs = new Map<string, ColumnRef>([[columnId(start), start]]);
  for (const e of edges)
    for (const r of [e.from, e.to]) {
      const id = columnId(r);
      if (!refs.has(id)) {
        refs.set(id, r);
        ids.push(id);
      }
    }
  return {
    nodes: ids.map((id) => {
      const r = refs.get(id) ?? columnOfId(id);
      return { id, label: columnText(r.column), sub: r.dataset };
    }),
    edges: [
      ...edges.map((e) => ({ from: columnId(e.from), to: columnId(e.to), label: edgeKind(e.type, e.subtype).word, cls: edgeKindClass(e.type, e.subtype) })),
      // What decided a dataset's rows shapes each of its columns: drawn as a "rows" edge from `*`.
      ...ids.flatMap((id) => {
        const r = refs.get(id) ?? columnOfId(id);
        const rowsId = columnId({ dataset: r.dataset, column: "*" });
        return r.column !== "*" && refs.has(rowsId) ? [{ from: rowsId, to: id, label: ROWS_EDGE_LABEL, cls: "lk-rows" }] : [];
      }),
    ],
  };
}

/** The label of the drawn edge from a dataset's rows (`*`) to each of its columns in a walk. */
export const ROWS_EDGE_LABEL = "its rows";

/** The kinds a walk's edges use, in the legend's order (the legend lists these first). */
export function kindsUsed(edges: readonly ColumnEdgeView[]): Set<string> {
  return new Set(edges.map((e) => `${e.type}/${e.subtype}`));
}

/** What a run's lineage says about columns: edges and the columns read by PRAGMA, per dataset. */
export interface RunLineageColumns {
  tasks: ReadonlyArray<{ edges: ReadonlyArray<{ from: ColumnRef; to: ColumnRef }>; columns: Readonly<Record<string, readonly string[]>> }>;
}

/**
 * The columns lineage knows of a dataset, from runs' lineage (the columns edges name on either
 * side, and those read from the table): named columns sorted, then `*` (its rows) when an edge
 * names it.
 */
export function datasetColumns(uri: string, runs: readonly RunLineageColumns[]): string[] {
  const names = new Set<string>();
  for (const run of runs)
    for (const t of run.tasks) {
      for (const e of t.edges) for (const r of [e.from, e.to]) if (r.dataset === uri) names.add(r.column);
      for (const c of t.columns[uri] ?? []) names.add(c.toLowerCase());
    }
  const rows = names.delete("*");
  return [...[...names].sort((a, b) => a.localeCompare(b)), ...(rows ? ["*"] : [])];
}

/** The runs worth reading for a dataset graph's columns: each distinct run of its edges and last writers, at most `max`. */
export function runsOfGraph(datasets: readonly DatasetView[], edges: readonly DatasetEdgeView[], max = 8): string[] {
  const ids: string[] = [];
  const add = (id: string | null | undefined) => {
    if (id && !ids.includes(id)) ids.push(id);
  };
  for (const d of datasets) add(d.lastWriter?.runId);
  for (const e of edges) add(e.runId);
  return ids.slice(0, max);
}

/** A sentence saying where and why a walk was cut, or null when it was not. */
export function truncatedText(t: Truncated, limits: { depth: number; maxDepth: number | null; maxNodes: number }): string | null {
  const parts: string[] = [];
  if (t.depth) parts.push(`it stopped after ${limits.maxDepth ?? limits.depth} hop${(limits.maxDepth ?? limits.depth) === 1 ? "" : "s"} and there is more beyond (raise the depth)`);
  if (t.nodes) parts.push(`it reached its limit of ${limits.maxNodes.toLocaleString("en")} nodes`);
  return parts.length === 0 ? null : `Cut short: ${parts.join(", and ")}.`;
}

/** The lineage page's state read from its URL's query (`lineageHref` writes it). */
export function readLineageQuery(search: string): LineageQuery {
  const q = new URLSearchParams(search);
  const dataset = q.get("dataset")?.trim() || null;
  const column = q.get("column")?.trim() || null;
  const rawDepth = q.get("depth");
  const n = rawDepth === null ? DEFAULT_DEPTH : rawDepth === "all" ? null : Number(rawDepth);
  const depth = n === null ? null : Number.isInteger(n) && n >= 1 && n <= 1000 ? n : DEFAULT_DEPTH;
  const d = q.get("direction");
  const direction = d === "upstream" || d === "downstream" ? d : "both";
  return { dataset, column: dataset === null ? null : column, depth, direction };
}
