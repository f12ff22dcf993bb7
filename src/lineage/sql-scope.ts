/**
 * Name resolution for the SQL analyser: what a query's columns are made of,
 * the relations a FROM clause brings into scope, and how a column name finds
 * its real table through aliases, subqueries and CTEs. A CTE or a subquery is
 * never a dataset: its columns are kept as the real-table origins they were
 * computed from, so every edge the analyser emits starts at a real table.
 */
import type { Transformation } from "./model";
import { ROWS } from "./model";

/** A real table's column feeding a value, and how. */
export interface Origin {
  table: string;
  column: string;
  t: Transformation;
}

/** A named output column of a query, subquery or CTE. */
export interface OutColumn {
  kind: "column";
  name: string;
  origins: Origin[];
}

/** The columns of a real table nobody told us (`SELECT *` over it): they pass through unchanged. */
export interface StarColumns {
  kind: "star";
  table: string;
}

export type OutItem = OutColumn | StarColumns;

/** What a query produces: its columns in order, what shapes its rows, the real tables it read. */
export interface Shape {
  items: OutItem[];
  /** INDIRECT origins that decide the rows (WHERE, join keys, GROUP BY, ORDER BY), of this query and the ones it reads. */
  rows: Origin[];
  /** Real tables read, for `COUNT(*)` over this query (its rows come from theirs). */
  tables: Set<string>;
  /** A part could not be analysed (a table-valued function): its columns are unknown. */
  opaque: boolean;
}

/** A FROM item: a real table, a CTE or a subquery, under its alias. */
export interface Relation {
  alias: string;
  /** Set for a real table. */
  table: string | null;
  shape: Shape;
}

/** What the whole analysis of one SQL text shares. */
export interface Context {
  columnsOf: (table: string) => string[] | undefined;
  /** Tables whose columns were needed and unknown. */
  needs: Set<string>;
  /** Real tables read by FROM clauses and subqueries. */
  inputs: Set<string>;
  reasons: string[];
  /** A part of the statement was opaque: its column lineage is not to be trusted. */
  opaque: boolean;
  /** The SQL text, to name unaliased expression columns as SQLite does (by their text). */
  text: string;
}

/** One level of name resolution: a query's FROM relations, its CTEs, and the enclosing query's scope. */
export class Scope {
  readonly relations: Relation[] = [];
  readonly ctes = new Map<string, Shape>();
  /** Columns named in a `USING (…)`: unqualified, they mean the left table's and are not ambiguous. */
  readonly usingColumns = new Set<string>();
  /** The query's output columns by name, for ORDER BY / GROUP BY / HAVING on an alias. */
  outputs: Map<string, OutColumn> | null = null;
  namedWindows = new Map<string, unknown>();

  constructor(
    readonly ctx: Context,
    readonly parent: Scope | null,
  ) {}

  cte(name: string): Shape | undefined {
    return this.ctes.get(name) ?? this.parent?.cte(name);
  }

  relation(alias: string): Relation | undefined {
    const lower = alias.toLowerCase();
    for (let i = this.relations.length - 1; i >= 0; i--) {
      const rel = this.relations[i];
      if (rel !== undefined && rel.alias === lower) return rel;
    }
    return this.parent?.relation(alias);
  }

