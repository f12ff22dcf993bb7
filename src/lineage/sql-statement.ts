/**
 * One parsed statement → its lineage: SELECT (into the task's result
 * dataset), INSERT … SELECT / VALUES (with or without a column list, with an
 * upsert's DO UPDATE), CREATE TABLE … AS SELECT, CREATE VIEW, UPDATE … SET
 * (subqueries in SET, UPDATE … FROM), DELETE, and a WITH before any of them.
 */
import { d1TableUri } from "./dataset-uri";
import type { ColumnEdge, Lineage, Transformation } from "./model";
import { ROWS, uniqueEdges } from "./model";
import { asArray, field, identText, isNode, objectNameParts, tableName, variant, variantValue } from "./sql-ast";
import { originsOf, type ExpressionWalk } from "./sql-expression";
import { addTableWithJoins, analyseQuery, scopeWithCtes } from "./sql-query";
import { IDENTITY, Scope, tableShape, type Context, type Origin, type OutItem, type Shape } from "./sql-scope";

const FILTER: Transformation = { type: "INDIRECT", subtype: "FILTER" };

/** Statements that read and write no data (or only schema objects lineage does not track). */
const NO_LINEAGE = new Set([
  "CreateIndex", "Pragma", "Analyze", "Vacuum", "StartTransaction", "Commit", "Rollback",
  "Savepoint", "ReleaseSavepoint", "Explain", "ExplainTable", "CreateTrigger", "DropTrigger",
]);

/** What a statement wrote, built up by the handlers below. */
class Writes {
  readonly outputs = new Set<string>();
  readonly edges: ColumnEdge[] = [];

  edge(origin: Origin, dataset: string, column: string): void {
    // SQLite compares column names case-insensitively: the graph keys them lower-cased.
    const to = { dataset, column: column.toLowerCase() };
    this.edges.push({ from: { dataset: d1TableUri(origin.table), column: origin.column.toLowerCase() }, to, ...origin.t });
  }

  into(dataset: string, column: string, origins: Origin[]): void {
    for (const o of origins) this.edge(o, dataset, column);
  }
}

/**
 * The lineage of one statement. `resultDataset` receives a SELECT's columns
 * (null: the statement's rows are not the task's output, so it only reads).
 */
export function analyseStatement(statement: unknown, ctx: Context, resultDataset: string | null): Lineage {
  const writes = new Writes();
  const root = new Scope(ctx, null);
  dispatch(statement, root, ctx, writes, resultDataset);
  // Read: what FROM clauses named, and every table an edge starts at (an UPDATE reading its own row).
  const inputs = new Set([...ctx.inputs].map(d1TableUri));
  for (const e of writes.edges) inputs.add(e.from.dataset);
  const edges = ctx.opaque ? [] : uniqueEdges(writes.edges);
  return {
    inputs: [...inputs],
    outputs: [...writes.outputs],
    edges,
    needsColumns: [...ctx.needs],
    complete: ctx.needs.size === 0 && !ctx.opaque && ctx.reasons.length === 0,
    reasons: ctx.reasons,
  };
}

