import { describe, expect, it } from "vitest";
import { nextWakeAt } from "../../../../src/run/machine";
import { EMPTY, keys, Sim, SQL } from "../harness";

/** Control tasks (`empty`, `branch`): run inline by the coordinator, no worker, no queue hop. */

describe("control tasks", () => {
  it("a chain of 100 empty tasks finishes inside createRun with no dispatch", () => {
    const tasks: Record<string, unknown> = {};
    for (let i = 0; i < 100; i++) tasks[`e${i}`] = i === 0 ? EMPTY : { ...EMPTY, dependsOn: [`e${i - 1}`] };
    const sim = new Sim(tasks);
    expect(sim.fx.dispatch).toEqual([]);
    expect(sim.fx.finished).toBe("success");
    expect(sim.state.run.status).toBe("success");
    expect(Object.values(sim.statuses()).every((s) => s === "success")).toBe(true);
    expect(sim.fx.attempts).toHaveLength(100);
    expect(sim.fx.attempts.every((r) => r.status === "success" && r.via === "inline" && r.attempt === 1)).toBe(true);
    expect(nextWakeAt(sim.run)).toBeUndefined();
  });

  it("an empty task between two workers completes in the same transition that readies it", () => {
    const sim = new Sim({ a: SQL, gate: { ...EMPTY, dependsOn: ["a"] }, b: { ...SQL, dependsOn: ["gate"] } });
    sim.claim();
    const fx = sim.report("a");
    expect(sim.status("gate")).toBe("success");
    expect(sim.task("gate").via).toBe("inline");
    expect(fx.dispatch).toEqual([{ taskKey: "b", attempt: 1 }]);
    expect(fx.changedTasks.has("gate")).toBe(true);
  });

  it("an empty task after a failed upstream is upstream_failed, not run", () => {
    const sim = new Sim({ a: SQL, gate: { ...EMPTY, dependsOn: ["a"] }, b: { ...SQL, dependsOn: ["gate"] } });
    sim.claim();
    sim.report("a", { ok: false });
    expect(sim.statuses()).toEqual({ a: "failed", gate: "upstream_failed", b: "upstream_failed" });
    expect(sim.task("gate").attempt).toBe(0);
  });
});

