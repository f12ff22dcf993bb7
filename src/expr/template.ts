import type { SpecIssue } from "../lib/issues";
import { BoundedCache } from "../lib/bounded-cache";
import {
  ExpressionError,
  MAX_EXPRESSION_LENGTH,
  tryCompileExpression,
  type CompiledExpression,
  type ExpressionScope,
} from "./expression";

/**
 * Templates: CEL expressions embedded in JSON strings as `{{ expression }}`.
 *
 * - A string that is exactly one `{{ … }}` (whitespace around it allowed)
 *   becomes the expression's value with its type: `"{{ params.limit }}"` → `100`,
 *   `"{{ tasks.extract.output.items }}"` → an array.
 * - Any other string has each `{{ … }}` replaced by its value as text: strings
 *   as-is, numbers and booleans as JSON, objects and arrays as JSON text, and
 *   null as the empty string (so `?date={{ logicalDate }}` reads `?date=` on a
 *   manual run rather than `?date=null`).
 * - Object keys are never templated: they are the shape of the request.
 * - A literal `{{` is written `{{ '{{' }}`.
 *
 * Where an expression ends: at the first `}}` whose preceding text compiles,
 * so `{{ {'a': {'b': 1}} }}` and `{{ '}}' }}` work without a hand-written CEL
 * tokenizer; the real parser decides.
 *
 * SQL templates are different: every `{{ … }}` becomes a `?` placeholder and
 * its value a binding, so no value is ever spliced into SQL text.
 */

type TemplatePart = { kind: "text"; text: string } | { kind: "expr"; expression: CompiledExpression };

interface ParsedTemplate {
  parts: TemplatePart[];
  /** Set when the whole string is one `{{ … }}`: the value keeps its type. */
  single?: CompiledExpression;
  /** The first problem; the template cannot be rendered. */
  error?: ExpressionError;
}

const CACHE_SIZE = 1_000;

/** A `}}` inside an expression is rare (a nested map literal, a string); give up after this many. */
const MAX_CLOSE_CANDIDATES = 16;

const templates = new BoundedCache<string, ParsedTemplate>(CACHE_SIZE);

/** Renders every string in a JSON value (objects and arrays walked deeply); see the module comment. */
export function renderTemplate(value: unknown, scope: ExpressionScope): unknown {
  return renderValue(value, scope);
}

/** True if any string in the value contains `{{`. */
export function usesTemplates(value: unknown): boolean {
  if (typeof value === "string") return value.includes("{{");
  if (Array.isArray(value)) return value.some(usesTemplates);
  if (isPlainObject(value)) return Object.values(value).some(usesTemplates);
  return false;
}

/**
 * Problems of every template in a JSON value: expressions that do not compile
 * and `{{` without `}}`, each at the path of its string (`tasks.load.request.url`).
 */
export function templateIssues(value: unknown, basePath: string): SpecIssue[] {
  const issues: SpecIssue[] = [];
  walkStrings(value, basePath, (text, path) => {
    const { error } = parseTemplate(text);
    if (error) issues.push({ path, message: error.message });
  });
  return issues;
}

/**
 * Task ids read as `tasks.<id>` or `tasks["<id>"]` by the templates in a JSON
 * value (SQL text included), sorted; for checking that templates only read
 * upstream tasks. Ids with `-` or `.` must be written `tasks["my-task"]`.
 * Templates that do not compile contribute nothing (`templateIssues` reports them).
 */
export function referencedTasks(value: unknown): string[] {
  return [...new Set(taskReferences(value, "").map((r) => r.taskId))].sort();
}

/** Each task a template reads, with the JSON path of the string that reads it (`tasks.x.request.url`). */
export function taskReferences(value: unknown, basePath: string): Array<{ path: string; taskId: string }> {
  const found: Array<{ path: string; taskId: string }> = [];
  walkStrings(value, basePath, (text, path) => {
    for (const part of parseTemplate(text).parts) {
      if (part.kind === "expr") for (const taskId of part.expression.taskRefs) found.push({ path, taskId });
    }
  });
  return found;
}

// ---------------------------------------------------------------------------
// Rendering

function renderValue(value: unknown, scope: ExpressionScope): unknown {
  if (typeof value === "string") return value.includes("{{") ? renderString(value, scope) : value;
  // Containers are rebuilt only when something inside changed, so a spec without templates costs no allocation.
  if (Array.isArray(value)) {
    let out: unknown[] | undefined;
    for (let i = 0; i < value.length; i++) {
      const item: unknown = value[i];
      const rendered = renderChild(item, i, scope);
      if (rendered !== item) out ??= value.slice(0, i);
      out?.push(rendered);
    }
    return out ?? value;
  }
  if (isPlainObject(value)) {
    let changed = false;
    const entries = Object.entries(value).map(([key, item]): [string, unknown] => {
      const rendered = renderChild(item, key, scope);
      if (rendered !== item) changed = true;
      return [key, rendered];
    });
    return changed ? Object.fromEntries(entries) : value;
  }
  return value;
}

