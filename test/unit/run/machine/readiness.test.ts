import { describe, expect, it } from "vitest";
import { keys, Sim, SQL, T0 } from "../harness";

/** Readiness: a run starts at its roots, tasks are decided under their trigger rules and `when`, in dependency order. */

describe("createRun", () => {
  it("starts the run and dispatches only the roots", () => {
    const sim = new Sim({ a: SQL, b: { ...SQL, dependsOn: ["a"] }, c: SQL });
    expect(sim.state.run.status).toBe("running");
    expect(sim.state.run.startedAt).toBe(T0);
    expect(keys(sim.fx.dispatch)).toEqual(["a", "c"]);
    expect(sim.fx.dispatch.every((r) => r.attempt === 1)).toBe(true);
    expect(sim.statuses()).toEqual({ a: "queued", b: "pending", c: "queued" });
    expect(sim.fx.runChanged).toBe(true);
    // Only rows that differ from a fresh pending task are written; a stored run rebuilds the rest from the plan.
    expect(sim.fx.changedTasks).toEqual(new Set(["a", "c"]));
    // Attempts in flight live in their task rows; history rows are written when they end.
    expect(sim.fx.attempts).toEqual([]);
    expect([sim.task("a").attempt, sim.task("a").via, sim.task("a").attemptQueuedAt]).toEqual([1, "queue", T0]);
    expect(sim.fx.finished).toBeUndefined();
  });
});

describe("dispatch order", () => {
  it("linear chain: each task is dispatched only after the previous one succeeded", () => {
    const sim = new Sim({ a: SQL, b: { ...SQL, dependsOn: ["a"] }, c: { ...SQL, dependsOn: ["b"] } });
    expect(keys(sim.fx.dispatch)).toEqual(["a"]);

    expect(keys(sim.claim().granted)).toEqual(["a"]);
    expect(sim.status("a")).toBe("running");
    expect(sim.report("a", { output: { rows: 1 } }).dispatch).toEqual([{ taskKey: "b", attempt: 1 }]);
    expect(sim.task("a").output).toEqual({ rows: 1 });
    expect(sim.statuses()).toEqual({ a: "success", b: "queued", c: "pending" });

    sim.claim();
    expect(keys(sim.report("b").dispatch)).toEqual(["c"]);
    sim.claim();
    const last = sim.report("c");
    expect(last.dispatch).toEqual([]);
    expect(last.finished).toBe("success");
    expect(sim.state.run.status).toBe("success");
    expect(sim.state.run.endedAt).toBe(T0);
  });

  it("linear chain via the driver: one task per batch, in order", () => {
    const sim = new Sim({ a: SQL, b: { ...SQL, dependsOn: ["a"] }, c: { ...SQL, dependsOn: ["b"] } });
    expect(sim.drain()).toEqual([["a"], ["b"], ["c"]]);
    expect(sim.state.run.status).toBe("success");
  });

  it("diamond: B and C are dispatched together after A; D only after both", () => {
    const sim = new Sim({
      A: SQL,
      B: { ...SQL, dependsOn: ["A"] },
      C: { ...SQL, dependsOn: ["A"] },
      D: { ...SQL, dependsOn: ["B", "C"] },
    });
    sim.claim();
    expect(keys(sim.report("A").dispatch)).toEqual(["B", "C"]);
    sim.claim();
    expect(sim.report("B").dispatch).toEqual([]);
    expect(sim.status("D")).toBe("pending");
    expect(keys(sim.report("C").dispatch)).toEqual(["D"]);
    sim.claim();
    expect(sim.report("D").finished).toBe("success");
  });

  it("fan-in: the join is dispatched once, after every upstream, even when they report in one batch", () => {
    const roots = ["r1", "r2", "r3", "r4", "r5"];
    const tasks: Record<string, unknown> = { join: { ...SQL, dependsOn: roots } };
    for (const r of roots) tasks[r] = SQL;
    const sim = new Sim(tasks);
    expect(keys(sim.fx.dispatch)).toEqual(roots);
    sim.claim();
    expect(sim.reportAll(["r1", "r2"]).dispatch).toEqual([]);
    expect(sim.status("join")).toBe("pending");
    expect(sim.reportAll(["r3", "r4", "r5"]).dispatch).toEqual([{ taskKey: "join", attempt: 1 }]);
    expect(sim.drain()).toEqual([["join"]]);
    expect(sim.state.run.status).toBe("success");
  });
});

describe("trigger rules in the machine", () => {
  it("an all_done join runs after a failed upstream", () => {
    const sim = new Sim({
      a: SQL,
      b: SQL,
      cleanup: { ...SQL, dependsOn: ["a", "b"], triggerRule: "all_done" },
    });
    sim.claim();
    expect(sim.report("a", { ok: false }).dispatch).toEqual([]);
    expect(sim.status("cleanup")).toBe("pending");
    expect(sim.report("b").dispatch).toEqual([{ taskKey: "cleanup", attempt: 1 }]);
    sim.drain();
    expect(sim.status("cleanup")).toBe("success");
    expect(sim.state.run.endedAt).toBe(T0);
  });

  it("a one_failed task runs as soon as one upstream fails, without waiting for the others", () => {
    const sim = new Sim({
      a: SQL,
      b: SQL,
      alert: { ...SQL, dependsOn: ["a", "b"], triggerRule: "one_failed" },
    });
    sim.claim();
    const fx = sim.report("a", { ok: false });
    expect(fx.dispatch).toEqual([{ taskKey: "alert", attempt: 1 }]);
    expect(sim.status("b")).toBe("running");
  });

  it("a one_failed task is skipped when nothing fails, and skips propagate through all_success", () => {
    const sim = new Sim({
      a: SQL,
      alert: { ...SQL, dependsOn: ["a"], triggerRule: "one_failed" },
      after: { ...SQL, dependsOn: ["alert"] },
    });
    sim.claim();
    const fx = sim.report("a");
    expect(fx.dispatch).toEqual([]);
    expect(sim.statuses()).toEqual({ a: "success", alert: "skipped", after: "skipped" });
    expect(fx.finished).toBe("success");
  });

  it("a none_failed join runs when one upstream succeeded and the other was skipped", () => {
    const sim = new Sim({
      a: SQL,
      maybe: { ...SQL, dependsOn: ["a"], triggerRule: "one_failed" },
      join: { ...SQL, dependsOn: ["a", "maybe"], triggerRule: "none_failed" },
    });
    sim.claim();
    expect(sim.report("a").dispatch).toEqual([{ taskKey: "join", attempt: 1 }]);
    expect(sim.status("maybe")).toBe("skipped");
  });
});

