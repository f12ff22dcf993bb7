/**
 * OpenLineage's edge kinds in words: what each `type`/`subtype` of a column edge means, how the
 * lineage page draws it (a line style as well as a colour), and the legend. Pure.
 */

export type EdgeType = "DIRECT" | "INDIRECT";

export interface EdgeKind {
  type: EdgeType;
  subtype: string;
  /** The subtype as a lower-case word, shown on the edge ("aggregation"). */
  word: string;
  /** What the edge says, from the downstream column's point of view. */
  meaning: string;
}

/** Every kind, DIRECT first (values flow), then INDIRECT (what decides rows or order). */
export const EDGE_KINDS: readonly EdgeKind[] = [
  { type: "DIRECT", subtype: "IDENTITY", word: "identity", meaning: "copied unchanged" },
  { type: "DIRECT", subtype: "TRANSFORMATION", word: "transformation", meaning: "computed from it (an expression, a cast, a CASE result)" },
  { type: "DIRECT", subtype: "AGGREGATION", word: "aggregation", meaning: "aggregated from it (SUM, COUNT, AVG, MIN, MAX…)" },
  { type: "INDIRECT", subtype: "FILTER", word: "filter", meaning: "it decides which rows (WHERE, HAVING, LIMIT)" },
  { type: "INDIRECT", subtype: "JOIN", word: "join", meaning: "it is a join key" },
  { type: "INDIRECT", subtype: "GROUP_BY", word: "group by", meaning: "rows are grouped by it" },
  { type: "INDIRECT", subtype: "SORT", word: "sort", meaning: "rows are ordered by it" },
  { type: "INDIRECT", subtype: "WINDOW", word: "window", meaning: "a window's partition or order" },
  { type: "INDIRECT", subtype: "CONDITIONAL", word: "conditional", meaning: "a CASE condition chooses the value" },
];

const BY_SUBTYPE = new Map(EDGE_KINDS.map((k) => [k.subtype, k]));

/** The kind of an edge; an unknown subtype keeps its own name in words. */
export function edgeKind(type: string, subtype: string): EdgeKind {
  const known = BY_SUBTYPE.get(subtype);
  if (known && known.type === type) return known;
  return {
    type: type === "INDIRECT" ? "INDIRECT" : "DIRECT",
    subtype,
    word: subtype.toLowerCase().replaceAll("_", " "),
    meaning: type === "INDIRECT" ? "it decides rows or order" : "values flow from it",
  };
}

/** An edge's kind as one phrase: "DIRECT · aggregation". */
export function edgeKindText(type: string, subtype: string): string {
  return `${type} · ${edgeKind(type, subtype).word}`;
}

/** The CSS class of an edge's kind (`lk-direct lk-aggregation`): colour and line style. */
export function edgeKindClass(type: string, subtype: string): string {
  const k = edgeKind(type, subtype);
  return `lk-${k.type.toLowerCase()} lk-${k.subtype.toLowerCase().replaceAll("_", "-")}`;
}

/** A column's name in words: `*` stands for the dataset's rows. */
export function columnText(column: string): string {
  return column === "*" ? "* (its rows)" : column;
}
