import {
  Environment,
  EvaluationError,
  Optional,
  ParseError,
  TypeError as CelTypeError,
  serialize,
  type ASTNode,
} from "@marcbachmann/cel-js";
import { Duration, UnsignedInt } from "@marcbachmann/cel-js/evaluator";
import { BoundedCache } from "../lib/bounded-cache";

/**
 * CEL expressions over a run's scope (`params.region == 'eu'`,
 * `size(tasks.extract.output.items)`), interpreted by `@marcbachmann/cel-js`:
 * Workers forbid `eval`/`new Function`, and CEL is side-effect free and
 * always terminates, so a user's expression cannot hang or escape a worker.
 *
 * Numbers. JSON has one number type; CEL has `int` (BigInt in cel-js) and
 * `double` (JS number) and refuses to mix them (`params.n * 2` fails with
 * "no such overload: double * int" when `n` arrives as a JS number). Two
 * choices make expressions read the way JSON users expect:
 *  1. Whole numbers in the scope (safe integers) become CEL `int`s, so a JSON
 *     `3` behaves exactly like the literal `3`: `params.n * 2` is `6`,
 *     `list[params.i]` indexes, and `/` on two ints is integer division as
 *     in every CEL implementation (`7 / 2 == 3`; write `7.0 / 2` for 3.5).
 *  2. `+ - * /` between an `int` and a `double` are registered as overloads
 *     that promote the int, so `params.ratio * 2` with `ratio = 2.5` is `5.0`.
 *     Ordering (`<`, `>=` …) across int and double is native to cel-js;
 *     `==`/`!=` across them are registered too (`1 == 1.0` is true).
 * Results go back to plain JSON: ints become JS numbers (beyond ±2^53 is an
 * error rather than a silent rounding), maps plain objects, lists arrays.
 *
 * Pure: no clock, no randomness, no bindings. Compiled expressions are cached
 * per isolate (bounded LRU) because the same few expressions run for every
 * task instance of a run.
 */

/** The variables an expression can read. */
export interface ExpressionScope {
  /** The run's validated parameters. */
  params: Record<string, unknown>;
  runId: string;
  /** ISO date-time of the data interval the run covers, or null for manual runs. */
  logicalDate: string | null;
  /** The data interval `[dataIntervalStart, dataIntervalEnd)` of a scheduled or backfilled run (ISO times), else null. */
  dataIntervalStart?: string | null;
  dataIntervalEnd?: string | null;
  /** The logical date as `YYYY-MM-DD` in the DAG's timezone, else null. */
  ds?: string | null;
  /** What started the run: `{ type, ...detail }` (`trigger.object.key`, `trigger.body`, `trigger.upstream.runId`, …). */
  trigger?: Record<string, unknown>;
  /** Outputs of finished tasks, by task id. */
  tasks: Record<string, { output: unknown }>;
  /** The element a mapped task instance works on; absent outside mapped tasks. */
  item?: unknown;
  /** Index of a mapped task instance; absent (or null) outside mapped tasks. */
  mapIndex?: number | null;
}

/** Names an expression may use as variables, in the order the docs list them. */
export const SCOPE_VARIABLES = ["params", "tasks", "runId", "logicalDate", "dataIntervalStart", "dataIntervalEnd", "ds", "trigger", "item", "mapIndex"] as const;

/** Longest expression accepted: longer ones are data, not expressions. */
export const MAX_EXPRESSION_LENGTH = 10_000;

/** Compiled expressions kept per isolate. */
const CACHE_SIZE = 1_000;

/** Sources longer than this are elided in error messages. */
const QUOTED_SOURCE_CHARS = 120;

/**
 * An expression or template that does not compile or fails to evaluate.
 * `message` is one readable line: what, in which text, at which column, and
 * (for templates) at which JSON path, e.g.
 * `request.url: no such key 'q' in params (in \`params.q\`, column 8)`.
 */
export class ExpressionError extends Error {
  override readonly name = "ExpressionError";

