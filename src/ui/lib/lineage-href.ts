/**
 * The lineage page's address, in its own file (no imports) so every page can link a dataset's
 * lineage without bundling the lineage page's code. Pure.
 */

/** The page's state in its URL: `/lineage?dataset=<uri>&column=<name>&depth=<n>&direction=<d>`. */
export interface LineageQuery {
  dataset: string | null;
  column: string | null;
  /** Hops of the dataset graph; null = as far as it goes. */
  depth: number | null;
  direction: "both" | "upstream" | "downstream";
}

export const DEFAULT_DEPTH = 3;

/** The URL of a lineage page state (defaults left out). */
export function lineageHref(q: Partial<LineageQuery> & { dataset: string }): string {
  const p = new URLSearchParams();
  p.set("dataset", q.dataset);
  if (q.column) p.set("column", q.column);
  if (q.depth !== undefined && q.depth !== DEFAULT_DEPTH) p.set("depth", q.depth === null ? "all" : String(q.depth));
  if (q.direction && q.direction !== "both") p.set("direction", q.direction);
  return `/lineage?${p.toString()}`;
}
