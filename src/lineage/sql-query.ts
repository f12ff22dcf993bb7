/**
 * A query's shape: WITH (CTEs in order, each seeing the ones before it and
 * its own nested WITH), then the body (SELECT, UNION and friends, VALUES),
 * then ORDER BY. A SELECT brings its FROM relations into a new scope (real
 * tables, CTEs, subqueries, joins with ON / USING / NATURAL), expands `*`,
 * and records what shapes its rows: WHERE and HAVING (FILTER), join keys
 * (JOIN), GROUP BY, ORDER BY (SORT).
 */
import type { Transformation } from "./model";
import { asArray, extent, field, identText, isNode, objectNameParts, tableName, variant, variantValue } from "./sql-ast";
import { originsOf, type ExpressionWalk } from "./sql-expression";
import {
  compose,
  emptyShape,
  IDENTITY,
  Scope,
  tableShape,
  type Origin,
  type OutColumn,
  type OutItem,
  type Relation,
  type Shape,
} from "./sql-scope";

const FILTER: Transformation = { type: "INDIRECT", subtype: "FILTER" };
const JOIN: Transformation = { type: "INDIRECT", subtype: "JOIN" };
const GROUP_BY: Transformation = { type: "INDIRECT", subtype: "GROUP_BY" };
const SORT: Transformation = { type: "INDIRECT", subtype: "SORT" };

/** The shape of a `Query` node in `parent`'s scope. */
export function analyseQuery(query: unknown, parent: Scope): Shape {
  const scope = scopeWithCtes(query, parent);
  const { shape, selectScope } = analyseSetExpr(field(query, "body"), scope);
  const orderBy = variantValue(field(field(query, "order_by"), "kind"), "Expressions");
  const sortScope = selectScope ?? outputScope(shape, scope);
  for (const item of asArray(orderBy)) shape.rows.push(...sortKey(field(item, "expr"), shape, sortScope));
  // LIMIT / OFFSET decide which rows too (and may read a table: LIMIT (SELECT n FROM settings)).
  shape.rows.push(...originsOf(field(query, "limit_clause"), FILTER, { scope: sortScope, query: analyseQuery }));
  return shape;
}

/** A scope whose CTEs are the query's WITH list, each analysed in the scope of the ones before it. */
export function scopeWithCtes(query: unknown, parent: Scope): Scope {
  const withClause = field(query, "with");
  if (!isNode(withClause)) return parent;
  const scope = new Scope(parent.ctx, parent);
  const recursive = withClause.recursive === true;
  for (const cte of asArray(withClause.cte_tables)) {
    const alias = field(cte, "alias");
    const name = identText(field(alias, "name"))?.toLowerCase();
    if (name === undefined) continue;
    const columnNames = asArray(field(alias, "columns")).map((c) => identText(field(c, "name")) ?? identText(c));
    const cteQuery = field(cte, "query");
    if (recursive) {
      // A recursive CTE reads itself: analyse once with itself unknown, then again with that result.
      scope.ctes.set(name, { items: columnNames.map((n, i) => ({ kind: "column", name: n ?? `column${i + 1}`, origins: [] })), rows: [], tables: new Set(), opaque: false });
      scope.ctes.set(name, renamed(analyseQuery(cteQuery, scope), columnNames));
    }
    scope.ctes.set(name, renamed(analyseQuery(cteQuery, scope), columnNames));
  }
  return scope;
}

function renamed(shape: Shape, names: Array<string | null>): Shape {
  if (names.length === 0) return shape;
  const items = shape.items.map((item, i): OutItem => {
    const name = names[i];
    return item.kind === "column" && typeof name === "string" ? { ...item, name } : item;
  });
  return { ...shape, items };
}