function renderChild(value: unknown, segment: string | number, scope: ExpressionScope): unknown {
  try {
    return renderValue(value, scope);
  } catch (err) {
    throw err instanceof ExpressionError ? err.under(segment) : err;
  }
}

function renderString(text: string, scope: ExpressionScope): unknown {
  const template = parseTemplate(text);
  if (template.error) throw template.error;
  if (template.single) return template.single.evaluate(scope);
  let out = "";
  for (const part of template.parts) {
    out += part.kind === "text" ? part.text : asText(part.expression.evaluate(scope));
  }
  return out;
}

/** How a value reads inside a longer string. */
function asText(value: unknown): string {
  if (value === null || value === undefined) return "";
  if (typeof value === "string") return value;
  if (typeof value === "object") return JSON.stringify(value);
  return String(value);
}

// ---------------------------------------------------------------------------
// Parsing

function parseTemplate(text: string): ParsedTemplate {
  return templates.getOrSet(text, parseUncached);
}

function parseUncached(text: string): ParsedTemplate {
  const parts: TemplatePart[] = [];
  let i = 0;
  for (;;) {
    const open = text.indexOf("{{", i);
    if (open < 0) break;
    if (open > i) parts.push({ kind: "text", text: text.slice(i, open) });
    const found = expressionAt(text, open);
    if (found instanceof ExpressionError) return { parts, error: found };
    parts.push({ kind: "expr", expression: found.expression });
    i = found.end;
  }
  if (i < text.length) parts.push({ kind: "text", text: text.slice(i) });
  const exprs = parts.filter((p) => p.kind === "expr");
  const onlyBlankText = parts.every((p) => p.kind === "expr" || p.text.trim() === "");
  const only = exprs[0];
  if (exprs.length === 1 && onlyBlankText && only?.kind === "expr") return { parts, single: only.expression };
  return { parts };
}

/**
 * The expression of the `{{` at `open`: the shortest text up to a `}}` that
 * compiles. If none does, the error of the first candidate (the likely intent).
 */
function expressionAt(text: string, open: number): { expression: CompiledExpression; end: number } | ExpressionError {
  const start = open + 2;
  let firstError: ExpressionError | undefined;
  let close = text.indexOf("}}", start);
  for (let n = 0; close >= 0 && n < MAX_CLOSE_CANDIDATES && close - start <= MAX_EXPRESSION_LENGTH; n++) {
    const compiled = tryCompileExpression(text.slice(start, close).trim());
    if (!(compiled instanceof ExpressionError)) return { expression: compiled, end: close + 2 };
    firstError ??= compiled;
    close = text.indexOf("}}", close + 1);
  }
  return firstError ?? new ExpressionError("'{{' has no matching '}}'", text, open, "unclosed_template");
}

// ---------------------------------------------------------------------------
// SQL

/** A SQL statement with its templates turned into `?` placeholders. */
export interface RenderedSql {
  sql: string;
  /** One value per `?`, in order: string, number or null (booleans as 1/0, objects and arrays as JSON text). */
  bindings: unknown[];
}

type SqlPart = { kind: "text"; text: string } | { kind: "expr"; expression: CompiledExpression };

interface ParsedSql {
  parts: SqlPart[];
  problems: ExpressionError[];
}

const sqlTemplates = new BoundedCache<string, ParsedSql>(CACHE_SIZE);

/**
 * Renders a SQL template: each `{{ expr }}` becomes a `?` and its value is
 * bound, never spliced into the text, so values cannot inject SQL. Render one
 * statement at a time (split first), since bindings belong to a statement.
 * Throws `ExpressionError` for a template inside a quoted string, quoted
 * identifier or comment (it would not be a placeholder there), for a bare `?`
 * next to templates (the bindings would not line up), and for any expression
 * that fails.
 */
export function renderSqlTemplate(sql: string, scope: ExpressionScope): RenderedSql {
  if (!sql.includes("{{")) return { sql, bindings: [] };
  const parsed = parseSql(sql);
  const problem = parsed.problems[0];
  if (problem) throw problem;
  let text = "";
  const bindings: unknown[] = [];
  for (const part of parsed.parts) {
    if (part.kind === "text") text += part.text;
    else {
      text += "?";
      bindings.push(asBinding(part.expression.evaluate(scope)));
    }
  }
  return { sql: text, bindings };
}

/** Problems of the templates in one SQL text, located at `path` (`tasks.load.sql[1]`). */
export function sqlTemplateIssues(sql: string, path: string): SpecIssue[] {
  if (!sql.includes("{{")) return [];
  return parseSql(sql).problems.map((problem) => ({ path, message: problem.message }));
}

