import { describe, expect, it } from "vitest";
import {
  ExpressionError,
  checkExpression,
  compileExpression,
  evaluateExpression,
  expressionTaskRefs,
  type ExpressionScope,
} from "../../../src/expr/expression";
import { errorOf } from "./expect-error";

const scope: ExpressionScope = {
  params: { region: "eu", volume: 2_000_000, data_volume: 500, n: 3, ratio: 2.5, flag: true, tags: ["a", "b"] },
  runId: "run-1",
  logicalDate: "2024-05-01T00:00:00Z",
  tasks: { extract: { output: { items: [{ id: 1 }, { id: 2 }, { id: 3 }], count: 3 } } },
};

const mapped = (item: unknown, mapIndex = 0): ExpressionScope => ({ ...scope, item, mapIndex });


describe("evaluateExpression: the expressions DAGs are written with", () => {
  it.each<[string, unknown]>([
    ["params.region", "eu"],
    ["tasks.extract.output.items", [{ id: 1 }, { id: 2 }, { id: 3 }]],
    ["params.volume > 1000000", true],
    ["params.data_volume > 1000000 ? 'heavy_processing' : 'light_processing'", "light_processing"],
    ["params.region == 'eu'", true],
    ["size(tasks.extract.output.items)", 3],
    ["params.n * 2", 6],
    ["has(params.region)", true],
    ["has(params.missing)", false],
    ["runId", "run-1"],
    ["logicalDate", "2024-05-01T00:00:00Z"],
    ["'b' in params.tags", true],
    ["tasks.extract.output.items.map(i, i.id * 10)", [10, 20, 30]],
    ["tasks.extract.output.items.filter(i, i.id > 1).size()", 2],
  ])("%s → %j", (source, expected) => {
    expect(evaluateExpression(source, scope)).toEqual(expected);
  });

  it("reads the mapped item: a field of an object, a number or a string", () => {
    expect(evaluateExpression("item.id", mapped({ id: 7 }))).toBe(7);
    expect(evaluateExpression("item", mapped(4))).toBe(4);
    expect(evaluateExpression("item * 2", mapped(4))).toBe(8);
    expect(evaluateExpression("item", mapped("s3://bucket/a.csv"))).toBe("s3://bucket/a.csv");
    expect(evaluateExpression("mapIndex + 1", mapped("x", 4))).toBe(5);
  });
});

describe("evaluateExpression: numbers from JSON mix with CEL literals", () => {
  it("a whole number from the scope is a CEL int: arithmetic with int literals and list indexing work", () => {
    expect(evaluateExpression("params.n * 2", scope)).toBe(6);
    expect(evaluateExpression("params.n + 1", scope)).toBe(4);
    expect(evaluateExpression("params.tags[params.n - 2]", scope)).toBe("b");
  });

  it("int / int is integer division, as in CEL; a double literal gives a fraction", () => {
    expect(evaluateExpression("params.n / 2", scope)).toBe(1);
    expect(evaluateExpression("params.n / 2.0", scope)).toBe(1.5);
  });

  it("a fractional number from the scope works with int literals (promoted to double)", () => {
    expect(evaluateExpression("params.ratio * 2", scope)).toBe(5);
    expect(evaluateExpression("params.ratio + 1", scope)).toBe(3.5);
    expect(evaluateExpression("2 - params.ratio", scope)).toBe(-0.5);
    expect(evaluateExpression("params.n * 1.5", scope)).toBe(4.5);
  });

  it("compares ints with doubles both ways, including equality", () => {
    expect(evaluateExpression("params.ratio > 2", scope)).toBe(true);
    expect(evaluateExpression("params.n < 3.5", scope)).toBe(true);
    expect(evaluateExpression("params.n == 3.0", scope)).toBe(true);
    expect(evaluateExpression("1 == 1.0", scope)).toBe(true);
    expect(evaluateExpression("params.ratio != 2", scope)).toBe(true);
  });
});