  constructor(
    /** What went wrong, without the location. */
    readonly detail: string,
    /** The expression text (without `{{ }}`), or the template text for template-level problems. */
    readonly source: string,
    /** 0-based offset into `source`, when known. */
    readonly position?: number,
    /** cel-js error code (`no_such_key`, `unexpected_token`, …) or one of ours. */
    readonly code: string = "expression",
    /** JSON path of the templated string (`request.url`), when rendering a structure. */
    readonly path?: string,
  ) {
    super(formatMessage(detail, source, position, path));
  }

  /** The same error located under `segment` (a key or an array index) of an enclosing value. */
  under(segment: string | number): ExpressionError {
    const rest = this.path ?? "";
    const head = typeof segment === "number" ? `[${segment}]` : segment;
    const path = rest === "" ? head : rest.startsWith("[") || head === "" ? `${head}${rest}` : `${head}.${rest}`;
    return new ExpressionError(this.detail, this.source, this.position, this.code, path);
  }
}

function formatMessage(detail: string, source: string, position: number | undefined, path: string | undefined): string {
  const text = source.trim();
  const quoted = text.length > QUOTED_SOURCE_CHARS ? `${text.slice(0, QUOTED_SOURCE_CHARS)}…` : text;
  const where = position === undefined ? "" : `, column ${position + 1}`;
  const prefix = path === undefined || path === "" ? "" : `${path}: `;
  return text === "" ? `${prefix}${detail}` : `${prefix}${detail} (in \`${quoted}\`${where})`;
}

/** A parsed, type-checked expression, ready to evaluate against any scope. */
export interface CompiledExpression {
  readonly source: string;
  /** Task ids the expression reads as `tasks.<id>` or `tasks["<id>"]`, sorted. */
  readonly taskRefs: readonly string[];
  /** Evaluates against a scope; the result is plain JSON. Throws `ExpressionError`. */
  evaluate(scope: ExpressionScope): unknown;
}

function createEnvironment(): Environment {
  const env = new Environment({
    // Declared variables make a typo such as `param.x` a registration error, not a runtime one.
    unlistedVariablesAreDyn: false,
    // `[1, 'a']` and `{'n': 1, 's': 'x'}` are ordinary JSON; don't make users wrap them in dyn().
    homogeneousAggregateLiterals: false,
  })
    .registerVariable("params", "map")
    .registerVariable("tasks", "map")
    .registerVariable("runId", "string")
    .registerVariable("logicalDate", "dyn")
    .registerVariable("dataIntervalStart", "dyn")
    .registerVariable("dataIntervalEnd", "dyn")
    .registerVariable("ds", "dyn")
    .registerVariable("trigger", "map")
    .registerVariable("item", "dyn")
    .registerVariable("mapIndex", "int");
  const arithmetic: Array<[string, (a: number, b: number) => number]> = [
    ["+", (a, b) => a + b],
    ["-", (a, b) => a - b],
    ["*", (a, b) => a * b],
    ["/", (a, b) => a / b],
  ];
  for (const [op, fn] of arithmetic) {
    env.registerOperator(`double ${op} int`, (a: number, b: bigint) => fn(a, Number(b)));
    env.registerOperator(`int ${op} double`, (a: bigint, b: number) => fn(Number(a), b));
  }
  // Ordering across int and double is built in, equality is not (`1 == 1.0` has no
  // overload). cel-js derives `double == int` and both `!=` from this one.
  env.registerOperator("int == double", (a: bigint, b: number) => Number(a) === b);
  return env;
}

const ENV = createEnvironment();
const compiled = new BoundedCache<string, CompiledExpression | ExpressionError>(CACHE_SIZE);

/**
 * Compiles (parses and type-checks) an expression, or returns why it cannot
 * be compiled. Results, failures included, are cached by source text.
 */
export function tryCompileExpression(source: string): CompiledExpression | ExpressionError {
  return compiled.getOrSet(source, compileUncached);
}

/** Compiles an expression; throws `ExpressionError` (with the position) if it is invalid. */
export function compileExpression(source: string): CompiledExpression {
  const result = tryCompileExpression(source);
  if (result instanceof ExpressionError) throw result;
  return result;
}

/** Evaluates an expression against a scope; the result is plain JSON. Throws `ExpressionError`. */
export function evaluateExpression(source: string, scope: ExpressionScope): unknown {
  return compileExpression(source).evaluate(scope);
}