function analyseSetExpr(body: unknown, scope: Scope): { shape: Shape; selectScope: Scope | null } {
  const tagged = variant(body);
  if (tagged === null) return { shape: unsupported(scope, "an unknown query form"), selectScope: null };
  const [tag, value] = tagged;
  switch (tag) {
    case "Select":
      return analyseSelect(value, scope);
    case "Query":
      return { shape: analyseQuery(value, scope), selectScope: null };
    case "SetOperation": {
      const left = analyseSetExpr(field(value, "left"), scope).shape;
      const right = analyseSetExpr(field(value, "right"), scope).shape;
      return { shape: union(left, right, scope), selectScope: null };
    }
    case "Values": {
      const walk = { scope, query: analyseQuery };
      const rows = asArray(field(value, "rows")).map((row) => asArray(field(row, "content") ?? row));
      const width = Math.max(0, ...rows.map((r) => r.length));
      const items: OutItem[] = [];
      for (let i = 0; i < width; i++) {
        const origins = rows.flatMap((r) => originsOf(r[i], IDENTITY, walk));
        items.push({ kind: "column", name: `column${i + 1}`, origins });
      }
      return { shape: { items, rows: [], tables: new Set(), opaque: false }, selectScope: null };
    }
    default:
      return { shape: unsupported(scope, `a ${tag} query body`), selectScope: null };
  }
}

/** UNION / INTERSECT / EXCEPT: columns by position, names from the left. */
function union(left: Shape, right: Shape, scope: Scope): Shape {
  const hasStar = (s: Shape) => s.items.some((i) => i.kind === "star");
  if (hasStar(left) || hasStar(right)) {
    for (const s of [left, right]) for (const i of s.items) if (i.kind === "star") scope.ctx.needs.add(i.table);
  }
  const items = left.items.map((item, i): OutItem => {
    const other = right.items[i];
    if (item.kind === "column" && other?.kind === "column") return { ...item, origins: [...item.origins, ...other.origins] };
    return item;
  });
  return {
    items,
    rows: [...left.rows, ...right.rows],
    tables: new Set([...left.tables, ...right.tables]),
    opaque: left.opaque || right.opaque,
  };
}

function analyseSelect(select: unknown, parent: Scope): { shape: Shape; selectScope: Scope } {
  const scope = new Scope(parent.ctx, parent);
  const walk: ExpressionWalk = { scope, query: analyseQuery };
  const rows: Origin[] = [];
  for (const from of asArray(field(select, "from"))) addTableWithJoins(from, scope, walk, rows);
  for (const [name, spec] of asArray(field(select, "named_window")).map((w) => asArray(w))) {
    const text = identText(name);
    const windowSpec = variantValue(spec, "WindowSpec") ?? spec;
    if (text !== null) scope.namedWindows.set(text.toLowerCase(), windowSpec);
  }

  const items: OutItem[] = [];
  for (const projection of asArray(field(select, "projection"))) {
    const tagged = variant(projection);
    if (tagged === null) continue;
    const [tag, value] = tagged;
    if (tag === "UnnamedExpr") {
      items.push({ kind: "column", name: exprName(value, parent.ctx.text, items.length), origins: originsOf(value, IDENTITY, walk) });
    } else if (tag === "ExprWithAlias") {
      const name = identText(field(value, "alias")) ?? exprName(field(value, "expr"), parent.ctx.text, items.length);
      items.push({ kind: "column", name, origins: originsOf(field(value, "expr"), IDENTITY, walk) });
    } else if (tag === "Wildcard") {
      // A USING / NATURAL key appears once in `*`, as SQLite expands it (positions matter for INSERT).
      const keys = new Set<string>();
      for (const rel of scope.relations)
        for (const item of rel.shape.items) {
          const key = item.kind === "column" ? item.name.toLowerCase() : null;
          if (key !== null && scope.usingColumns.has(key)) {
            if (keys.has(key)) continue;
            keys.add(key);
          }
          items.push(item);
        }
    } else if (tag === "QualifiedWildcard") {
      const parts = objectNameParts(variantValue(asArray(value)[0], "ObjectName") ?? asArray(value)[0]);
      const rel = parts === null ? undefined : scope.relation(parts[parts.length - 1] ?? "");
      if (rel !== undefined) items.push(...rel.shape.items);
    }
  }
  scope.outputs = new Map(items.filter((i): i is OutColumn => i.kind === "column").map((i) => [i.name.toLowerCase(), i]));

  rows.push(...originsOf(field(select, "selection"), FILTER, walk));
  const groupBy = variantValue(field(select, "group_by"), "Expressions");
  for (const expr of asArray(asArray(groupBy)[0])) rows.push(...groupKey(expr, items, walk));
  rows.push(...originsOf(field(select, "having"), FILTER, walk));
  rows.push(...originsOf(field(select, "qualify"), FILTER, walk));
  for (const rel of scope.relations) rows.push(...rel.shape.rows);

  const tables = new Set<string>();
  for (const rel of scope.relations) for (const t of rel.shape.tables) tables.add(t);
  const opaque = scope.relations.some((r) => r.shape.opaque);
  return { shape: { items, rows, tables, opaque }, selectScope: scope };
}

