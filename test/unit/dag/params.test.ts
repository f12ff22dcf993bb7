import { describe, expect, it } from "vitest";
import {
  ParamsSpecSchema,
  ParamSpecSchema,
  paramsSpecIssues,
  validateRunParams,
  type ParamsSpec,
} from "../../../src/dag/params";
import type { SpecIssue } from "../../../src/lib/issues";

const spec: ParamsSpec = {
  region: { type: "string", enum: ["eu", "us"], default: "eu" },
  limit: { type: "integer", minimum: 1, maximum: 1000, default: 100 },
  ratio: { type: "number", minimum: 0, maximum: 1 },
  code: { type: "string", pattern: "^[A-Z]{3}$" },
  date: { type: "date" },
  at: { type: "datetime" },
  dryRun: { type: "boolean", default: false },
  ids: { type: "array", items: "integer" },
  tags: { type: "array", items: { type: "string", enum: ["a", "b"] } },
  options: { type: "object" },
  token: { type: "string", required: true },
};

function issuesOf(given: Record<string, unknown>, s: ParamsSpec = spec): SpecIssue[] {
  const result = validateRunParams(s, given);
  if (result.ok) throw new Error(`expected the params to be rejected: ${JSON.stringify(given)}`);
  return result.issues;
}

function paramsOf(given: Record<string, unknown>, s: ParamsSpec = spec): Record<string, unknown> {
  const result = validateRunParams(s, given);
  if (!result.ok) throw new Error(`expected the params to be accepted: ${JSON.stringify(result.issues)}`);
  return result.params;
}

describe("ParamsSpecSchema", () => {
  it("accepts the declarations of the example spec", () => {
    expect(ParamsSpecSchema.safeParse(spec).success).toBe(true);
  });

  it("is strict: an unknown property is rejected", () => {
    expect(ParamSpecSchema.safeParse({ type: "string", minLength: 2 }).success).toBe(false);
  });

  it("rejects an unknown type", () => {
    expect(ParamSpecSchema.safeParse({ type: "float" }).success).toBe(false);
  });

  it("requires names readable as params.<name> in expressions", () => {
    expect(ParamsSpecSchema.safeParse({ data_volume: { type: "number" }, _x: { type: "string" } }).success).toBe(true);
    for (const name of ["my-param", "1st", "a.b", "in", "null", "true", ""]) {
      expect(ParamsSpecSchema.safeParse({ [name]: { type: "string" } }).success, name).toBe(false);
    }
  });
});

describe("paramsSpecIssues", () => {
  it("accepts consistent declarations", () => {
    expect(paramsSpecIssues(spec)).toEqual([]);
  });

  it("rejects a default that does not satisfy the param's own rules", () => {
    const issues = paramsSpecIssues({
      region: { type: "string", enum: ["eu", "us"], default: "asia" },
      limit: { type: "integer", minimum: 1, default: 0 },
      n: { type: "number", default: "5" },
      code: { type: "string", pattern: "^[a-z]+$", default: "ABC" },
      ids: { type: "array", items: "integer", default: [1, 2.5] },
    });
    expect(issues).toEqual([
      { path: "params.region.default", message: "must be one of 'eu', 'us'" },
      { path: "params.limit.default", message: "must be ≥ 1" },
      { path: "params.n.default", message: "must be a number, got '5'" },
      { path: "params.code.default", message: "must match the pattern ^[a-z]+$" },
      { path: "params.ids.default[1]", message: "must be an integer, got 2.5" },
    ]);
  });

  it("rejects an invalid regular expression", () => {
    const issues = paramsSpecIssues({ code: { type: "string", pattern: "([a-z" } });
    expect(issues.map((i) => i.path)).toEqual(["params.code.pattern"]);
    expect(issues[0]?.message).toMatch(/^invalid regular expression/);
  });

  it("rejects minimum > maximum", () => {
    expect(paramsSpecIssues({ n: { type: "number", minimum: 10, maximum: 1 } })).toEqual([
      { path: "params.n.minimum", message: "must be ≤ maximum (1)" },
    ]);
  });

  it("rejects constraints that do not apply to the type", () => {
    const issues = paramsSpecIssues({
      s: { type: "string", minimum: 1 },
      n: { type: "number", pattern: "^1$" },
      o: { type: "object", enum: ["a"] },
      b: { type: "boolean", items: "string" },
    });
    expect(issues.map((i) => i.path)).toEqual(["params.s.minimum", "params.n.pattern", "params.o.enum", "params.b.items"]);
  });

  it("rejects enum values of the wrong type", () => {
    expect(paramsSpecIssues({ n: { type: "integer", enum: [1, "2", 3.5] } })).toEqual([
      { path: "params.n.enum[1]", message: "must be an integer, got '2'" },
      { path: "params.n.enum[2]", message: "must be an integer, got 3.5" },
    ]);
  });

  it("checks the constraints of array items", () => {
    expect(paramsSpecIssues({ l: { type: "array", items: { type: "string", pattern: "(" } } }).map((i) => i.path)).toEqual([
      "params.l.items.pattern",
    ]);
  });
});