describe("evaluateExpression: results are plain JSON", () => {
  it("ints come back as numbers, not BigInt", () => {
    const result = evaluateExpression("size(params.tags) + 40", scope);
    expect(typeof result).toBe("number");
    expect(result).toBe(42);
  });

  it("map literals become plain objects and lists arrays, deeply", () => {
    const result = evaluateExpression("{'a': 1, 'b': [1, 'x', {'c': true}], 'd': null}", scope);
    expect(result).toEqual({ a: 1, b: [1, "x", { c: true }], d: null });
    expect(Object.getPrototypeOf(result)).toBe(Object.prototype);
    expect(JSON.parse(JSON.stringify(result))).toEqual(result);
  });

  it("timestamps, durations and uints have JSON forms", () => {
    expect(evaluateExpression("timestamp('2024-01-02T03:04:05Z')", scope)).toBe("2024-01-02T03:04:05.000Z");
    expect(evaluateExpression("duration('90s')", scope)).toBe("90s");
    expect(evaluateExpression("2u + 3u", scope)).toBe(5);
  });

  it("an int beyond ±2^53 is an error, not a silently rounded number", () => {
    expect(errorOf(() => evaluateExpression("9007199254740993", scope)).message).toMatch(/2\^53/);
  });

  it("a non-finite result is an error (JSON has no Infinity)", () => {
    expect(errorOf(() => evaluateExpression("1.0 / 0.0", scope)).message).toMatch(/not a finite number/);
  });

  it("does not let a JSON key __proto__ change an object's prototype", () => {
    const params = JSON.parse('{"obj": {"__proto__": {"polluted": 1}}}') as Record<string, unknown>;
    const result = evaluateExpression("params.obj", { ...scope, params }) as Record<string, unknown>;
    expect(Object.getPrototypeOf(result)).toBe(Object.prototype);
    expect(Object.keys(result)).toEqual(["__proto__"]);
  });

  it("does not mutate the scope (ints stay numbers there)", () => {
    const params = { n: 5, list: [1, 2] };
    evaluateExpression("params.n + size(params.list)", { ...scope, params });
    expect(params).toEqual({ n: 5, list: [1, 2] });
    expect(typeof params.n).toBe("number");
  });
});

describe("evaluateExpression: errors say what is wrong and where", () => {
  it("a missing key names the key and the object, and suggests has() for params", () => {
    const err = errorOf(() => evaluateExpression("params.missing", scope));
    expect(err).toBeInstanceOf(ExpressionError);
    expect(err.message).toContain("no such key 'missing' in params");
    expect(err.message).toContain("has(params.missing)");
    expect(err.message).toContain("column 8");
    expect(err.code).toBe("no_such_key");
  });

  it("a task that has no output in the scope is named", () => {
    expect(errorOf(() => evaluateExpression("tasks.load.output", scope)).message).toContain("no such key 'load' in tasks");
  });

  it("item and mapIndex outside a mapped task say so", () => {
    expect(errorOf(() => evaluateExpression("item.id", scope)).message).toContain("'item' is only set in mapped task instances");
    expect(errorOf(() => evaluateExpression("mapIndex", scope)).message).toContain("'mapIndex' is only set in mapped");
  });

  it("a list index out of range is reported", () => {
    expect(errorOf(() => evaluateExpression("params.tags[5]", scope)).message).toMatch(/index out of bounds/);
  });
});

describe("compileExpression / checkExpression", () => {
  it("rejects a syntax error with the position", () => {
    const err = errorOf(() => compileExpression("params.volume >"));
    expect(err.position).toBe(15);
    expect(err.message).toContain("column 16");
    expect(err.message).toContain("`params.volume >`");
  });

  it.each([
    ["1 +", /Unexpected token/],
    ["'unterminated", /Unterminated string/],
    ["param.region", /unknown variable 'param'/],
    ["nosuchfn(1)", /nosuchfn/],
    ["'a' + 1", /no such overload/],
    ["   ", /empty expression/],
  ])("checkExpression(%j) reports %s", (source, pattern) => {
    expect(checkExpression(source)).toMatch(pattern);
  });

  it("accepts valid expressions", () => {
    expect(checkExpression("params.data_volume > 1000000 ? 'heavy' : 'light'")).toBeUndefined();
    expect(checkExpression("has(params.x) && item.id > mapIndex")).toBeUndefined();
  });

  it("rejects an over-long expression", () => {
    expect(checkExpression(`${"1 + ".repeat(3_000)}1`)).toMatch(/longer than/);
  });

  it("returns the same compiled expression for the same source (cached)", () => {
    expect(compileExpression("params.n + 100")).toBe(compileExpression("params.n + 100"));
  });

  it("evaluates one compiled expression against different scopes", () => {
    const compiled = compileExpression("params.n * 10");
    expect(compiled.evaluate({ ...scope, params: { n: 1 } })).toBe(10);
    expect(compiled.evaluate({ ...scope, params: { n: 2 } })).toBe(20);
  });
});

describe("expressionTaskRefs", () => {
  it("finds tasks read by field, by index and inside macros, sorted and unique", () => {
    const refs = expressionTaskRefs(
      "has(tasks.b.output) && tasks['my-task'].output.items.map(x, x + tasks.a.output.n).size() > tasks.b.output.n",
    );
    expect(refs).toEqual(["a", "b", "my-task"]);
  });

  it("ignores params and other variables", () => {
    expect(expressionTaskRefs("params.tasks == 'x' && item.tasks > 1")).toEqual([]);
  });

  it("is empty for an expression that does not compile", () => {
    expect(expressionTaskRefs("tasks.a.output +")).toEqual([]);
  });
});