/** The reason an expression does not compile, or undefined if it does (for validation at registration). */
export function checkExpression(source: string): string | undefined {
  const result = tryCompileExpression(source);
  return result instanceof ExpressionError ? result.message : undefined;
}

/** Task ids an expression reads (`tasks.<id>`, `tasks["<id>"]`); empty if it does not compile. */
export function expressionTaskRefs(source: string): readonly string[] {
  const result = tryCompileExpression(source);
  return result instanceof ExpressionError ? [] : result.taskRefs;
}

function compileUncached(source: string): CompiledExpression | ExpressionError {
  if (source.trim() === "") return new ExpressionError("empty expression", source, undefined, "empty_expression");
  if (source.length > MAX_EXPRESSION_LENGTH) {
    return new ExpressionError(`expression longer than ${MAX_EXPRESSION_LENGTH} characters`, source, undefined, "too_long");
  }
  let program: ReturnType<Environment["parse"]>;
  try {
    program = ENV.parse(source);
  } catch (err) {
    return toExpressionError(err, source);
  }
  // Type-check once here so unknown variables, unknown functions and impossible
  // operations (`'a' + 1`) are caught at registration rather than mid-run.
  const checked = program.check();
  if (!checked.valid) return toExpressionError(checked.error, source);
  const taskRefs = collectTaskRefs(program.ast);
  return {
    source,
    taskRefs,
    evaluate(scope: ExpressionScope): unknown {
      let raw: unknown;
      try {
        raw = program(celContext(scope));
      } catch (err) {
        throw toExpressionError(err, source);
      }
      return toJson(raw, source);
    },
  };
}

// ---------------------------------------------------------------------------
// Scope → CEL values

/**
 * Converted copies of scope objects. Scope values are JSON read back from
 * storage and never mutated, so a task output referenced by 10,000 mapped
 * instances is converted once, not 10,000 times.
 */
const celCopies = new WeakMap<object, unknown>();

function celContext(scope: ExpressionScope): Record<string, unknown> {
  const ctx: Record<string, unknown> = {
    params: toCel(scope.params),
    tasks: toCel(scope.tasks),
    runId: scope.runId,
    logicalDate: scope.logicalDate,
    dataIntervalStart: scope.dataIntervalStart ?? null,
    dataIntervalEnd: scope.dataIntervalEnd ?? null,
    ds: scope.ds ?? null,
    trigger: toCel(scope.trigger ?? {}),
  };
  // Left out (not null) outside mapped tasks, so using them says so clearly.
  if (scope.item !== undefined) ctx.item = toCel(scope.item);
  if (scope.mapIndex !== undefined && scope.mapIndex !== null) ctx.mapIndex = BigInt(scope.mapIndex);
  return ctx;
}

/** Deep copy with safe integers as BigInt (CEL `int`); see the module comment. */
function toCel(value: unknown): unknown {
  if (typeof value === "number") return Number.isSafeInteger(value) ? BigInt(value) : value;
  if (typeof value !== "object" || value === null) return value;
  const cached = celCopies.get(value);
  if (cached !== undefined) return cached;
  let copy: unknown;
  if (Array.isArray(value)) copy = value.map(toCel);
  else if (isPlainObject(value)) {
    // fromEntries defines properties, so a JSON key "__proto__" stays a key.
    copy = Object.fromEntries(Object.entries(value).map(([k, v]) => [k, toCel(v)]));
  } else return value;
  celCopies.set(value, copy);
  return copy;
}

