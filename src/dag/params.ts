import { z } from "zod";
// Type-only: spec.ts imports this module, so a value import back into the dag
// modules would be circular and read uninitialised bindings.
import type { SpecIssue } from "../lib/issues";

/**
 * Typed run parameters. A DAG declares them (`params: { region: { type:
 * "string", enum: ["eu", "us"], default: "eu" } }`); a trigger's params are
 * checked against the declaration and completed with defaults before the run
 * exists, so tasks and expressions read `params.region` knowing it is valid.
 *
 * A JSON-Schema-like vocabulary on purpose (type, enum, minimum, maximum,
 * pattern, items): most users have written it before. `minimum`/`maximum`
 * bound numbers only and `pattern` is unanchored, as in JSON Schema.
 */

export const ParamTypeSchema = z.enum(["string", "number", "integer", "boolean", "date", "datetime", "array", "object"]);
export type ParamType = z.infer<typeof ParamTypeSchema>;

/** Values an `enum` may list (JSON scalars). */
const EnumValueSchema = z.union([z.string(), z.number(), z.boolean()]);

/** Constraints shared by a param and the elements of an array param. */
const valueRules = {
  enum: z.array(EnumValueSchema).min(1).max(1_000).optional(),
  minimum: z.number().optional(),
  maximum: z.number().optional(),
  /** An ECMAScript regular expression (with the `u` flag), unanchored: write `^…$` to match the whole value. */
  pattern: z.string().min(1).max(1_000).optional(),
};

/** The element type of an array param: a type name, or a type with constraints. */
export const ParamItemsSchema = z.union([
  ParamTypeSchema.exclude(["array"]),
  z
    .object({ type: ParamTypeSchema.exclude(["array"]), ...valueRules })
    .strict(),
]);
export type ParamItems = z.infer<typeof ParamItemsSchema>;

export const ParamSpecSchema = z
  .object({
    type: ParamTypeSchema,
    description: z.string().max(2_000).optional(),
    /** Used when the trigger leaves the param out; a param with a default is never missing. */
    default: z.unknown().optional(),
    /** A param with neither a default nor `required: true` may be absent (test with `has(params.x)`). */
    required: z.boolean().optional(),
    ...valueRules,
    /** For `array` params: the type of every element. */
    items: ParamItemsSchema.optional(),
  })
  .strict();
export type ParamSpec = z.infer<typeof ParamSpecSchema>;

/**
 * Param names are CEL identifiers (not `in`, `null`, `true`, `false`, which
 * CEL reserves), so every param can be read as `params.<name>`; a task id
 * may contain `-`, a param name may not.
 */
export const PARAM_NAME_PATTERN = /^(?!(?:in|null|true|false)$)[A-Za-z_][A-Za-z0-9_]{0,63}$/;

export const ParamNameSchema = z.string().regex(PARAM_NAME_PATTERN, {
  message: "must be an identifier (letters, digits and _, not starting with a digit; not in/null/true/false)",
});

export const ParamsSpecSchema = z
  .record(ParamNameSchema, ParamSpecSchema)
  .refine((params) => Object.keys(params).length <= 200, { message: "at most 200 params" });
export type ParamsSpec = z.infer<typeof ParamsSpecSchema>;

/** Outcome of checking a trigger's params. */
export type RunParamsResult = { ok: true; params: Record<string, unknown> } | { ok: false; issues: SpecIssue[] };

/** The constraints `valueIssues` applies (a param spec or an array's element spec). */
interface ValueRules {
  type: ParamType;
  enum?: ReadonlyArray<string | number | boolean> | undefined;
  minimum?: number | undefined;
  maximum?: number | undefined;
  pattern?: string | undefined;
  items?: ParamItems | undefined;
}

const DateSchema = z.iso.date();
const DateTimeSchema = z.iso.datetime({ offset: true });

const NUMERIC: ReadonlySet<ParamType> = new Set<ParamType>(["number", "integer"]);
const ENUMERABLE: ReadonlySet<ParamType> = new Set<ParamType>(["string", "number", "integer", "boolean", "date", "datetime"]);

/**
 * Checks that the declarations are consistent: constraints fit the type,
 * `pattern` compiles, `minimum ≤ maximum`, and every `enum` value and
 * `default` satisfies the param's own rules. Paths look like `params.region.default`.
 */
export function paramsSpecIssues(spec: ParamsSpec, basePath = "params"): SpecIssue[] {
  const issues: SpecIssue[] = [];
  for (const [name, param] of Object.entries(spec)) {
    const path = `${basePath}.${name}`;
    const ruleIssues = rulesIssues(param, path);
    issues.push(...ruleIssues);
    if (param.items !== undefined) {
      if (param.type !== "array") issues.push({ path: `${path}.items`, message: "only applies to array params" });
      else if (typeof param.items !== "string") issues.push(...rulesIssues(param.items, `${path}.items`));
    }
    // A default is only checked against rules that are themselves sound.
    if (param.default !== undefined && ruleIssues.length === 0) {
      issues.push(...valueIssues(param, param.default, `${path}.default`));
    }
  }
  return issues;
}