/** GROUP BY 1 (a position) or GROUP BY an output alias or expression. */
function groupKey(expr: unknown, items: OutItem[], walk: ExpressionWalk): Origin[] {
  const position = positionOf(expr);
  if (position !== null) {
    const item = items[position - 1];
    return item?.kind === "column" ? compose(item.origins, GROUP_BY) : [];
  }
  return aliasOrigins(expr, walk.scope, GROUP_BY) ?? originsOf(expr, GROUP_BY, walk);
}

/** A bare name that is an output column's alias (`GROUP BY size`, `ORDER BY total`) means that column. */
function aliasOrigins(expr: unknown, scope: Scope, use: Transformation): Origin[] | null {
  const name = identText(variantValue(expr, "Identifier"));
  const alias = name === null ? undefined : scope.outputs?.get(name.toLowerCase());
  if (alias === undefined) return null;
  // A column under its own name (SELECT region … GROUP BY region) is the same either way.
  return compose(alias.origins, use);
}

function sortKey(expr: unknown, shape: Shape, scope: Scope): Origin[] {
  const position = positionOf(expr);
  if (position !== null) {
    const item = shape.items[position - 1];
    return item?.kind === "column" ? compose(item.origins, SORT) : [];
  }
  return aliasOrigins(expr, scope, SORT) ?? originsOf(expr, SORT, { scope, query: analyseQuery });
}

function positionOf(expr: unknown): number | null {
  const number = variantValue(field(variantValue(expr, "Value"), "value"), "Number");
  const text = asArray(number)[0];
  return typeof text === "string" && /^\d+$/.test(text) ? Number(text) : null;
}

/** A scope whose only names are a compound query's output columns (ORDER BY after a UNION). */
function outputScope(shape: Shape, parent: Scope): Scope {
  const scope = new Scope(parent.ctx, parent);
  scope.outputs = new Map(shape.items.filter((i): i is OutColumn => i.kind === "column").map((i) => [i.name.toLowerCase(), i]));
  return scope;
}

/** A FROM item and its joins: their relations into scope, their join keys into the rows. */
export function addTableWithJoins(from: unknown, scope: Scope, walk: ExpressionWalk, rows: Origin[], isTarget = false): void {
  addRelation(field(from, "relation"), scope, walk, rows, isTarget);
  for (const join of asArray(field(from, "joins"))) {
    const before = scope.relations.length;
    addRelation(field(join, "relation"), scope, walk, rows, false);
    const right = scope.relations.slice(before);
    const left = scope.relations.slice(0, before);
    joinConstraint(field(join, "join_operator"), left, right, scope, walk, rows);
  }
}

function joinConstraint(operator: unknown, left: Relation[], right: Relation[], scope: Scope, walk: ExpressionWalk, rows: Origin[]): void {
  const constraint = variant(operator)?.[1] ?? operator;
  const on = variantValue(constraint, "On");
  if (on !== undefined) {
    rows.push(...originsOf(on, JOIN, walk));
    return;
  }
  const using = variantValue(constraint, "Using");
  const natural = constraint === "Natural";
  let names: string[] = [];
  if (using !== undefined) names = asArray(using).map((n) => objectNameParts(n)?.at(-1) ?? "").filter((n) => n !== "");
  else if (natural) names = commonColumns(left, right, scope);
  else return;
  for (const name of names) {
    scope.usingColumns.add(name.toLowerCase());
    for (const side of [left, right]) {
      const side_ = new Scope(scope.ctx, null);
      side_.relations.push(...side);
      const origins = side_.resolve(null, name);
      if (origins !== null) rows.push(...compose(origins, JOIN));
    }
  }
}

function commonColumns(left: Relation[], right: Relation[], scope: Scope): string[] {
  const names = (rels: Relation[]) => {
    const out = new Set<string>();
    for (const rel of rels)
      for (const item of rel.shape.items) {
        if (item.kind === "column") out.add(item.name.toLowerCase());
        else scope.ctx.needs.add(item.table);
      }
    return out;
  };
  const l = names(left);
  return [...names(right)].filter((n) => l.has(n));
}