function isPlainObject(value: object): value is Record<string, unknown> {
  const proto: unknown = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

// ---------------------------------------------------------------------------
// CEL values → JSON

function toJson(value: unknown, source: string): unknown {
  switch (typeof value) {
    case "string":
    case "boolean":
      return value;
    case "undefined":
      return null;
    case "bigint":
      if (value > BigInt(Number.MAX_SAFE_INTEGER) || value < BigInt(Number.MIN_SAFE_INTEGER)) {
        throw new ExpressionError(`integer ${value} is beyond ±2^53 and cannot be represented in JSON`, source, undefined, "int_range");
      }
      return Number(value);
    case "number":
      if (!Number.isFinite(value)) {
        throw new ExpressionError(`result ${value} is not a finite number`, source, undefined, "not_finite");
      }
      return value;
    case "object":
      break;
    default:
      throw new ExpressionError(`a ${typeof value} has no JSON form`, source, undefined, "not_json");
  }
  if (value === null) return null;
  if (Array.isArray(value)) return value.map((v) => toJson(v, source));
  if (value instanceof Map) {
    return Object.fromEntries([...value].map(([k, v]) => [String(toJson(k, source)), toJson(v, source)]));
  }
  if (value instanceof Set) return [...value].map((v) => toJson(v, source));
  if (value instanceof Date) return value.toISOString();
  if (value instanceof Optional) return value.hasValue() ? toJson(value.value(), source) : null;
  if (value instanceof Uint8Array) {
    throw new ExpressionError("bytes have no JSON form; convert with string(…)", source, undefined, "not_json");
  }
  if (isPlainObject(value)) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, toJson(v, source)]));
  }
  if (value instanceof UnsignedInt) return toJson(value.valueOf(), source);
  // Durations print in CEL's own notation ("90s"); types by name.
  if (value instanceof Duration) return String(value);
  return String(value);
}

// ---------------------------------------------------------------------------
// Errors

type CelError = ParseError | EvaluationError | CelTypeError;

function isCelError(err: unknown): err is CelError {
  return err instanceof ParseError || err instanceof EvaluationError || err instanceof CelTypeError;
}

function toExpressionError(err: unknown, source: string): ExpressionError {
  if (err instanceof ExpressionError) return err;
  if (!isCelError(err)) {
    return new ExpressionError(err instanceof Error ? err.message : String(err), source);
  }
  const node = err.node;
  const position = err.range?.start ?? node?.start;
  return new ExpressionError(describe(err), source, position, err.code || "expression");
}

/** cel-js's one-line summary, made to name the key or variable it is about. */
function describe(err: CelError): string {
  const summary = err.summary || (err.message.split("\n")[0] ?? err.message);
  const node = err.node;
  const unknownVariable = /^Unknown variable: (\S+)/.exec(summary);
  if (unknownVariable) {
    const name = unknownVariable[1] ?? "";
    if (name === "item" || name === "mapIndex") return `'${name}' is only set in mapped task instances`;
    return `unknown variable '${name}' (expressions can read ${SCOPE_VARIABLES.join(", ")})`;
  }
  if (err.code === "no_such_key" && node !== undefined && isAstNode(node)) {
    if (node.op === "." || node.op === ".?") {
      const [target, key] = node.args;
      return `no such key '${key}' in ${serialize(target)}${hasHint(target, key)}`;
    }
    if ((node.op === "[]" || node.op === "[?]") && !/index out of bounds/.test(summary)) {
      const [target, key] = node.args;
      return `no such key ${serialize(key)} in ${serialize(target)}`;
    }
  }
  return summary;
}

function hasHint(target: ASTNode, key: string): string {
  // Optional params are the common case: point at the CEL way to test for them.
  return target.op === "id" && target.args === "params" ? ` (test with has(params.${key}))` : "";
}

// ---------------------------------------------------------------------------
// AST walk

function isAstNode(value: unknown): value is ASTNode {
  return typeof value === "object" && value !== null && "op" in value && "args" in value;
}

function isTasksVariable(node: ASTNode): boolean {
  return node.op === "id" && node.args === "tasks";
}

function collectTaskRefs(ast: ASTNode): string[] {
  const found = new Set<string>();
  const walk = (value: unknown): void => {
    if (Array.isArray(value)) {
      for (const v of value) walk(v);
      return;
    }
    if (!isAstNode(value)) return;
    if ((value.op === "." || value.op === ".?") && isTasksVariable(value.args[0])) found.add(value.args[1]);
    if ((value.op === "[]" || value.op === "[?]") && isTasksVariable(value.args[0])) {
      const key = value.args[1];
      if (key.op === "value" && typeof key.args === "string") found.add(key.args);
    }
    walk(value.args);
  };
  walk(ast);
  return [...found].sort();
}