function rulesIssues(rules: ValueRules, path: string): SpecIssue[] {
  const issues: SpecIssue[] = [];
  const { type } = rules;
  if (rules.minimum !== undefined && !NUMERIC.has(type)) {
    issues.push({ path: `${path}.minimum`, message: "only applies to number and integer params" });
  }
  if (rules.maximum !== undefined && !NUMERIC.has(type)) {
    issues.push({ path: `${path}.maximum`, message: "only applies to number and integer params" });
  }
  if (rules.minimum !== undefined && rules.maximum !== undefined && rules.minimum > rules.maximum) {
    issues.push({ path: `${path}.minimum`, message: `must be ≤ maximum (${rules.maximum})` });
  }
  if (rules.pattern !== undefined) {
    if (type !== "string") issues.push({ path: `${path}.pattern`, message: "only applies to string params" });
    else {
      const error = regexError(rules.pattern);
      if (error !== undefined) issues.push({ path: `${path}.pattern`, message: `invalid regular expression: ${error}` });
    }
  }
  if (rules.enum !== undefined) {
    if (!ENUMERABLE.has(type)) issues.push({ path: `${path}.enum`, message: `does not apply to ${type} params` });
    else if (issues.length === 0) {
      // Each listed value must itself be acceptable, or the param could never take it.
      const own: ValueRules = { ...rules, enum: undefined };
      rules.enum.forEach((value, i) => issues.push(...valueIssues(own, value, `${path}.enum[${i}]`)));
    }
  }
  return issues;
}

function regexError(pattern: string): string | undefined {
  try {
    new RegExp(pattern, "u");
    return undefined;
  } catch (err) {
    return err instanceof Error ? err.message : String(err);
  }
}

/**
 * Checks a trigger's params against the declaration: unknown params, missing
 * required ones, wrong types, enum, range and pattern violations, each named
 * by path (`params.region`). On success returns the params with defaults
 * filled in, in declaration order. Optional params without a default that
 * were not given stay absent.
 *
 * `spec` undefined means the DAG declares no params at all: the given params
 * pass through unchecked, as before params could be declared. A DAG that
 * declares `params: {}` accepts none.
 */
export function validateRunParams(spec: ParamsSpec | undefined, given: Record<string, unknown>): RunParamsResult {
  if (spec === undefined) return { ok: true, params: { ...given } };
  const issues: SpecIssue[] = [];
  const declared = Object.keys(spec);
  for (const name of Object.keys(given)) {
    if (!Object.hasOwn(spec, name)) {
      const known = declared.length === 0 ? "this DAG declares no params" : `declared: ${declared.join(", ")}`;
      issues.push({ path: `params.${name}`, message: `unknown param '${name}' (${known})` });
    }
  }
  const params: Record<string, unknown> = {};
  for (const [name, param] of Object.entries(spec)) {
    const path = `params.${name}`;
    const value = Object.hasOwn(given, name) ? given[name] : undefined;
    if (value === undefined) {
      // Cloned so a run that mutates its params cannot change the DAG's default.
      if (param.default !== undefined) params[name] = structuredClone(param.default);
      else if (param.required === true) issues.push({ path, message: "is required" });
      continue;
    }
    const found = valueIssues(param, value, path);
    if (found.length > 0) issues.push(...found);
    else params[name] = value;
  }
  return issues.length > 0 ? { ok: false, issues } : { ok: true, params };
}

/** Problems of one value against one set of rules (recursing into array elements). */
function valueIssues(rules: ValueRules, value: unknown, path: string): SpecIssue[] {
  const typeProblem = typeMismatch(rules.type, value);
  if (typeProblem !== undefined) return [{ path, message: `${typeProblem}, got ${show(value)}` }];
  const issues: SpecIssue[] = [];
  if (rules.enum !== undefined && !rules.enum.some((allowed) => allowed === value)) {
    issues.push({ path, message: `must be one of ${rules.enum.map(show).join(", ")}` });
  }
  if (typeof value === "number") {
    if (rules.minimum !== undefined && value < rules.minimum) issues.push({ path, message: `must be ≥ ${rules.minimum}` });
    if (rules.maximum !== undefined && value > rules.maximum) issues.push({ path, message: `must be ≤ ${rules.maximum}` });
  }
  if (typeof value === "string" && rules.pattern !== undefined && regexError(rules.pattern) === undefined) {
    if (!new RegExp(rules.pattern, "u").test(value)) issues.push({ path, message: `must match the pattern ${rules.pattern}` });
  }
  if (Array.isArray(value) && rules.items !== undefined) {
    const items: ValueRules = typeof rules.items === "string" ? { type: rules.items } : rules.items;
    value.forEach((element, i) => issues.push(...valueIssues(items, element, `${path}[${i}]`)));
  }
  return issues;
}

/** Why `value` is not of `type`, or undefined when it is. */
function typeMismatch(type: ParamType, value: unknown): string | undefined {
  switch (type) {
    case "string":
      return typeof value === "string" ? undefined : "must be a string";
    case "number":
      return typeof value === "number" && Number.isFinite(value) ? undefined : "must be a number";
    case "integer":
      return Number.isSafeInteger(value) ? undefined : "must be an integer";
    case "boolean":
      return typeof value === "boolean" ? undefined : "must be true or false";
    case "date":
      return DateSchema.safeParse(value).success ? undefined : "must be a calendar date as YYYY-MM-DD";
    case "datetime":
      return DateTimeSchema.safeParse(value).success
        ? undefined
        : "must be an ISO 8601 date-time with a time zone (e.g. 2024-05-01T12:00:00Z or …+02:00)";
    case "array":
      return Array.isArray(value) ? undefined : "must be an array";
    case "object":
      return typeof value === "object" && value !== null && !Array.isArray(value) ? undefined : "must be an object";
  }
}

/** A short rendering of a value for messages: strings in single quotes, others as JSON. */
function show(value: unknown): string {
  const text = typeof value === "string" ? `'${value}'` : value === undefined ? "nothing" : JSON.stringify(value);
  return text.length > 60 ? `${text.slice(0, 57)}…` : text;
}