describe("when", () => {
  const tasks = {
    a: { ...SQL, when: "params.enabled" },
    b: { ...SQL, dependsOn: ["a"] },
    c: { ...SQL, dependsOn: ["b"] },
  };

  it("false: the task is skipped without an attempt, and its all_success downstream is skipped too", () => {
    const sim = new Sim(tasks, {}, { params: { enabled: false } });
    expect(sim.fx.dispatch).toEqual([]);
    expect(sim.statuses()).toEqual({ a: "skipped", b: "skipped", c: "skipped" });
    expect(sim.task("a").attempt).toBe(0);
    expect(sim.fx.attempts).toEqual([]);
    // Nothing failed: a run whose tasks were all skipped succeeded.
    expect(sim.fx.finished).toBe("success");
  });

  it("true: the task runs", () => {
    const sim = new Sim(tasks, {}, { params: { enabled: true } });
    expect(sim.fx.dispatch).toEqual([{ taskKey: "a", attempt: 1 }]);
    expect(sim.drain()).toEqual([["a"], ["b"], ["c"]]);
    expect(sim.state.run.status).toBe("success");
  });

  it("a when that cannot be evaluated (missing key) fails the task with an expression error; downstream is upstream_failed", () => {
    const sim = new Sim(tasks, {}, { params: {} });
    expect(sim.fx.dispatch).toEqual([]);
    expect(sim.status("a")).toBe("failed");
    expect(sim.task("a").error?.code).toBe("expression");
    expect(sim.task("a").error?.message).toMatch(/^when: /);
    expect(sim.task("a").error?.message).toContain("enabled");
    expect(sim.status("b")).toBe("upstream_failed");
    expect(sim.status("c")).toBe("upstream_failed");
    expect(sim.fx.finished).toBe("failed");
  });

  it("reads an upstream task's output through tasks.<id>.output", () => {
    const spec = { up: SQL, gated: { ...SQL, dependsOn: ["up"], when: "tasks.up.output.x > 3" } };

    const big = new Sim(spec);
    big.claim();
    expect(big.report("up", { output: { x: 5 } }).dispatch).toEqual([{ taskKey: "gated", attempt: 1 }]);

    const small = new Sim(spec);
    small.claim();
    const fx = small.report("up", { output: { x: 1 } });
    expect(fx.dispatch).toEqual([]);
    expect(small.status("gated")).toBe("skipped");
    expect(fx.finished).toBe("success");
  });

  it("only `true` runs the task: a truthy non-boolean value skips it", () => {
    const sim = new Sim({ a: { ...SQL, when: "params.n" } }, {}, { params: { n: 1 } });
    expect(sim.status("a")).toBe("skipped");
  });
});

describe("trigger rules with skipped upstream", () => {
  it("all_success downstream of a skipped task is skipped", () => {
    const sim = new Sim({ off: { ...SQL, when: "false" }, on: SQL, both: { ...SQL, dependsOn: ["off", "on"] } });
    expect(sim.status("off")).toBe("skipped");
    // Decided as soon as one upstream is skipped, even before the other finished.
    expect(sim.status("both")).toBe("skipped");
    expect(sim.drain()).toEqual([["on"]]);
    expect(sim.state.run.status).toBe("success");
  });

  it("none_skipped: skipped when any upstream was skipped, runs when none was", () => {
    const skipped = new Sim({ off: { ...SQL, when: "false" }, on: SQL, j: { ...SQL, dependsOn: ["off", "on"], triggerRule: "none_skipped" } });
    skipped.drain();
    expect(skipped.status("j")).toBe("skipped");

    const ran = new Sim({ a: SQL, b: SQL, j: { ...SQL, dependsOn: ["a", "b"], triggerRule: "none_skipped" } });
    ran.claim();
    ran.report("a", { ok: false });
    // A failed upstream is not a skipped one: none_skipped still runs.
    expect(ran.report("b").dispatch).toEqual([{ taskKey: "j", attempt: 1 }]);
  });

  it("all_done runs after a failed upstream; the run still ends failed", () => {
    const sim = new Sim({ a: SQL, cleanup: { ...SQL, dependsOn: ["a"], triggerRule: "all_done" } });
    sim.claim();
    expect(sim.report("a", { ok: false }).dispatch).toEqual([{ taskKey: "cleanup", attempt: 1 }]);
    sim.claim();
    expect(sim.report("cleanup").finished).toBe("failed");
    expect(sim.status("cleanup")).toBe("success");
  });

  it("all_done also runs after a skipped upstream", () => {
    const sim = new Sim({ a: { ...SQL, when: "false" }, cleanup: { ...SQL, dependsOn: ["a"], triggerRule: "all_done" } });
    expect(sim.fx.dispatch).toEqual([{ taskKey: "cleanup", attempt: 1 }]);
  });
});
