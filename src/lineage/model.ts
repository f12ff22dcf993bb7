/**
 * The lineage model: datasets are URIs, columns are (dataset, column), and an
 * edge says how one column feeds another, with OpenLineage's kinds. The SQL
 * analyser, declared lineage, the graph walks and the OpenLineage builder all
 * speak it. Column `*` stands for a dataset's rows: `COUNT(*)` reads it, and
 * an INDIRECT edge into it (a WHERE, a join key, a GROUP BY, an ORDER BY)
 * shapes the whole output (OpenLineage's dataset-level `dataset` list).
 */
import { z } from "zod";

/** The column that stands for a dataset's rows. */
export const ROWS = "*";

export const DirectSubtypeSchema = z.enum(["IDENTITY", "TRANSFORMATION", "AGGREGATION"]);
export type DirectSubtype = z.infer<typeof DirectSubtypeSchema>;

export const IndirectSubtypeSchema = z.enum(["FILTER", "JOIN", "GROUP_BY", "SORT", "WINDOW", "CONDITIONAL"]);
export type IndirectSubtype = z.infer<typeof IndirectSubtypeSchema>;

/** OpenLineage's transformation kind: DIRECT carries values, INDIRECT decides which or in what order. */
export const TransformationSchema = z.discriminatedUnion("type", [
  z.object({ type: z.literal("DIRECT"), subtype: DirectSubtypeSchema }),
  z.object({ type: z.literal("INDIRECT"), subtype: IndirectSubtypeSchema }),
]);
export type Transformation = z.infer<typeof TransformationSchema>;
export type EdgeType = Transformation["type"];
export type EdgeSubtype = Transformation["subtype"];

export const ColumnRefSchema = z.object({ dataset: z.string().min(1), column: z.string().min(1) });
export type ColumnRef = z.infer<typeof ColumnRefSchema>;

/** One column feeding another. */
export const ColumnEdgeSchema = z.intersection(
  z.object({ from: ColumnRefSchema, to: ColumnRefSchema }),
  TransformationSchema,
);
export type ColumnEdge = z.infer<typeof ColumnEdgeSchema>;

/**
 * What one statement (or a whole task) reads and writes. `needsColumns` names
 * the tables whose columns the analysis had to know and did not (a `SELECT *`,
 * an INSERT without a column list, an unqualified column among several tables,
 * a NATURAL join): the edges are then incomplete, and analysing again with
 * those tables' columns (`PRAGMA table_info`) completes them. `reason` says why
 * a statement got only table-level lineage (no column edges), or what part of
 * it was not analysed.
 */
export const LineageSchema = z.object({
  inputs: z.array(z.string()),
  outputs: z.array(z.string()),
  edges: z.array(ColumnEdgeSchema),
  needsColumns: z.array(z.string()),
  complete: z.boolean(),
  reasons: z.array(z.string()),
});
export type Lineage = z.infer<typeof LineageSchema>;

/** A stable key for a column node (`<dataset>#<column>`): datasets are URIs, which never contain `#` here. */
export function columnKey(ref: ColumnRef): string {
  return `${ref.dataset}#${ref.column}`;
}

/** Edges without repeats (same from, to and kind), in first-seen order. */
export function uniqueEdges(edges: ColumnEdge[]): ColumnEdge[] {
  const seen = new Set<string>();
  const out: ColumnEdge[] = [];
  for (const edge of edges) {
    const key = `${columnKey(edge.from)}>${columnKey(edge.to)}>${edge.type}>${edge.subtype}`;
    if (seen.has(key)) continue;
    seen.add(key);
    out.push(edge);
  }
  return out;
}

/** Several statements' (or sources') lineage as one: inputs, outputs and edges in first-seen order. */
export function mergeLineage(parts: Lineage[]): Lineage {
  const inputs = new Set<string>();
  const outputs = new Set<string>();
  const needs = new Set<string>();
  const reasons: string[] = [];
  const edges: ColumnEdge[] = [];
  for (const part of parts) {
    for (const d of part.inputs) inputs.add(d);
    for (const d of part.outputs) outputs.add(d);
    for (const t of part.needsColumns) needs.add(t);
    reasons.push(...part.reasons);
    edges.push(...part.edges);
  }
  return {
    inputs: [...inputs],
    outputs: [...outputs],
    edges: uniqueEdges(edges),
    needsColumns: [...needs],
    complete: parts.every((p) => p.complete),
    reasons,
  };
}
