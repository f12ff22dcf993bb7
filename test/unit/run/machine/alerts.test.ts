import { describe, expect, it } from "vitest";
import { type AlertRequest } from "../../../../src/run/machine";
import { Sim, SQL } from "../harness";
import { FN, HOOK, DAG_HOOK, ONE_RETRY, failAndRetry } from "./fixtures";

/** Failure alerts: `DeliverAlert` commands for tasks that fail for good and runs that fail. */

describe("failure alerts", () => {
  /** Every alert emitted from now on, across transitions. */
  function collect(sim: Sim): AlertRequest[] {
    const all: AlertRequest[] = [...sim.fx.alerts];
    const send = sim.send.bind(sim);
    sim.send = (event) => {
      const fx = send(event);
      all.push(...fx.alerts);
      return fx;
    };
    return all;
  }

  it("task onFailure: one task_failed alert when the task fails for good, none while retries remain", () => {
    const sim = new Sim({ a: { ...SQL, retries: ONE_RETRY, onFailure: HOOK }, b: { ...SQL, dependsOn: ["a"] } });
    const alerts = collect(sim);
    sim.claim();
    failAndRetry(sim, "a");
    expect(alerts).toEqual([]);
    sim.report("a", { ok: false, error: { message: "final", code: "http_status" } });
    expect(alerts).toHaveLength(1);
    expect(alerts[0]!.target).toEqual(HOOK);
    expect(alerts[0]!.summary).toMatchObject({
      event: "task_failed",
      dagId: "dag",
      dagVersion: 1,
      runId: "run-1",
      taskId: "a",
      mapIndex: null,
      attempts: 2,
      lastError: { message: "final", code: "http_status" },
    });
    // No run-level target: the run failing alerts nobody.
    expect(sim.state.run.status).toBe("failed");
    expect(alerts).toHaveLength(1);
  });

  it("no alert when a fallback value saves the task", () => {
    const sim = new Sim({ a: { ...SQL, onFailure: HOOK, fallback: { value: 0 } } }, {}, { dag: { onFailure: DAG_HOOK } });
    const alerts = collect(sim);
    sim.claim();
    sim.report("a", { ok: false });
    expect(sim.state.run.status).toBe("success");
    expect(alerts).toEqual([]);
  });

  it("no alert when a fallback task saves the task", () => {
    const sim = new Sim({ a: { ...SQL, onFailure: HOOK, fallback: { task: "alt" } }, alt: FN });
    const alerts = collect(sim);
    sim.drain((id) => id === "a");
    expect(sim.status("a")).toBe("success");
    expect(alerts).toEqual([]);
  });

  it("the primary's alert when its fallback task fails too (one, for the primary)", () => {
    const sim = new Sim({ a: { ...SQL, onFailure: HOOK, fallback: { task: "alt" } }, alt: FN });
    const alerts = collect(sim);
    sim.drain(() => true);
    expect(sim.status("a")).toBe("failed");
    expect(alerts.map((a) => [a.summary.event, a.summary.taskId])).toEqual([["task_failed", "a"]]);
  });

  it("DAG-level onFailure: task_failed for the failed task (not its upstream_failed downstream), then run_failed", () => {
    const sim = new Sim(
      { a: SQL, b: { ...SQL, dependsOn: ["a"] }, slow: SQL },
      {},
      { dag: { onFailure: DAG_HOOK } },
    );
    const alerts = collect(sim);
    sim.claim();
    sim.report("a", { ok: false, error: { message: "boom" } });
    expect(alerts.map((a) => a.summary.event)).toEqual(["task_failed"]);
    expect(alerts[0]!.target).toEqual(DAG_HOOK);
    expect(alerts[0]!.summary).toMatchObject({ taskId: "a", attempts: 1, lastError: { message: "boom" } });

    const fx = sim.report("slow");
    expect(fx.finished).toBe("failed");
    expect(alerts.map((a) => a.summary.event)).toEqual(["task_failed", "run_failed"]);
    expect(alerts[1]!.target).toEqual(DAG_HOOK);
    expect(alerts[1]!.summary).toMatchObject({ event: "run_failed", runId: "run-1", runStatus: "failed", taskId: "a" });
    expect(new Set(alerts.map((a) => a.alertId)).size).toBe(2);
  });

  it("a task's own onFailure target takes precedence over the DAG's", () => {
    const sim = new Sim({ a: { ...SQL, onFailure: HOOK } }, {}, { dag: { onFailure: DAG_HOOK } });
    const alerts = collect(sim);
    sim.claim();
    sim.report("a", { ok: false });
    expect(alerts.map((a) => [a.summary.event, a.target.url])).toEqual([
      ["task_failed", HOOK.url],
      ["run_failed", DAG_HOOK.url],
    ]);
  });

  it("a task failed by its when expression alerts too", () => {
    const sim = new Sim({ a: { ...SQL, when: "params.missing" } }, {}, { dag: { onFailure: DAG_HOOK } });
    expect(sim.fx.alerts.map((a) => [a.summary.event, a.summary.taskId])).toEqual([
      ["task_failed", "a"],
      ["run_failed", "a"],
    ]);
  });

  it("a successful run sends no alert", () => {
    const sim = new Sim({ a: { ...SQL, onFailure: HOOK }, b: { ...SQL, dependsOn: ["a"] } }, {}, { dag: { onFailure: DAG_HOOK } });
    const alerts = collect(sim);
    sim.drain();
    expect(sim.state.run.status).toBe("success");
    expect(alerts).toEqual([]);
  });
});
