import { describe, expect, it } from "vitest";
import { z } from "zod";
import { defineFunction, NonRetriableError, type FunctionContext } from "../../../src/functions/define";
import { blob, echo, fail, noop, range, sleep, sum } from "../../../src/functions/examples";
import { buildRegistry, FUNCTIONS, functionNames } from "../../../src/functions/registry";

function context(overrides: Partial<FunctionContext> = {}): FunctionContext {
  return { runId: "run-1", taskId: "t", attempt: 1, mapIndex: null, signal: new AbortController().signal, ...overrides };
}

describe("registry", () => {
  it("lists every example by name, sorted", () => {
    expect(functionNames()).toEqual(["blob", "echo", "fail", "noop", "range", "sleep", "sum"]);
    expect(FUNCTIONS.get("sum")).toBe(sum);
  });

  it("refuses a name defined twice", () => {
    const a = defineFunction({ name: "dup", run: () => 1 });
    const b = defineFunction({ name: "dup", run: () => 2 });
    expect(() => buildRegistry([a, b])).toThrow(/'dup' is defined twice/);
  });

  it("defineFunction refuses a malformed name", () => {
    expect(() => defineFunction({ name: "Bad Name", run: () => null })).toThrow(/must match/);
  });

  it("defineFunction types run's input from the schema and always returns a promise", async () => {
    const double = defineFunction({ name: "double", input: z.object({ x: z.number() }), run: ({ x }) => x * 2 });
    const result = double.run({ x: 21 }, context());
    expect(result).toBeInstanceOf(Promise);
    await expect(result).resolves.toBe(42);
  });
});

describe("example functions", () => {
  it("noop returns null", async () => {
    await expect(noop.run(undefined, context())).resolves.toBeNull();
  });

  it("echo returns its input, and null for none", async () => {
    await expect(echo.run({ a: [1, "x"] }, context())).resolves.toEqual({ a: [1, "x"] });
    await expect(echo.run(undefined, context())).resolves.toBeNull();
  });

  it("sum adds values", async () => {
    await expect(sum.run({ values: [1, 2, 3.5] }, context())).resolves.toEqual({ total: 6.5 });
    await expect(sum.run({ values: [] }, context())).resolves.toEqual({ total: 0 });
  });

  it("sum's schema rejects non-numbers", () => {
    expect(sum.input?.safeParse({ values: [1, "2"] }).success).toBe(false);
  });

  it("range returns [0..n-1] and caps n at 10,000", async () => {
    await expect(range.run({ n: 4 }, context())).resolves.toEqual([0, 1, 2, 3]);
    await expect(range.run({ n: 0 }, context())).resolves.toEqual([]);
    expect(range.input?.safeParse({ n: 10_000 }).success).toBe(true);
    expect(range.input?.safeParse({ n: 10_001 }).success).toBe(false);
    expect(range.input?.safeParse({ n: 2.5 }).success).toBe(false);
  });

  it("fail throws its message (or a default one)", async () => {
    await expect(fail.run({ message: "boom" }, context())).rejects.toThrow("boom");
    await expect(fail.run(undefined, context())).rejects.toThrow("failed on purpose");
    await expect(fail.run({ message: "gone", permanent: true }, context())).rejects.toBeInstanceOf(NonRetriableError);
    await expect(fail.run({ message: "flaky" }, context())).rejects.not.toBeInstanceOf(NonRetriableError);
  });

  it("fail with succeedOnAttempt fails the earlier attempts and then succeeds", async () => {
    await expect(fail.run({ succeedOnAttempt: 3 }, context({ attempt: 2 }))).rejects.toThrow();
    await expect(fail.run({ succeedOnAttempt: 3 }, context({ attempt: 3 }))).resolves.toEqual({ attempt: 3 });
  });

  it("sleep waits the given time", async () => {
    await expect(sleep.run({ ms: 5 }, context())).resolves.toEqual({ sleptMs: 5 });
    expect(sleep.input?.safeParse({ ms: 60_001 }).success).toBe(false);
  });

  it("sleep stops as soon as the signal aborts", async () => {
    const controller = new AbortController();
    const started = performance.now();
    const pending = sleep.run({ ms: 60_000 }, context({ signal: controller.signal }));
    setTimeout(() => controller.abort(), 10);
    await expect(pending).rejects.toThrow(/aborted/);
    expect(performance.now() - started).toBeLessThan(5_000);
  });

  it("sleep rejects at once with an already aborted signal", async () => {
    const controller = new AbortController();
    controller.abort();
    await expect(sleep.run({ ms: 60_000 }, context({ signal: controller.signal }))).rejects.toThrow(/aborted/);
  });
});

describe("blob", () => {
  it("returns a string of the asked length, or throws an error whose message is that long", async () => {
    await expect(blob.run({ bytes: 5 }, context())).resolves.toBe("xxxxx");
    await expect(blob.run({ bytes: 1_000, fail: true }, context())).rejects.toThrow(/^x{1000}$/);
  });
});
