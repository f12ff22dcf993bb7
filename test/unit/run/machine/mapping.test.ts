import { describe, expect, it } from "vitest";
import { evaluateExpression } from "../../../../src/expr/expression";
import { DEFAULT_MAX_MAP_LENGTH, scopeFor } from "../../../../src/run/machine";
import { keys, Sim, SQL } from "../harness";
import { FN, ONE_RETRY, failAndRetry } from "./fixtures";

/** Dynamic mapping: one instance per element of `map.over`, `maxActive`, outputs in order. */

describe("dynamic mapping", () => {
  /** src yields a list; `m` maps over it; `after` needs every instance. */
  function mapped(map: Record<string, unknown>, extra: Record<string, unknown> = {}): Record<string, unknown> {
    return {
      src: SQL,
      m: { ...FN, args: { n: "{{ item }}" }, dependsOn: ["src"], map: { over: "tasks.src.output", ...map }, ...extra },
      after: { ...SQL, dependsOn: ["m"] },
    };
  }

  function started(tasks: Record<string, unknown>, list: unknown): Sim {
    const sim = new Sim(tasks);
    sim.claim();
    sim.report("src", { output: list });
    return sim;
  }

  it("expands a list of N items into N instances task[0]..task[N-1], each dispatched", () => {
    const sim = started(mapped({}), ["a", "b", "c"]);
    expect(sim.fx.dispatch).toEqual([
      { taskKey: "m[0]", attempt: 1 },
      { taskKey: "m[1]", attempt: 1 },
      { taskKey: "m[2]", attempt: 1 },
    ]);
    expect(sim.instances("m").map((t) => [t.key, t.mapIndex, t.status])).toEqual([
      ["m[0]", 0, "queued"],
      ["m[1]", 1, "queued"],
      ["m[2]", 2, "queued"],
    ]);
    expect(sim.status("m")).toBe("running");
    expect(sim.task("m").mapped).toBe(3);
    expect(sim.status("after")).toBe("pending");
  });

  it("works for sql tasks too", () => {
    const sim = started(
      { src: SQL, m: { type: "sql", sql: "insert into t values ({{ item }})", dependsOn: ["src"], map: { over: "tasks.src.output" } } },
      [1, 2],
    );
    expect(keys(sim.fx.dispatch)).toEqual(["m[0]", "m[1]"]);
    expect(sim.drain()).toEqual([["m[0]", "m[1]"]]);
    expect(sim.state.run.status).toBe("success");
  });

  it("instances see their item and mapIndex through scopeFor; the parent sees neither", () => {
    const sim = started(mapped({}), [{ id: 7 }, { id: 8 }]);
    const p = sim.plan.byId.get("m")!;
    const scope = scopeFor(sim.state, sim.plan, p, sim.task("m[1]"));
    expect(scope.item).toEqual({ id: 8 });
    expect(scope.mapIndex).toBe(1);
    expect(scope.tasks.src?.output).toEqual([{ id: 7 }, { id: 8 }]);
    expect(evaluateExpression("item.id * 10 + mapIndex", scope)).toBe(81);

    const parentScope = scopeFor(sim.state, sim.plan, p, sim.task("m"));
    expect(parentScope.item).toBeUndefined();
    expect(parentScope.mapIndex).toBeUndefined();
  });

  it("the parent's output is the instance outputs in index order, and downstream waits for every instance", () => {
    const sim = started(mapped({}), [0, 1, 2]);
    sim.claim();
    expect(sim.report("m[2]", { output: "two" }).dispatch).toEqual([]);
    expect(sim.report("m[0]", { output: "zero" }).dispatch).toEqual([]);
    expect(sim.status("after")).toBe("pending");
    expect(sim.status("m")).toBe("running");
    const fx = sim.report("m[1]", { output: "one" });
    expect(sim.status("m")).toBe("success");
    expect(sim.task("m").output).toEqual(["zero", "one", "two"]);
    expect(fx.dispatch).toEqual([{ taskKey: "after", attempt: 1 }]);
    sim.drain();
    expect(sim.state.run.status).toBe("success");
  });

  it("maxActive 2: never more than 2 instances queued or running; the next starts as one finishes", () => {
    const sim = started(mapped({ maxActive: 2 }), [0, 1, 2, 3, 4, 5, 6]);
    expect(keys(sim.fx.dispatch)).toEqual(["m[0]", "m[1]"]);
    expect(sim.instances("m").filter((t) => t.status === "pending")).toHaveLength(5);

    let most = 0;
    const order: string[] = [];
    while (sim.status("m") === "running") {
      // Finish the newest active instance first, one per report, so the window slides unevenly.
      const ref = sim.outbox[sim.outbox.length - 1]!;
      sim.claim(ref.taskKey);
      most = Math.max(most, sim.active("m").length);
      const waitingBefore = sim.instances("m").filter((t) => t.status === "pending").length;
      const fx = sim.report(ref.taskKey, { output: ref.taskKey });
      order.push(ref.taskKey);
      most = Math.max(most, sim.active("m").length);
      // Exactly one instance takes the finished one's place while any is left to start.
      if (sim.status("m") === "running") expect(fx.dispatch).toHaveLength(waitingBefore > 0 ? 1 : 0);
    }
    expect(most).toBe(2);
    expect([...order].sort()).toEqual(["m[0]", "m[1]", "m[2]", "m[3]", "m[4]", "m[5]", "m[6]"]);
    // Instances start in index order.
    expect(sim.task("m").output).toEqual(["m[0]", "m[1]", "m[2]", "m[3]", "m[4]", "m[5]", "m[6]"]);
    expect(sim.status("m")).toBe("success");
    expect(sim.drain()).toEqual([["after"]]);
    expect(sim.state.run.status).toBe("success");
  });

  it("maxActive counts an instance waiting for its retry as active", () => {
    const sim = started(mapped({ maxActive: 2 }, { retries: ONE_RETRY }), [0, 1, 2]);
    sim.claim();
    const fx = sim.report("m[0]", { ok: false });
    expect(sim.status("m[0]")).toBe("up_for_retry");
    expect(fx.dispatch).toEqual([]);
    expect(sim.status("m[2]")).toBe("pending");
  });

  it("an instance failing after its retries fails the parent once all others ran; downstream is upstream_failed", () => {
    const sim = started(mapped({}, { retries: ONE_RETRY }), [0, 1, 2]);
    sim.claim();
    failAndRetry(sim, "m[1]");
    const fx = sim.report("m[1]", { ok: false, error: { message: "still broken" } });
    expect(sim.status("m[1]")).toBe("failed");
    expect(sim.task("m[1]").attempt).toBe(2);
    // The other instances keep going; the parent waits for them.
    expect(fx.finished).toBeUndefined();
    expect(sim.status("m")).toBe("running");
    expect(sim.status("after")).toBe("pending");
    expect(sim.report("m[0]", { output: 0 }).ignored).toEqual([]);
    sim.report("m[2]", { output: 2 });
    expect(sim.status("m[0]")).toBe("success");
    expect(sim.status("m[2]")).toBe("success");
    expect(sim.status("m")).toBe("failed");
    expect(sim.task("m").error?.message).toContain("1 of 3");
    expect(sim.status("after")).toBe("upstream_failed");
    expect(sim.state.run.status).toBe("failed");
  });

  it("an empty list skips the parent (and its all_success downstream); no instances", () => {
    const sim = started(mapped({}), []);
    expect(sim.status("m")).toBe("skipped");
    expect(sim.status("after")).toBe("skipped");
    expect(sim.instances("m")).toEqual([]);
    expect(sim.fx.dispatch).toEqual([]);
    expect(sim.state.run.status).toBe("success");
  });

  it("a list longer than maxMapLength fails the parent with a message naming both numbers", () => {
    const sim = started(mapped({ maxMapLength: 3 }), [1, 2, 3, 4, 5]);
    expect(sim.status("m")).toBe("failed");
    expect(sim.task("m").error?.code).toBe("map");
    expect(sim.task("m").error?.message).toContain("5");
    expect(sim.task("m").error?.message).toContain("maxMapLength 3");
    expect(sim.instances("m")).toEqual([]);
    expect(sim.fx.dispatch).toEqual([]);
    expect(sim.status("after")).toBe("upstream_failed");
    expect(sim.state.run.status).toBe("failed");
  });

  it("a list exactly maxMapLength long is accepted", () => {
    const sim = started(mapped({ maxMapLength: 3 }), [1, 2, 3]);
    expect(sim.instances("m")).toHaveLength(3);
  });

  it("the default bound is 10,000 items", () => {
    expect(DEFAULT_MAX_MAP_LENGTH).toBe(10_000);
    const sim = started(mapped({}), Array.from({ length: 10_001 }, (_, i) => i));
    expect(sim.status("m")).toBe("failed");
    expect(sim.task("m").error?.message).toContain("10001");
  });

  it("map.over yielding something other than a list fails the parent", () => {
    for (const [output, what] of [
      [{ a: 1 }, "object"],
      ["abc", "string"],
      [null, "null"],
    ] as const) {
      const sim = started(mapped({}), output);
      expect(sim.status("m")).toBe("failed");
      expect(sim.task("m").error?.code).toBe("map");
      expect(sim.task("m").error?.message).toContain("must yield a list");
      expect(sim.task("m").error?.message).toContain(what);
      expect(sim.status("after")).toBe("upstream_failed");
    }
  });

  it("map.over that fails to evaluate fails the parent with an expression error", () => {
    const sim = started(mapped({ over: "tasks.src.output.items" }), { rows: [] });
    expect(sim.status("m")).toBe("failed");
    expect(sim.task("m").error?.code).toBe("expression");
    expect(sim.task("m").error?.message).toMatch(/^map\.over: /);
  });

  it("a 1,000-wide map completes, each report changing a constant number of task rows", () => {
    const n = 1_000;
    const sim = started(mapped({ maxActive: 50 }), Array.from({ length: n }, (_, i) => i));
    expect(sim.fx.dispatch).toHaveLength(50);
    let reports = 0;
    let maxChanged = 0;
    let maxDispatch = 0;
    while (sim.outbox.length > 0) {
      const ref = sim.outbox[0]!;
      sim.claim(ref.taskKey);
      const fx = sim.report(ref.taskKey, { output: sim.task(ref.taskKey).mapIndex });
      reports += 1;
      if (sim.status("m") === "running") {
        maxChanged = Math.max(maxChanged, fx.changedTasks.size);
        maxDispatch = Math.max(maxDispatch, fx.dispatch.length);
        expect(fx.attempts.length).toBeLessThanOrEqual(2);
      }
      if (reports === n / 2) {
        // Mid-map: the instance, the parent, and the instance started in its place.
        expect(fx.changedTasks).toEqual(new Set([ref.taskKey, "m", `m[${n / 2 + 49}]`]));
      }
      expect(sim.active("m").length).toBeLessThanOrEqual(50);
    }
    expect(maxChanged).toBeLessThanOrEqual(3);
    expect(maxDispatch).toBe(1);
    expect(reports).toBe(n + 1); // every instance, then `after`
    expect(sim.status("m")).toBe("success");
    expect(sim.task("m").output).toEqual(Array.from({ length: n }, (_, i) => i));
    expect(sim.status("after")).toBe("success");
    expect(sim.state.run.status).toBe("success");
  });

  it("a 1,000-wide map without maxActive dispatches every instance at once; each report changes two rows", () => {
    const n = 1_000;
    const sim = started(mapped({}), Array.from({ length: n }, (_, i) => i));
    expect(sim.fx.dispatch).toHaveLength(n);
    sim.claim();
    const mid = sim.report(`m[${n / 2}]`);
    expect(mid.changedTasks).toEqual(new Set([`m[${n / 2}]`, "m"]));
    expect(mid.dispatch).toEqual([]);
    for (let i = 0; i < n; i++) if (i !== n / 2) sim.report(`m[${i}]`);
    expect(sim.status("m")).toBe("success");
    expect(sim.fx.dispatch).toEqual([{ taskKey: "after", attempt: 1 }]);
  });
});
