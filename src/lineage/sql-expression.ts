/**
 * The columns an expression reads, and how (OpenLineage's kinds): a bare
 * column is DIRECT/IDENTITY, anything computed from it TRANSFORMATION, inside
 * an aggregate AGGREGATION (`COUNT(*)` reads the rows, column `*`); CASE
 * conditions are INDIRECT/CONDITIONAL, a window's PARTITION BY / ORDER BY
 * INDIRECT/WINDOW, an aggregate's FILTER (WHERE …) INDIRECT/FILTER. Unknown
 * expression kinds are walked generically, so a new operator still yields its
 * columns (as TRANSFORMATION) rather than nothing.
 */
import type { Transformation } from "./model";
import { asArray, field, identText, isNode, objectNameParts, variant, variantValue } from "./sql-ast";
import { compose, rowsOf, type Origin, type Scope, type Shape } from "./sql-scope";

/** Analyses a subquery in a scope (supplied by the query analyser, which is recursive with this file). */
export type QueryAnalyser = (query: unknown, parent: Scope) => Shape;

const TRANSFORMATION: Transformation = { type: "DIRECT", subtype: "TRANSFORMATION" };
const AGGREGATION: Transformation = { type: "DIRECT", subtype: "AGGREGATION" };
const CONDITIONAL: Transformation = { type: "INDIRECT", subtype: "CONDITIONAL" };
const WINDOW: Transformation = { type: "INDIRECT", subtype: "WINDOW" };
const FILTER: Transformation = { type: "INDIRECT", subtype: "FILTER" };

/** SQLite's aggregate functions (and common extensions); `min`/`max` with two or more arguments are scalar. */
const AGGREGATES = new Set([
  "avg", "count", "group_concat", "string_agg", "max", "min", "sum", "total",
  "json_group_array", "json_group_object", "jsonb_group_array", "jsonb_group_object",
  "median", "percentile", "percentile_cont", "percentile_disc", "mode", "stddev", "variance",
]);

/** Keys under which the AST holds no column of the query (types, names, spans). */
const SKIP = new Set(["span", "data_type", "name", "format", "charset", "collation", "time_zone", "quote_style", "null_treatment"]);

/** Everything needed to walk expressions of one query. */
export interface ExpressionWalk {
  scope: Scope;
  query: QueryAnalyser;
}

/** The origins of `expr` used as `use` (IDENTITY at the top of a projection, FILTER in a WHERE, …). */
export function originsOf(expr: unknown, use: Transformation, walk: ExpressionWalk): Origin[] {
  const out: Origin[] = [];
  visit(expr, use, walk, out);
  return out;
}

/** Inside an expression a DIRECT use is at least a TRANSFORMATION (only a bare column is IDENTITY). */
function inner(use: Transformation): Transformation {
  return use.type === "DIRECT" && use.subtype === "IDENTITY" ? TRANSFORMATION : use;
}

/** In a DIRECT context, `indirect`; in an INDIRECT one, that context (a CASE inside a WHERE still filters). */
function indirect(use: Transformation, kind: Transformation): Transformation {
  return use.type === "INDIRECT" ? use : kind;
}

function visit(node: unknown, use: Transformation, walk: ExpressionWalk, out: Origin[]): void {
  if (Array.isArray(node)) {
    for (const n of node) visit(n, use, walk, out);
    return;
  }
  if (!isNode(node)) return;
  const tagged = variant(node);
  if (tagged === null) {
    // A struct inside an expression (an ORDER BY item, a CASE branch): its fields, same use.
    for (const [key, value] of Object.entries(node)) if (!SKIP.has(key)) visit(value, use, walk, out);
    return;
  }
  const [tag, value] = tagged;
  switch (tag) {
    case "Identifier": {
      const name = identText(value);
      if (name !== null) column(null, name, use, walk, out);
      return;
    }
    case "CompoundIdentifier": {
      const parts = asArray(value).map(identText);
      const name = parts[parts.length - 1];
      const qualifier = parts[parts.length - 2];
      if (typeof name === "string") column(typeof qualifier === "string" ? qualifier : null, name, use, walk, out);
      return;
    }
    case "Value":
    case "TypedString":
      return;
    case "Nested":
      visit(value, use, walk, out);
      return;
    case "Function":
      fn(value, use, walk, out);
      return;
    case "Case":
      caseExpr(value, use, walk, out);
      return;
    case "Subquery":
      scalarSubquery(value, use, walk, out);
      return;
    case "InSubquery":
      visit(field(value, "expr"), inner(use), walk, out);
      predicateSubquery(field(value, "subquery"), use, walk, out);
      return;
    case "Exists":
      predicateSubquery(field(value, "subquery"), use, walk, out);
      return;
    default:
      visit(value, inner(use), walk, out);
  }
}