function dispatch(statement: unknown, scope: Scope, ctx: Context, writes: Writes, resultDataset: string | null): void {
  const tagged = variant(statement);
  if (tagged === null) {
    ctx.reasons.push("an unknown statement form is not analysed");
    return;
  }
  const [tag, value] = tagged;
  switch (tag) {
    case "Query": {
      const body = variant(field(value, "body"));
      if (body !== null && (body[0] === "Insert" || body[0] === "Update" || body[0] === "Delete")) {
        // WITH … INSERT / UPDATE / DELETE: the CTEs are in scope for the statement.
        // The body holds the whole statement (`{ Insert: { Insert: … } }`).
        dispatch(body[1], scopeWithCtes(value, scope), ctx, writes, resultDataset);
        return;
      }
      const shape = analyseQuery(value, scope);
      if (resultDataset !== null) {
        writes.outputs.add(resultDataset);
        writeShape(shape, null, resultDataset, ctx, writes);
      }
      return;
    }
    case "Insert":
      insert(value, scope, ctx, writes);
      return;
    case "CreateTable":
    case "CreateView":
      create(value, scope, ctx, writes);
      return;
    case "Update":
      update(value, scope, ctx, writes);
      return;
    case "Delete":
      remove(value, scope, ctx, writes);
      return;
    case "Drop":
      if (field(value, "object_type") === "Table" || field(value, "object_type") === "View") {
        for (const name of asArray(field(value, "names"))) {
          const table = tableName(name);
          if (table !== null) writes.outputs.add(d1TableUri(table));
        }
      }
      return;
    case "AlterTable": {
      const table = tableName(field(value, "name"));
      if (table !== null) writes.outputs.add(d1TableUri(table));
      return;
    }
    default:
      if (!NO_LINEAGE.has(tag)) ctx.reasons.push(`a ${tag} statement is not analysed`);
  }
}

/**
 * A query's columns into `dataset`, by position onto `names` when given
 * (INSERT's columns, CREATE's column list), else under their own names; its
 * row-shaping origins onto the dataset's rows.
 */
function writeShape(shape: Shape, names: string[] | null, dataset: string, ctx: Context, writes: Writes): void {
  let position = 0;
  for (const item of shape.items) {
    if (item.kind === "star") {
      // Unknown columns of a real table: which target columns they fill is unknown too.
      ctx.needs.add(item.table);
      if (names !== null) break;
      continue;
    }
    const name = names === null ? item.name : names[position];
    position++;
    if (name === undefined) break;
    writes.into(dataset, name, item.origins);
  }
  writes.into(dataset, ROWS, shape.rows);
}

function insert(value: unknown, scope: Scope, ctx: Context, writes: Writes): void {
  const target = tableName(variantValue(field(value, "table"), "TableName") ?? field(value, "table_name") ?? field(value, "table"));
  if (target === null) {
    ctx.reasons.push("an INSERT into something other than a table is not analysed");
    return;
  }
  const dataset = d1TableUri(target);
  writes.outputs.add(dataset);
  const source = field(value, "source");
  const shape = isNode(source) ? analyseQuery(source, scope) : null;
  let names: string[] | null = columnNames(field(value, "columns"));
  if (names.length === 0) {
    names = ctx.columnsOf(target) ?? null;
    // DEFAULT VALUES has no source to map onto the columns.
    if (names === null && shape !== null) ctx.needs.add(target);
  }
  if (shape !== null && names !== null) writeShape(shape, names, dataset, ctx, writes);
  else if (shape !== null) {
    for (const item of shape.items) if (item.kind === "star") ctx.needs.add(item.table);
    writes.into(dataset, ROWS, shape.rows);
  }
  upsert(field(value, "on"), target, names, shape, scope, ctx, writes);
}

/** `ON CONFLICT … DO UPDATE SET b = excluded.b`: `excluded` is the row being inserted. */
function upsert(on: unknown, target: string, names: string[] | null, shape: Shape | null, parent: Scope, ctx: Context, writes: Writes): void {
  const action = field(variantValue(on, "OnConflict"), "action");
  const doUpdate = variantValue(action, "DoUpdate");
  if (doUpdate === undefined) return;
  const scope = new Scope(ctx, parent);
  scope.relations.push({ alias: target, table: target, shape: tableShape(target, ctx) });
  const inserted: OutItem[] = [];
  if (names !== null && shape !== null) {
    shape.items.forEach((item, i) => {
      const name = names[i];
      if (item.kind === "column" && name !== undefined) inserted.push({ kind: "column", name, origins: item.origins });
    });
  }
  scope.relations.push({ alias: "excluded", table: null, shape: { items: inserted, rows: [], tables: new Set(), opaque: false } });
  assignments(field(doUpdate, "assignments"), originsOf(field(doUpdate, "selection"), FILTER, walkOf(scope)), d1TableUri(target), scope, writes);
}