describe("validateRunParams: accepting", () => {
  it("fills defaults and keeps given values, in declaration order", () => {
    const params = paramsOf({ token: "t", limit: 5 });
    expect(params).toEqual({ region: "eu", limit: 5, dryRun: false, token: "t" });
    expect(Object.keys(params)).toEqual(["region", "limit", "dryRun", "token"]);
  });

  it("leaves optional params without a default absent", () => {
    expect("ratio" in paramsOf({ token: "t" })).toBe(false);
  });

  it("accepts every type when the value fits", () => {
    const given = {
      token: "t",
      region: "us",
      limit: 1000,
      ratio: 0.25,
      code: "ABC",
      date: "2024-02-29",
      at: "2024-05-01T12:30:00+02:00",
      dryRun: true,
      ids: [1, 2, 3],
      tags: ["a", "b", "a"],
      options: { nested: [1] },
    };
    expect(paramsOf(given)).toEqual(given);
  });

  it("copies defaults, so changing a run's params cannot change the DAG's default", () => {
    const s: ParamsSpec = { list: { type: "array", default: [1] } };
    const first = paramsOf({}, s);
    (first.list as number[]).push(2);
    expect(paramsOf({}, s)).toEqual({ list: [1] });
  });

  it("passes params through unchecked when the DAG declares none", () => {
    expect(validateRunParams(undefined, { anything: 1 })).toEqual({ ok: true, params: { anything: 1 } });
  });
});

describe("validateRunParams: rejecting, each param named", () => {
  it("an undeclared param", () => {
    expect(issuesOf({ token: "t", regoin: "eu" })).toEqual([
      { path: "params.regoin", message: expect.stringContaining("unknown param 'regoin'") },
    ]);
  });

  it("any param when the DAG declares params: {}", () => {
    expect(issuesOf({ x: 1 }, {})).toEqual([{ path: "params.x", message: "unknown param 'x' (this DAG declares no params)" }]);
  });

  it("a missing required param (but never one with a default)", () => {
    expect(issuesOf({})).toEqual([{ path: "params.token", message: "is required" }]);
    expect(paramsOf({}, { r: { type: "string", required: true, default: "x" } })).toEqual({ r: "x" });
  });

  it("a value not in the enum", () => {
    expect(issuesOf({ token: "t", region: "asia" })).toEqual([{ path: "params.region", message: "must be one of 'eu', 'us'" }]);
  });

  it("values out of range", () => {
    expect(issuesOf({ token: "t", limit: 0, ratio: 1.5 })).toEqual([
      { path: "params.limit", message: "must be ≥ 1" },
      { path: "params.ratio", message: "must be ≤ 1" },
    ]);
  });

  it("a pattern mismatch", () => {
    expect(issuesOf({ token: "t", code: "abc" })).toEqual([{ path: "params.code", message: "must match the pattern ^[A-Z]{3}$" }]);
  });

  it.each<[string, unknown, RegExp]>([
    ["token", 5, /must be a string, got 5/],
    ["limit", 2.5, /must be an integer/],
    ["limit", "10", /must be an integer, got '10'/],
    ["ratio", "0.5", /must be a number/],
    ["dryRun", "true", /must be true or false/],
    ["ids", "1,2", /must be an array/],
    ["options", [1], /must be an object/],
    ["options", null, /must be an object, got null/],
    ["date", "2023-02-29", /calendar date as YYYY-MM-DD/],
    ["date", "2024-13-01", /calendar date/],
    ["date", "2024-5-1", /calendar date/],
    ["date", "2024-05-01T00:00:00Z", /calendar date/],
    ["at", "2024-05-01T12:00:00", /with a time zone/],
    ["at", "2024-05-01", /ISO 8601 date-time/],
    ["at", "2024-02-30T12:00:00Z", /ISO 8601 date-time/],
  ])("%s = %j: %s", (name, value, pattern) => {
    const issues = issuesOf({ token: "t", [name]: value });
    expect(issues).toHaveLength(1);
    expect(issues[0]?.path).toBe(`params.${name}`);
    expect(issues[0]?.message).toMatch(pattern);
  });

  it("bad array elements, each at its index", () => {
    expect(issuesOf({ token: "t", ids: [1, "2", 3.5], tags: ["a", "c"] })).toEqual([
      { path: "params.ids[1]", message: "must be an integer, got '2'" },
      { path: "params.ids[2]", message: "must be an integer, got 3.5" },
      { path: "params.tags[1]", message: "must be one of 'a', 'b'" },
    ]);
  });

  it("reports every problem at once", () => {
    expect(issuesOf({ region: "asia", limit: 5000, extra: 1 }).map((i) => i.path)).toEqual([
      "params.extra",
      "params.region",
      "params.limit",
      "params.token",
    ]);
  });

  it("a key such as constructor or __proto__ is unknown, not inherited", () => {
    const given = JSON.parse('{"token": "t", "constructor": 1, "__proto__": 2}') as Record<string, unknown>;
    expect(issuesOf(given).map((i) => i.path)).toEqual(["params.constructor", "params.__proto__"]);
  });
});
