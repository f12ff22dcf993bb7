/**
 * Declared lineage, for tasks whose SQL we cannot see (http, function): the
 * task field `datasets: { inputs, outputs, columns }`, where `columns` maps an
 * output column to the input columns it comes from, with OpenLineage's kinds:
 *
 *   "datasets": {
 *     "inputs": ["https://api.example.test/orders"],
 *     "outputs": ["d1://orders_raw"],
 *     "columns": {
 *       "d1://orders_raw#amount": [{ "from": "https://api.example.test/orders#total", "type": "DIRECT", "subtype": "IDENTITY" }]
 *     }
 *   }
 *
 * The schema checks that each mapped column belongs to a declared output and
 * reads a declared input, so a typo is an error naming its path.
 */
import { z } from "zod";
import { canonicalDatasetUri, parseColumnRef } from "./dataset-uri";
import type { ColumnEdge, Lineage } from "./model";
import { DirectSubtypeSchema, IndirectSubtypeSchema, uniqueEdges } from "./model";

/** `scheme://rest`, no `#` (that separates the column), no whitespace. */
export const DatasetUriSchema = z
  .string()
  .min(1)
  .max(512)
  .regex(/^[a-z][a-z0-9+.-]*:\/\/[^\s#]+$/i, "a dataset is a URI: d1://<table>, r2://<bucket>/<prefix>, https://host/path, <namespace>://<name>");

/** `<dataset>#<column>`. */
export const ColumnPathSchema = z
  .string()
  .min(3)
  .max(640)
  .regex(/^[a-z][a-z0-9+.-]*:\/\/[^\s#]+#[^\s#]+$/i, "a column is <dataset URI>#<column>");

export const DeclaredColumnSourceSchema = z.discriminatedUnion("type", [
  z.object({ from: ColumnPathSchema, type: z.literal("DIRECT"), subtype: DirectSubtypeSchema }).strict(),
  z.object({ from: ColumnPathSchema, type: z.literal("INDIRECT"), subtype: IndirectSubtypeSchema }).strict(),
]);
export type DeclaredColumnSource = z.infer<typeof DeclaredColumnSourceSchema>;

/** The task field `datasets` (replaces the spec's `{ inputs, outputs }`, which it extends). */
export const DeclaredLineageSchema = z
  .object({
    inputs: z.array(DatasetUriSchema).max(100).optional(),
    outputs: z.array(DatasetUriSchema).max(100).optional(),
    columns: z.record(ColumnPathSchema, z.array(DeclaredColumnSourceSchema).min(1).max(100)).optional(),
  })
  .strict()
  .superRefine((value, ctx) => {
    const inputs = new Set((value.inputs ?? []).map(canonicalDatasetUri));
    const outputs = new Set((value.outputs ?? []).map(canonicalDatasetUri));
    for (const [target, sources] of Object.entries(value.columns ?? {})) {
      const to = parseColumnRef(target);
      if (to !== null && !outputs.has(canonicalDatasetUri(to.dataset))) {
        ctx.addIssue({ code: "custom", path: ["columns", target], message: `'${to.dataset}' is not one of the task's outputs` });
      }
      sources.forEach((source, i) => {
        const from = parseColumnRef(source.from);
        if (from !== null && !inputs.has(canonicalDatasetUri(from.dataset))) {
          ctx.addIssue({ code: "custom", path: ["columns", target, i, "from"], message: `'${from.dataset}' is not one of the task's inputs` });
        }
      });
    }
  });
export type DeclaredLineage = z.infer<typeof DeclaredLineageSchema>;

/** Declared lineage (already validated) in the edge model, URIs in their canonical spelling. */
export function declaredLineage(declared: DeclaredLineage): Lineage {
  const edges: ColumnEdge[] = [];
  for (const [target, sources] of Object.entries(declared.columns ?? {})) {
    const to = parseColumnRef(target);
    if (to === null) continue;
    for (const source of sources) {
      const from = parseColumnRef(source.from);
      if (from === null) continue;
      const transformation =
        source.type === "DIRECT" ? { type: source.type, subtype: source.subtype } : { type: source.type, subtype: source.subtype };
      edges.push({
        from: { dataset: canonicalDatasetUri(from.dataset), column: from.column },
        to: { dataset: canonicalDatasetUri(to.dataset), column: to.column },
        ...transformation,
      });
    }
  }
  return {
    inputs: [...new Set((declared.inputs ?? []).map(canonicalDatasetUri))],
    outputs: [...new Set((declared.outputs ?? []).map(canonicalDatasetUri))],
    edges: uniqueEdges(edges),
    needsColumns: [],
    complete: true,
    reasons: [],
  };
}