describe("branch", () => {
  const spec = {
    pick: { type: "branch", expression: "params.data_volume > 1000000 ? 'heavy' : 'light'" },
    heavy: { ...SQL, dependsOn: ["pick"] },
    light: { ...SQL, dependsOn: ["pick"] },
    join: { ...SQL, dependsOn: ["heavy", "light"], triggerRule: "none_failed_min_one_success" },
  };

  it("follows only the chosen downstream, skips the other, and the join runs after it", () => {
    const sim = new Sim(spec, {}, { params: { data_volume: 2_000_000 } });
    // The branch runs inline, inside createRun: no queue hop.
    expect(sim.status("pick")).toBe("success");
    expect(sim.task("pick").via).toBe("inline");
    expect(sim.task("pick").output).toEqual({ followed: ["heavy"] });
    expect(sim.fx.dispatch).toEqual([{ taskKey: "heavy", attempt: 1 }]);
    expect(sim.status("light")).toBe("skipped");
    expect(sim.status("join")).toBe("pending");

    expect(sim.drain()).toEqual([["heavy"], ["join"]]);
    expect(sim.statuses()).toEqual({ pick: "success", heavy: "success", light: "skipped", join: "success" });
    expect(sim.state.run.status).toBe("success");
  });

  it("takes the other path for a small volume (and at the boundary)", () => {
    for (const volume of [10, 1_000_000]) {
      const sim = new Sim(spec, {}, { params: { data_volume: volume } });
      expect(sim.task("pick").output).toEqual({ followed: ["light"] });
      expect(sim.fx.dispatch).toEqual([{ taskKey: "light", attempt: 1 }]);
      expect(sim.status("heavy")).toBe("skipped");
      expect(sim.drain()).toEqual([["light"], ["join"]]);
      expect(sim.state.run.status).toBe("success");
    }
  });

  it("a join with the default all_success after a branch is skipped (as in Airflow)", () => {
    const sim = new Sim({ ...spec, join: { ...SQL, dependsOn: ["heavy", "light"] } }, {}, { params: { data_volume: 1 } });
    sim.drain();
    expect(sim.status("join")).toBe("skipped");
    expect(sim.state.run.status).toBe("success");
  });

  it("a list follows several downstream tasks", () => {
    const sim = new Sim({
      pick: { type: "branch", expression: "['a', 'c']" },
      a: { ...SQL, dependsOn: ["pick"] },
      b: { ...SQL, dependsOn: ["pick"] },
      c: { ...SQL, dependsOn: ["pick"] },
    });
    expect(sim.task("pick").output).toEqual({ followed: ["a", "c"] });
    expect(keys(sim.fx.dispatch)).toEqual(["a", "c"]);
    expect(sim.status("b")).toBe("skipped");
  });

  it("a task downstream of an unfollowed task (not of the branch) is skipped transitively", () => {
    const sim = new Sim({
      pick: { type: "branch", expression: "'a'" },
      a: { ...SQL, dependsOn: ["pick"] },
      b: { ...SQL, dependsOn: ["pick"] },
      b2: { ...SQL, dependsOn: ["b"] },
    });
    expect(sim.status("b2")).toBe("skipped");
  });

  it("an id that is not a direct downstream fails the branch with a message naming it and the choices", () => {
    for (const expression of ["'nope'", "'join'"]) {
      const sim = new Sim({ ...spec, pick: { type: "branch", expression } });
      const pick = sim.task("pick");
      expect(pick.status).toBe("failed");
      expect(pick.error?.code).toBe("branch");
      const id = expression.slice(1, -1);
      expect(pick.error?.message).toContain(`"${id}" is not a downstream task of 'pick'`);
      expect(pick.error?.message).toContain("heavy");
      expect(pick.error?.message).toContain("light");
      expect(sim.fx.dispatch).toEqual([]);
      expect(sim.statuses()).toEqual({ pick: "failed", heavy: "upstream_failed", light: "upstream_failed", join: "upstream_failed" });
      expect(sim.fx.finished).toBe("failed");
    }
  });

  it("an expression that fails to evaluate fails the branch with an expression error", () => {
    const sim = new Sim(spec, {}, { params: {} });
    expect(sim.status("pick")).toBe("failed");
    expect(sim.task("pick").error?.code).toBe("expression");
    expect(sim.task("pick").error?.message).toContain("data_volume");
  });

  it("a branch after a dispatched task reads its output and decides when it succeeds", () => {
    const sim = new Sim({
      load: SQL,
      pick: { type: "branch", expression: "tasks.load.output.rows > 0 ? 'report' : 'alert'", dependsOn: ["load"] },
      report: { ...SQL, dependsOn: ["pick"] },
      alert: { ...SQL, dependsOn: ["pick"] },
    });
    sim.claim();
    const fx = sim.report("load", { output: { rows: 0 } });
    expect(fx.dispatch).toEqual([{ taskKey: "alert", attempt: 1 }]);
    expect(sim.status("report")).toBe("skipped");
  });
});

describe("control task errors are permanent", () => {
  it("a branch whose expression names no downstream task is not retried, whatever its retry policy", () => {
    const sim = new Sim({
      pick: { type: "branch", expression: "'nowhere'", retries: { limit: 3, delaySeconds: 1 } },
      x: { ...SQL, dependsOn: ["pick"] },
    });
    expect(sim.status("pick")).toBe("failed");
    expect(sim.task("pick").attempt).toBe(1);
    expect(sim.task("pick").error).toMatchObject({ code: "branch", retryable: false });
  });
});
