import { describe, expect, it } from "vitest";
import { nextWakeAt } from "../../../../src/run/machine";
import { Sim, SQL } from "../harness";
import { ONE_RETRY, attemptsOf } from "./fixtures";

/** Child DAG runs: a `dag` task waits for its child run, which reports its end back. */

describe("child DAG runs", () => {
  const spec = { child: { type: "dag", dagId: "kid" }, after: { ...SQL, dependsOn: ["child"] } };

  function waiting(extra: Record<string, unknown> = {}): Sim {
    const sim = new Sim({ ...spec, child: { ...spec.child, ...extra } });
    sim.claim();
    const fx = sim.report("child", { childRunId: "c1", waiting: true });
    expect(fx.dispatch).toEqual([]);
    return sim;
  }

  it("waiting: the task stays running with no lease, and a much later timer does not abandon it", () => {
    const sim = waiting();
    const t = sim.task("child");
    expect(t.status).toBe("running");
    expect(t.childRunId).toBe("c1");
    expect(t.waiting).toBe(true);
    expect(t.deadline).toBeUndefined();
    expect(nextWakeAt(sim.run)).toBeUndefined();

    sim.advance(24 * 3_600_000);
    const fx = sim.fire();
    expect(sim.status("child")).toBe("running");
    expect(fx.attempts).toEqual([]);
    expect(fx.dispatch).toEqual([]);
    expect(sim.task("child").lost).toBe(0);
  });

  it("a redelivered or duplicate report of the waiting attempt changes nothing", () => {
    const sim = waiting();
    expect(sim.report("child", { output: "late" }).ignored).toHaveLength(1);
    expect(sim.claim().granted).toEqual([]);
    const claimed = sim.send({ type: "AttemptsClaimed", refs: [{ taskKey: "child", attempt: 1 }] });
    expect(claimed.granted).toEqual([]);
    expect(sim.status("child")).toBe("running");
    expect(sim.task("child").deadline).toBeUndefined();
  });

  it("the child's success makes the task succeed and starts downstream", () => {
    const sim = waiting();
    sim.advance(60_000);
    const fx = sim.send({ type: "ChildRunFinished", child: { taskKey: "child", attempt: 1, childRunId: "c1", status: "success" } });
    expect(sim.status("child")).toBe("success");
    expect(sim.task("child").output).toEqual(expect.objectContaining({ runId: "c1", status: "success" }));
    expect(attemptsOf(fx.attempts, "child")).toEqual([[1, "success"]]);
    expect(fx.dispatch).toEqual([{ taskKey: "after", attempt: 1 }]);
  });

  it("with the offer of the worker that ended the child, downstream comes back leased to that worker", () => {
    const sim = waiting();
    const fx = sim.send({
      type: "ChildRunFinished",
      child: { taskKey: "child", attempt: 1, childRunId: "c1", status: "success" },
      offer: { capacity: 4, until: sim.ctx.now + 25_000 + 300_000 },
    });
    expect(fx.handBack).toEqual([{ taskKey: "after", attempt: 1, claim: expect.any(String) }]);
    expect(fx.dispatch).toEqual([]);
    expect(sim.status("after")).toBe("running");
    expect(sim.task("after").via).toBe("continuation");
  });

  it("a failed child fails the task, after its retries", () => {
    const sim = waiting({ retries: ONE_RETRY });
    sim.send({ type: "ChildRunFinished", child: { taskKey: "child", attempt: 1, childRunId: "c1", status: "failed" } });
    expect(sim.status("child")).toBe("up_for_retry");
    sim.advance(1_000);
    expect(sim.fire().dispatch).toEqual([{ taskKey: "child", attempt: 2 }]);
    sim.claim();
    sim.report("child", { childRunId: "c2", waiting: true });
    const fx = sim.send({ type: "ChildRunFinished", child: { taskKey: "child", attempt: 2, childRunId: "c2", status: "failed" } });
    expect(sim.status("child")).toBe("failed");
    expect(sim.task("child").error?.code).toBe("child_run");
    expect(sim.task("child").error?.message).toContain("c2");
    expect(sim.status("after")).toBe("upstream_failed");
    expect(fx.finished).toBe("failed");
  });

  it("a cancelled child fails the task", () => {
    const sim = waiting();
    sim.send({ type: "ChildRunFinished", child: { taskKey: "child", attempt: 1, childRunId: "c1", status: "cancelled" } });
    expect(sim.status("child")).toBe("failed");
  });

  it("the end of a different child run is ignored", () => {
    const sim = waiting();
    const fx = sim.send({ type: "ChildRunFinished", child: { taskKey: "child", attempt: 1, childRunId: "other", status: "success" } });
    expect(fx.ignored).toHaveLength(1);
    expect(sim.status("child")).toBe("running");
    expect(sim.task("child").waiting).toBe(true);
  });

  it("cancelling the run while the task waits asks to cancel the child", () => {
    const sim = waiting();
    const fx = sim.send({ type: "CancelRequested", reason: "user" });
    expect(fx.cancelChildren).toEqual(["c1"]);
    expect(sim.status("child")).toBe("cancelled");
    expect(fx.finished).toBe("cancelled");
  });

  it("wait: false (no waiting flag): the task succeeds once the child started", () => {
    const sim = new Sim({ ...spec, child: { ...spec.child, wait: false } });
    sim.claim();
    const fx = sim.report("child", { childRunId: "c1", output: { runId: "c1" } });
    expect(sim.status("child")).toBe("success");
    expect(fx.dispatch).toEqual([{ taskKey: "after", attempt: 1 }]);
  });
});