  /**
   * The origins of column `name` (of relation `qualifier` when given). Null
   * when nothing in scope has that name (the caller may try an output alias);
   * an empty list when the name is known to be there but its table is not
   * (recorded in `needs`).
   */
  resolve(qualifier: string | null, name: string): Origin[] | null {
    if (qualifier !== null) {
      const rel = this.relation(qualifier);
      if (rel === undefined) return null;
      return columnOf(rel, name, this.ctx) ?? [];
    }
    const lower = name.toLowerCase();
    const named = this.relations.filter((rel) => findColumn(rel.shape, lower) !== undefined);
    const first = named[0];
    if (first !== undefined && (named.length === 1 || this.usingColumns.has(lower))) {
      return columnOf(first, name, this.ctx) ?? [];
    }
    if (named.length > 1) return [];
    const withStars = this.relations.filter((rel) => rel.shape.items.some((i) => i.kind === "star") || rel.shape.opaque);
    const only = withStars[0];
    if (withStars.length === 1 && only !== undefined) return columnOf(only, name, this.ctx) ?? [];
    if (withStars.length > 1) {
      for (const rel of withStars) for (const item of rel.shape.items) if (item.kind === "star") this.ctx.needs.add(item.table);
      return [];
    }
    const outer = this.parent?.resolve(null, name) ?? null;
    if (outer !== null) return outer;
    const single = this.relations.length === 1 ? this.relations[0] : undefined;
    // A real table's hidden column (rowid) or one PRAGMA did not list: still that table's.
    if (single?.table != null) return [{ table: single.table, column: lower, t: IDENTITY }];
    return null;
  }

  /** The rows of every relation in scope, for `COUNT(*)`: each real table's `*`, and what shaped a subquery's rows. */
  rowOrigins(): Origin[] {
    const out: Origin[] = [];
    for (const rel of this.relations) out.push(...rowsOf(rel.shape));
    return out;
  }
}

export const IDENTITY: Transformation = { type: "DIRECT", subtype: "IDENTITY" };

/** The rows of a shape as origins: `<table>.*` for each real table it read, and its row-shaping origins. */
export function rowsOf(shape: Shape): Origin[] {
  const out: Origin[] = [...shape.tables].map((table) => ({ table, column: ROWS, t: IDENTITY }));
  return out.concat(shape.rows);
}

function findColumn(shape: Shape, lower: string): OutColumn | undefined {
  for (const item of shape.items) if (item.kind === "column" && item.name.toLowerCase() === lower) return item;
  return undefined;
}

function columnOf(rel: Relation, name: string, ctx: Context): Origin[] | null {
  const lower = name.toLowerCase();
  const found = findColumn(rel.shape, lower);
  if (found !== undefined) return found.origins;
  const stars = rel.shape.items.filter((i): i is StarColumns => i.kind === "star");
  const star = stars[0];
  if (stars.length === 1 && star !== undefined) return [{ table: star.table, column: lower, t: IDENTITY }];
  if (stars.length > 1) {
    for (const s of stars) ctx.needs.add(s.table);
    return [];
  }
  if (rel.table !== null) return [{ table: rel.table, column: lower, t: IDENTITY }];
  return null;
}

const DIRECT_RANK = { IDENTITY: 0, TRANSFORMATION: 1, AGGREGATION: 2 } as const;

/**
 * Origins of a column used in a context: a DIRECT use keeps the strongest
 * direct subtype (an aggregate of a transformation is an aggregation) and
 * keeps the column's own INDIRECT origins; an INDIRECT use (a filter on it)
 * turns every origin into that indirect kind.
 */
export function compose(origins: Origin[], use: Transformation): Origin[] {
  return origins.map((o) => {
    if (use.type === "INDIRECT") return { ...o, t: use };
    if (o.t.type === "INDIRECT") return o;
    return DIRECT_RANK[use.subtype] > DIRECT_RANK[o.t.subtype] ? { ...o, t: use } : o;
  });
}

/** A base-table shape: its columns when known, otherwise a `*` that passes them through. */
export function tableShape(table: string, ctx: Context): Shape {
  const columns = ctx.columnsOf(table);
  const items: OutItem[] =
    columns === undefined
      ? [{ kind: "star", table }]
      : columns.map((c) => ({ kind: "column", name: c, origins: [{ table, column: c.toLowerCase(), t: IDENTITY }] }));
  return { items, rows: [], tables: new Set([table]), opaque: false };
}

export function emptyShape(): Shape {
  return { items: [], rows: [], tables: new Set(), opaque: false };
}