function create(value: unknown, scope: Scope, ctx: Context, writes: Writes): void {
  const target = tableName(field(value, "name"));
  if (target === null) return;
  const dataset = d1TableUri(target);
  writes.outputs.add(dataset);
  const query = field(value, "query");
  if (!isNode(query)) return;
  const names = asArray(field(value, "columns")).map((c) => identText(field(c, "name"))).filter((n): n is string => n !== null);
  writeShape(analyseQuery(query, scope), names.length > 0 ? names : null, dataset, ctx, writes);
}

function update(value: unknown, parent: Scope, ctx: Context, writes: Writes): void {
  const scope = new Scope(ctx, parent);
  const walk = walkOf(scope);
  const joinRows: Origin[] = [];
  addTableWithJoins(field(value, "table"), scope, walk, joinRows, true);
  const target = scope.relations[0]?.table;
  if (target == null) {
    ctx.reasons.push("an UPDATE of something other than a table is not analysed");
    return;
  }
  const from = variant(field(value, "from"))?.[1] ?? field(value, "from");
  for (const item of asArray(from)) addTableWithJoins(item, scope, walk, joinRows);
  const dataset = d1TableUri(target);
  writes.outputs.add(dataset);
  // The WHERE and the join keys decide which rows each assigned column changes in.
  const deciding = [...originsOf(field(value, "selection"), FILTER, walk), ...joinRows];
  assignments(field(value, "assignments"), deciding, dataset, scope, writes);
}

/** `SET a = expr` and `SET (a, b) = (SELECT x, y …)`: each target column's origins, plus what decides the rows. */
function assignments(list: unknown, deciding: Origin[], dataset: string, scope: Scope, writes: Writes): void {
  const walk = walkOf(scope);
  for (const assignment of asArray(list)) {
    const target = field(assignment, "target");
    const single = variantValue(target, "ColumnName");
    const columns = single !== undefined ? [single] : asArray(variantValue(target, "Tuple"));
    const names = columns.map((c) => objectNameParts(c)?.at(-1)?.toLowerCase()).filter((n): n is string => n !== undefined);
    const value = field(assignment, "value");
    const subquery = variantValue(value, "Subquery");
    if (names.length > 1 && subquery !== undefined) {
      const shape = analyseQuery(subquery, scope);
      names.forEach((name, i) => {
        const item = shape.items[i];
        if (item?.kind === "column") writes.into(dataset, name, item.origins);
        writes.into(dataset, name, shape.rows.map((o) => ({ ...o, t: FILTER })));
      });
    } else {
      const origins = originsOf(value, IDENTITY, walk);
      for (const name of names) writes.into(dataset, name, origins);
    }
    for (const name of names) writes.into(dataset, name, deciding);
  }
}

function remove(value: unknown, parent: Scope, ctx: Context, writes: Writes): void {
  const scope = new Scope(ctx, parent);
  const walk = walkOf(scope);
  const rows: Origin[] = [];
  const from = variant(field(value, "from"))?.[1] ?? field(value, "from");
  asArray(from).forEach((item, i) => addTableWithJoins(item, scope, walk, rows, i === 0));
  for (const item of asArray(field(value, "using"))) addTableWithJoins(item, scope, walk, rows);
  const target = scope.relations[0]?.table;
  if (target == null) {
    ctx.reasons.push("a DELETE from something other than a table is not analysed");
    return;
  }
  const dataset = d1TableUri(target);
  writes.outputs.add(dataset);
  writes.into(dataset, ROWS, [...originsOf(field(value, "selection"), FILTER, walk), ...rows]);
}

function columnNames(list: unknown): string[] {
  return asArray(list)
    .map((c) => objectNameParts(c)?.at(-1) ?? identText(c))
    .filter((n): n is string => n !== null && n !== undefined)
    .map((n) => n.toLowerCase());
}

function walkOf(scope: Scope): ExpressionWalk {
  return { scope, query: (q, parent) => analyseQuery(q, parent) };
}
