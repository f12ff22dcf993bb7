import { describe, expect, it } from "vitest";
import { attemptView, runView, taskView } from "../../../src/run/view";
import type { AttemptRecord } from "../../../src/run/types";
import { Sim, SQL, T0 } from "./harness";

const iso = (ms: number) => new Date(ms).toISOString();

describe("runView", () => {
  // Declared downstream-first: the view must follow plan (topological) order, not declaration order.
  const tasks = { load: { ...SQL, dependsOn: ["extract"] }, extract: SQL, audit: SQL };

  it("describes the run header with ISO times and nulls for what is unset", () => {
    const sim = new Sim(tasks);
    const view = runView(sim.state, sim.plan);
    expect(view).toMatchObject({
      runId: "run-1",
      dagId: "dag",
      dagVersion: 1,
      status: "running",
      runKey: null,
      trigger: { type: "api" },
      logicalDate: null,
      params: {},
      createdAt: iso(T0),
      startedAt: iso(T0),
      endedAt: null,
    });
    expect(JSON.parse(JSON.stringify(view))).toEqual(view);
  });

  it("lists tasks in plan order with their status, attempts, times, output and error", () => {
    const sim = new Sim(tasks);
    sim.advance(100);
    sim.claim("extract"); // the task starts when a worker claims it
    sim.advance(1_400);
    sim.report("extract", { output: [{ n: 1 }], endedAt: T0 + 1_400 });
    sim.claim("audit");
    sim.report("audit", { ok: false, error: { message: "denied", code: "http_status" } });

    const view = runView(sim.state, sim.plan);
    expect(view.tasks.map((t) => t.taskId)).toEqual(sim.plan.tasks.map((t) => t.id));
    expect(view.tasks.map((t) => t.taskId)).toEqual(["extract", "audit", "load"]);
    const byId = Object.fromEntries(view.tasks.map((t) => [t.taskId, t]));
    expect(byId["extract"]).toEqual({
      taskId: "extract",
      mapIndex: null,
      status: "success",
      attempts: 1,
      startedAt: iso(T0 + 100),
      endedAt: iso(T0 + 1_400),
      output: [{ n: 1 }],
      error: null,
    });
    expect(byId["audit"]).toMatchObject({ status: "failed", attempts: 1, output: null, error: { message: "denied", code: "http_status" } });
    expect(byId["load"]).toEqual({
      taskId: "load",
      mapIndex: null,
      status: "queued",
      attempts: 1,
      startedAt: null,
      endedAt: null,
      output: null,
      error: null,
    });
  });

  it("shows the end of a finished run", () => {
    const sim = new Sim({ a: SQL });
    sim.claim();
    sim.advance(2_000);
    sim.report("a");
    const view = runView(sim.state, sim.plan);
    expect(view.status).toBe("success");
    expect(view.endedAt).toBe(iso(T0 + 2_000));
  });

  it("carries run key, logical date and params when present", () => {
    const sim = new Sim({ a: SQL });
    sim.state.run.runKey = "2030-01-01";
    sim.state.run.logicalDate = "2030-01-01T00:00:00.000Z";
    sim.state.run.params = { region: "eu" };
    const view = runView(sim.state, sim.plan);
    expect(view.runKey).toBe("2030-01-01");
    expect(view.logicalDate).toBe("2030-01-01T00:00:00.000Z");
    expect(view.params).toEqual({ region: "eu" });
  });

  it("keeps a task's falsy output (0, false) rather than turning it into null", () => {
    const sim = new Sim({ a: SQL });
    sim.report("a", { output: 0 });
    expect(taskView(sim.task("a")).output).toBe(0);
  });
});

describe("attemptView", () => {
  const base: AttemptRecord = { taskKey: "a", taskId: "a", mapIndex: null, attempt: 2, status: "failed", via: "queue", queuedAt: T0 };

  it("renders ISO times and the duration of a finished attempt", () => {
    const v = attemptView({ ...base, startedAt: T0 + 1_000, endedAt: T0 + 3_500, error: { message: "x" } });
    expect(v).toEqual({
      taskId: "a",
      mapIndex: null,
      attempt: 2,
      status: "failed",
      via: "queue",
      queuedAt: iso(T0),
      startedAt: iso(T0 + 1_000),
      endedAt: iso(T0 + 3_500),
      durationMs: 2_500,
      error: { message: "x" },
    });
  });

  it("has no duration while the attempt has not both started and ended", () => {
    expect(attemptView({ ...base, status: "queued" })).toMatchObject({ startedAt: null, endedAt: null, durationMs: null, error: null });
    expect(attemptView({ ...base, status: "running", startedAt: T0 }).durationMs).toBeNull();
  });
});