function column(qualifier: string | null, name: string, use: Transformation, walk: ExpressionWalk, out: Origin[]): void {
  let origins = walk.scope.resolve(qualifier, name);
  if (origins === null && qualifier === null) {
    // An output alias (ORDER BY total, HAVING n > 1, GROUP BY 1's name).
    const alias = walk.scope.outputs?.get(name.toLowerCase());
    if (alias !== undefined) origins = alias.origins;
  }
  if (origins !== null) out.push(...compose(origins, use));
}

function fn(value: unknown, use: Transformation, walk: ExpressionWalk, out: Origin[]): void {
  const parts = objectNameParts(field(value, "name"));
  const name = parts?.[parts.length - 1]?.toLowerCase() ?? "";
  const args = variantValue(field(value, "args"), "List");
  const argList = asArray(field(args, "args"));
  const isAggregate = AGGREGATES.has(name) && !((name === "min" || name === "max") && argList.length > 1);
  const argUse = use.type === "INDIRECT" ? use : isAggregate ? AGGREGATION : TRANSFORMATION;
  for (const arg of argList) {
    const a = variant(arg);
    const argExpr = a === null ? arg : a[0] === "Unnamed" ? a[1] : field(a[1], "arg");
    if (argExpr === "Wildcard" || variant(argExpr)?.[0] === "QualifiedWildcard") {
      // COUNT(*): the rows, never a made-up column.
      const qualified = variantValue(argExpr, "QualifiedWildcard");
      const parts = qualified === undefined ? null : objectNameParts(qualified);
      const rel = parts === null ? undefined : walk.scope.relation(parts[parts.length - 1] ?? "");
      const rows = rel === undefined ? walk.scope.rowOrigins() : rowsOf(rel.shape);
      out.push(...compose(rows, argUse));
      continue;
    }
    visit(variantValue(argExpr, "Expr") ?? argExpr, argUse, walk, out);
  }
  visit(field(args, "clauses"), indirect(use, { type: "INDIRECT", subtype: "SORT" }), walk, out);
  const subquery = variantValue(field(value, "args"), "Subquery");
  if (subquery !== undefined) scalarSubquery(subquery, use, walk, out);
  visit(field(value, "filter"), indirect(use, FILTER), walk, out);
  visit(field(value, "within_group"), indirect(use, { type: "INDIRECT", subtype: "SORT" }), walk, out);
  const over = field(value, "over");
  const spec = variantValue(over, "WindowSpec") ?? namedWindow(identText(variantValue(over, "NamedWindow")), walk);
  if (spec !== undefined) windowSpec(spec, use, walk, out);
}

function namedWindow(name: string | null, walk: ExpressionWalk): unknown {
  if (name === null) return undefined;
  for (let scope: Scope | null = walk.scope; scope !== null; scope = scope.parent) {
    const found = scope.namedWindows.get(name.toLowerCase());
    if (found !== undefined) return found;
  }
  return undefined;
}

function windowSpec(spec: unknown, use: Transformation, walk: ExpressionWalk, out: Origin[]): void {
  const kind = indirect(use, WINDOW);
  visit(field(spec, "partition_by"), kind, walk, out);
  visit(field(spec, "order_by"), kind, walk, out);
  const base = identText(field(spec, "window_name"));
  const inherited = namedWindow(base, walk);
  if (inherited !== undefined && inherited !== spec) windowSpec(inherited, use, walk, out);
}

function caseExpr(value: unknown, use: Transformation, walk: ExpressionWalk, out: Origin[]): void {
  const condition = indirect(use, CONDITIONAL);
  visit(field(value, "operand"), condition, walk, out);
  for (const when of asArray(field(value, "conditions"))) {
    if (isNode(when) && "condition" in when) {
      visit(when.condition, condition, walk, out);
      visit(when.result, inner(use), walk, out);
    } else visit(when, condition, walk, out);
  }
  visit(field(value, "results"), inner(use), walk, out);
  visit(field(value, "else_result"), inner(use), walk, out);
}

/** `(SELECT max(b) FROM s WHERE s.k = t.k)`: its column feeds the value, its filter decides it. */
function scalarSubquery(query: unknown, use: Transformation, walk: ExpressionWalk, out: Origin[]): void {
  const shape = walk.query(query, walk.scope);
  for (const item of shape.items) {
    if (item.kind === "column") out.push(...compose(item.origins, use));
    else out.push(...compose([{ table: item.table, column: "*", t: use }], use));
  }
  out.push(...compose(shape.rows, use.type === "INDIRECT" ? use : FILTER));
}

/** `x IN (SELECT …)`, `EXISTS (SELECT …)`: everything the subquery reads decides, none of it is carried. */
function predicateSubquery(query: unknown, use: Transformation, walk: ExpressionWalk, out: Origin[]): void {
  const shape = walk.query(query, walk.scope);
  const kind = use.type === "INDIRECT" ? use : FILTER;
  for (const item of shape.items) if (item.kind === "column") out.push(...compose(item.origins, kind));
  out.push(...compose(shape.rows, kind));
}