function addRelation(factor: unknown, scope: Scope, walk: ExpressionWalk, rows: Origin[], isTarget: boolean): void {
  const tagged = variant(factor);
  if (tagged === null) return;
  const [tag, value] = tagged;
  const aliasOf = (fallback: string) => (identText(field(field(value, "alias"), "name")) ?? fallback).toLowerCase();
  const aliasColumns = () => asArray(field(field(value, "alias"), "columns")).map((c) => identText(field(c, "name")) ?? identText(c));
  if (tag === "Table") {
    const name = tableName(field(value, "name"));
    if (name === null) return;
    const args = field(value, "args");
    if (isNode(args)) {
      // A table-valued function (json_each, pragma_table_info…): its rows are not a table's.
      scope.ctx.reasons.push(`table-valued function ${name}(): its columns are not analysed`);
      scope.ctx.opaque = true;
      const argOrigins = originsOf(field(args, "args"), IDENTITY, walk);
      for (const o of argOrigins) scope.ctx.inputs.add(o.table);
      scope.relations.push({ alias: aliasOf(name), table: null, shape: { ...emptyShape(), opaque: true } });
      return;
    }
    const parts = objectNameParts(field(value, "name"));
    const cte = parts?.length === 1 ? scope.cte(name) : undefined;
    if (cte !== undefined) {
      scope.relations.push({ alias: aliasOf(name), table: null, shape: renamed(cte, aliasColumns()) });
      return;
    }
    if (!isTarget) scope.ctx.inputs.add(name);
    scope.relations.push({ alias: aliasOf(name), table: name, shape: tableShape(name, scope.ctx) });
    return;
  }
  if (tag === "Derived") {
    const shape = analyseQuery(field(value, "subquery"), scope.parent ?? scope);
    scope.relations.push({ alias: aliasOf(`subquery${scope.relations.length + 1}`), table: null, shape: renamed(shape, aliasColumns()) });
    return;
  }
  if (tag === "NestedJoin") {
    addTableWithJoins(field(value, "table_with_joins"), scope, walk, rows);
    return;
  }
  scope.ctx.reasons.push(`a ${tag} in FROM is not analysed`);
  scope.ctx.opaque = true;
  scope.relations.push({ alias: aliasOf(tag), table: null, shape: { ...emptyShape(), opaque: true } });
}

function unsupported(scope: Scope, what: string): Shape {
  scope.ctx.reasons.push(`${what} is not analysed`);
  scope.ctx.opaque = true;
  return { ...emptyShape(), opaque: true };
}

/**
 * The name SQLite gives an unaliased result column: a column's name, else the
 * expression's text as written (sliced from the SQL by the AST's spans).
 */
function exprName(expr: unknown, text: string, index: number): string {
  const id = identText(variantValue(expr, "Identifier"));
  if (id !== null) return id;
  const compound = asArray(variantValue(expr, "CompoundIdentifier"));
  const last = identText(compound[compound.length - 1]);
  if (last !== null) return last;
  const span = extent(expr);
  if (span === null) return `column${index + 1}`;
  const lines = text.split("\n");
  let offset = 0;
  const at = (line: number, column: number) => {
    offset = 0;
    for (let i = 0; i < line - 1; i++) offset += (lines[i]?.length ?? 0) + 1;
    return offset + column - 1;
  };
  const start = at(span.start.line, span.start.column);
  const end = closeParentheses(text, start, at(span.end.line, span.end.column));
  const slice = text.slice(start, end);
  return slice.trim() || `column${index + 1}`;
}

/**
 * Spans cover tokens, not parentheses: extend `end` past the closing ones the
 * slice opened, and past a call's argument list that has no spanned token
 * (`count(*)`).
 */
function closeParentheses(text: string, start: number, end: number): number {
  let depth = 0;
  for (let i = start; i < end; i++) {
    if (text[i] === "(") depth++;
    else if (text[i] === ")") depth--;
  }
  let i = end;
  if (depth <= 0) {
    while (text[i] === " ") i++;
    if (text[i] !== "(") return end;
  }
  for (; i < text.length; i++) {
    const c = text[i];
    if (c === "(") depth++;
    else if (c === ")" && --depth <= 0) return i + 1;
    else if (c === "'") i = text.indexOf("'", i + 1) < 0 ? text.length : text.indexOf("'", i + 1);
  }
  return end;
}