/** D1 binds strings, numbers, null and blobs: booleans become 1/0 (SQLite has no boolean), structures JSON text. */
function asBinding(value: unknown): unknown {
  if (typeof value === "boolean") return value ? 1 : 0;
  if (typeof value === "object" && value !== null) return JSON.stringify(value);
  return value ?? null;
}

function parseSql(sql: string): ParsedSql {
  return sqlTemplates.getOrSet(sql, parseSqlUncached);
}

/**
 * One pass over the SQL with SQLite's quoting rules ('string', "identifier",
 * `identifier`, [identifier], -- and block comments), so a `{{` is only a
 * placeholder where a value may stand.
 */
function parseSqlUncached(sql: string): ParsedSql {
  const parts: SqlPart[] = [];
  const problems: ExpressionError[] = [];
  let textStart = 0;
  let bareParameter = -1;
  let i = 0;
  while (i < sql.length) {
    if (sql.startsWith("{{", i)) {
      const found = expressionAt(sql, i);
      if (found instanceof ExpressionError) {
        problems.push(found);
        break; // Without an end for this template, the rest cannot be read.
      }
      if (i > textStart) parts.push({ kind: "text", text: sql.slice(textStart, i) });
      parts.push({ kind: "expr", expression: found.expression });
      i = textStart = found.end;
      continue;
    }
    const region = quotedRegion(sql, i);
    if (region !== undefined) {
      const inner = sql.indexOf("{{", i);
      if (inner >= 0 && inner < region.end) {
        problems.push(new ExpressionError(REGION_PROBLEMS[region.kind], sql, inner, "template_in_sql_literal"));
      }
      i = region.end;
      continue;
    }
    if (sql[i] === "?" && bareParameter < 0) bareParameter = i;
    i += 1;
  }
  if (textStart < sql.length) parts.push({ kind: "text", text: sql.slice(textStart) });
  if (bareParameter >= 0 && parts.some((p) => p.kind === "expr")) {
    problems.push(
      new ExpressionError(
        "a '?' parameter cannot be mixed with {{ }} templates (the bindings would not line up); use templates only",
        sql,
        bareParameter,
        "sql_parameter_mix",
      ),
    );
  }
  return { parts, problems };
}

type RegionKind = "string literal" | "quoted identifier" | "comment";

const REGION_PROBLEMS: Record<RegionKind, string> = {
  "string literal":
    "a template inside a quoted SQL string would be sent as the text '?', not its value; " +
    "remove the quotes around {{ … }}: the value is bound as a parameter",
  "quoted identifier": "a template cannot name a table or column: bound parameters stand only for values",
  comment: "a template inside a SQL comment is never evaluated; move it out of the comment or remove it",
};

/** The quoted string, quoted identifier or comment starting at `i`, if one does. */
function quotedRegion(sql: string, i: number): { kind: RegionKind; end: number } | undefined {
  const c = sql[i];
  if (c === "'") return { kind: "string literal", end: closingQuote(sql, i, "'") };
  if (c === '"' || c === "`") return { kind: "quoted identifier", end: closingQuote(sql, i, c) };
  if (c === "[") return { kind: "quoted identifier", end: endAfter(sql, sql.indexOf("]", i + 1), 1) };
  if (c === "-" && sql[i + 1] === "-") return { kind: "comment", end: endAfter(sql, sql.indexOf("\n", i + 2), 1) };
  if (c === "/" && sql[i + 1] === "*") return { kind: "comment", end: endAfter(sql, sql.indexOf("*/", i + 2), 2) };
  return undefined;
}

/** End (exclusive) of a region quoted with `quote`, where a doubled quote is an escaped one. */
function closingQuote(sql: string, start: number, quote: string): number {
  let j = start + 1;
  for (;;) {
    const k = sql.indexOf(quote, j);
    if (k < 0) return sql.length;
    if (sql[k + 1] !== quote) return k + 1;
    j = k + 2;
  }
}

function endAfter(sql: string, found: number, length: number): number {
  return found < 0 ? sql.length : found + length;
}

// ---------------------------------------------------------------------------

function walkStrings(value: unknown, path: string, visit: (text: string, path: string) => void): void {
  if (typeof value === "string") {
    if (value.includes("{{")) visit(value, path);
  } else if (Array.isArray(value)) {
    value.forEach((item, i) => walkStrings(item, `${path}[${i}]`, visit));
  } else if (isPlainObject(value)) {
    for (const [key, item] of Object.entries(value)) walkStrings(item, path === "" ? key : `${path}.${key}`, visit);
  }
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== "object" || value === null) return false;
  const proto: unknown = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}
