import { describe, expect, it } from "vitest";
import { compileDag, DEFAULT_RETRY, DEFAULT_TIMEOUT_MS, type Plan } from "../../../src/dag/plan";
import type { DagSpec } from "../../../src/dag/spec";
import { validateDagSpec } from "../../../src/dag/validate";

const SQL = { type: "sql", sql: "select 1" } as const;

function plan(tasks: Record<string, unknown>): Plan {
  const result = validateDagSpec({ tasks });
  if (!result.ok) throw new Error(JSON.stringify(result.issues));
  return compileDag(result.spec);
}

const ids = (p: Plan, indices: number[]) => indices.map((i) => p.tasks[i]!.id);

describe("compileDag", () => {
  // Declared downstream-first so declaration order is not already topological.
  const diamond = {
    report: { ...SQL, dependsOn: ["left", "right"] },
    right: { ...SQL, dependsOn: ["extract"] },
    left: { ...SQL, dependsOn: ["extract"] },
    extract: SQL,
  };

  it("orders tasks topologically: every task after all its upstream tasks", () => {
    const p = plan(diamond);
    const order = p.tasks.map((t) => t.id);
    expect(order[0]).toBe("extract");
    expect(order[3]).toBe("report");
    for (const t of p.tasks) for (const up of t.upstream) expect(up).toBeLessThan(t.index);
  });

  it("keeps declaration order among tasks that become ready together (stable plans)", () => {
    expect(plan(diamond).tasks.map((t) => t.id)).toEqual(["extract", "right", "left", "report"]);
    expect(plan({ c: SQL, a: SQL, b: SQL }).tasks.map((t) => t.id)).toEqual(["c", "a", "b"]);
  });

  it("numbers tasks by their position and indexes them by id", () => {
    const p = plan(diamond);
    p.tasks.forEach((t, i) => {
      expect(t.index).toBe(i);
      expect(p.byId.get(t.id)).toBe(t);
    });
    expect(p.byId.size).toBe(4);
    expect(p.tasks.find((t) => t.id === "left")!.spec).toEqual(diamond.left);
  });

  it("lists the roots: tasks with no upstream", () => {
    const p = plan({ a: SQL, b: { ...SQL, dependsOn: ["a"] }, c: SQL, d: { ...SQL, dependsOn: ["b", "c"] } });
    expect(ids(p, p.roots)).toEqual(["a", "c"]);
  });

  it("links upstream and downstream by index, both ways", () => {
    const p = plan(diamond);
    const t = (id: string) => p.byId.get(id)!;
    expect(ids(p, t("extract").upstream)).toEqual([]);
    expect(ids(p, t("extract").downstream).sort()).toEqual(["left", "right"]);
    expect(ids(p, t("left").upstream)).toEqual(["extract"]);
    expect(ids(p, t("left").downstream)).toEqual(["report"]);
    expect(ids(p, t("report").upstream)).toEqual(["left", "right"]);
    expect(ids(p, t("report").downstream)).toEqual([]);
  });

  it("fills defaults: no retries, 300 s timeout, all_success", () => {
    const t = plan({ a: SQL }).byId.get("a")!;
    expect(t.retry).toEqual({ limit: 0, delayMs: 1_000, backoff: "exponential", maxDelayMs: 3_600_000, jitter: true });
    expect(t.retry).toEqual(DEFAULT_RETRY);
    expect(t.timeoutMs).toBe(300_000);
    expect(DEFAULT_TIMEOUT_MS).toBe(300_000);
    expect(t.triggerRule).toBe("all_success");
  });

  it("converts user seconds to milliseconds and keeps explicit settings", () => {
    const t = plan({
      a: {
        ...SQL,
        timeoutSeconds: 2.5,
        triggerRule: "one_failed",
        retries: { limit: 4, delaySeconds: 0.25, backoff: "constant", maxDelaySeconds: 90, jitter: false },
      },
    }).byId.get("a")!;
    expect(t.timeoutMs).toBe(2_500);
    expect(t.triggerRule).toBe("one_failed");
    expect(t.retry).toEqual({ limit: 4, delayMs: 250, backoff: "constant", maxDelayMs: 90_000, jitter: false });
  });

  it("fills each retry field on its own", () => {
    expect(plan({ a: { ...SQL, retries: { limit: 2 } } }).byId.get("a")!.retry).toEqual({ ...DEFAULT_RETRY, limit: 2 });
    expect(plan({ a: { ...SQL, retries: { delaySeconds: 0 } } }).byId.get("a")!.retry.delayMs).toBe(0);
  });

  it("flags empty tasks as control tasks (run by the coordinator), others not", () => {
    const p = plan({
      e: { type: "empty" },
      s: SQL,
      h: { type: "http", request: { url: "https://example.com/" } },
    });
    expect(p.byId.get("e")!.control).toBe(true);
    expect(p.byId.get("s")!.control).toBe(false);
    expect(p.byId.get("h")!.control).toBe(false);
  });

  it("refuses a spec with a cycle rather than producing a partial plan", () => {
    const spec = { tasks: { a: { ...SQL, dependsOn: ["b"] }, b: { ...SQL, dependsOn: ["a"] } } } as DagSpec;
    expect(() => compileDag(spec)).toThrow(/cycle/);
  });
});
