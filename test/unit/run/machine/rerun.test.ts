import { describe, expect, it } from "vitest";
import { isFinishedRun } from "../../../../src/run/types";
import { EMPTY, keys, Sim, SQL } from "../harness";
import { FN, ONE_RETRY, failAndRetry, attemptsOf } from "./fixtures";

/** Rerunning tasks of a run: retry a finished run, clear tasks with or without downstream. */

describe("RetryRequested", () => {
  it("reruns failed and upstream_failed tasks with continuing attempt numbers; successful ones keep their outputs", () => {
    const sim = new Sim({ a: SQL, b: { ...SQL, dependsOn: ["a"] }, c: SQL, d: { ...SQL, dependsOn: ["b", "c"] } });
    sim.claim();
    sim.report("c", { output: { n: 1 } });
    sim.report("a", { ok: false, error: { message: "boom" } });
    expect(sim.state.run.status).toBe("failed");
    expect(sim.statuses()).toEqual({ a: "failed", b: "upstream_failed", c: "success", d: "upstream_failed" });

    const fx = sim.send({ type: "RetryRequested" });
    expect(sim.state.run.status).toBe("running");
    expect(sim.state.run.endedAt).toBeUndefined();
    expect(fx.runChanged).toBe(true);
    expect(fx.dispatch).toEqual([{ taskKey: "a", attempt: 2 }]);
    expect(sim.statuses()).toEqual({ a: "queued", b: "pending", c: "success", d: "pending" });
    expect(sim.task("a").error).toBeUndefined();
    expect(sim.task("c").output).toEqual({ n: 1 });

    expect(sim.drain()).toEqual([["a"], ["b"], ["d"]]);
    expect(sim.task("a").attempt).toBe(2);
    expect(sim.task("b").attempt).toBe(1);
    expect(sim.task("c").attempt).toBe(1);
    expect(sim.state.run.status).toBe("success");
  });

  it("gives the rerun task its full retry budget again", () => {
    const sim = new Sim({ a: { ...SQL, retries: ONE_RETRY } });
    sim.claim();
    failAndRetry(sim, "a");
    sim.report("a", { ok: false });
    expect(sim.state.run.status).toBe("failed");
    sim.send({ type: "RetryRequested" });
    sim.claim();
    sim.report("a", { ok: false });
    expect(sim.status("a")).toBe("up_for_retry");
    expect(sim.task("a").attempt).toBe(3);
  });

  it("reruns a failed mapped task from its list", () => {
    const sim = new Sim({ src: SQL, m: { ...FN, dependsOn: ["src"], map: { over: "tasks.src.output" } } });
    sim.claim();
    sim.report("src", { output: [1, 2] });
    sim.claim();
    sim.report("m[0]");
    sim.report("m[1]", { ok: false });
    expect(sim.state.run.status).toBe("failed");
    const fx = sim.send({ type: "RetryRequested" });
    expect(keys(fx.dispatch)).toEqual(["m[0]", "m[1]"]);
    sim.drain();
    expect(sim.status("m")).toBe("success");
    expect(sim.state.run.status).toBe("success");
  });
});

describe("ClearRequested", () => {
  const chain = { a: SQL, b: { ...SQL, dependsOn: ["a"] }, c: { ...SQL, dependsOn: ["b"] }, side: SQL };

  function finished(): Sim {
    const sim = new Sim(chain);
    sim.claim();
    sim.report("a", { output: "A" });
    sim.report("side", { output: "S" });
    sim.drain();
    expect(sim.state.run.status).toBe("success");
    return sim;
  }

  it("downstream: true resets the task and everything downstream of it, successful ones included", () => {
    const sim = finished();
    const fx = sim.send({ type: "ClearRequested", taskIds: ["b"], downstream: true });
    expect(sim.state.run.status).toBe("running");
    expect(fx.dispatch).toEqual([{ taskKey: "b", attempt: 2 }]);
    expect(sim.statuses()).toEqual({ a: "success", b: "queued", c: "pending", side: "success" });
    expect(sim.task("a").output).toBe("A");
    expect(sim.task("c").output).toBeUndefined();

    expect(sim.drain()).toEqual([["b"], ["c"]]);
    expect(sim.task("c").attempt).toBe(2);
    expect(sim.task("a").attempt).toBe(1);
    expect(sim.task("side").attempt).toBe(1);
    expect(sim.state.run.status).toBe("success");
  });

  it("downstream: false resets only the named task", () => {
    const sim = finished();
    const fx = sim.send({ type: "ClearRequested", taskIds: ["b"], downstream: false });
    expect(fx.dispatch).toEqual([{ taskKey: "b", attempt: 2 }]);
    expect(sim.statuses()).toEqual({ a: "success", b: "queued", c: "success", side: "success" });
    expect(sim.drain()).toEqual([["b"]]);
    expect(sim.task("c").attempt).toBe(1);
    expect(sim.state.run.status).toBe("success");
  });

  it("clearing a running task records its active attempt as abandoned and starts a new one", () => {
    const sim = new Sim(chain);
    sim.claim();
    sim.report("a");
    sim.claim("b");
    expect(sim.status("b")).toBe("running");
    const fx = sim.send({ type: "ClearRequested", taskIds: ["b"], downstream: false });
    expect(attemptsOf(fx.attempts, "b")).toEqual([[1, "abandoned"]]);
    expect([sim.task("b").attempt, sim.status("b")]).toEqual([2, "queued"]);
    expect(fx.attempts.find((r) => r.taskKey === "b" && r.attempt === 1)?.error?.code).toBe("cleared");
    expect(fx.dispatch).toEqual([{ taskKey: "b", attempt: 2 }]);
    // The old worker's late report no longer counts.
    const late = sim.report("b", { attempt: 1 });
    expect(late.ignored).toEqual([{ taskKey: "b", attempt: 1, reason: "stale_attempt" }]);
    expect(sim.status("b")).toBe("queued");
  });

  it("clearing a task waiting for its child run cancels the child", () => {
    const sim = new Sim({ child: { type: "dag", dagId: "kid" } });
    sim.claim();
    sim.report("child", { childRunId: "c1", waiting: true });
    const fx = sim.send({ type: "ClearRequested", taskIds: ["child"], downstream: false });
    expect(fx.cancelChildren).toEqual(["c1"]);
    expect(fx.dispatch).toEqual([{ taskKey: "child", attempt: 2 }]);
  });

  it("clearing a task with a fallback task also resets the fallback task", () => {
    const sim = new Sim({ p: { ...SQL, fallback: { task: "alt" } }, alt: FN });
    sim.drain((id) => id === "p");
    expect(sim.task("p").fallbackUsed).toBe(true);
    sim.send({ type: "ClearRequested", taskIds: ["p"], downstream: false });
    expect(sim.status("alt")).toBe("pending");
    sim.drain();
    expect(sim.status("p")).toBe("success");
    expect(sim.task("p").fallbackUsed).toBeUndefined();
    expect(sim.status("alt")).toBe("skipped");
    expect(sim.state.run.status).toBe("success");
  });

  it("clearing only a fallback task does not leave the run running forever", () => {
    const sim = new Sim({ p: { ...SQL, fallback: { task: "alt" } }, alt: FN });
    sim.drain();
    expect(sim.status("alt")).toBe("skipped");
    sim.send({ type: "ClearRequested", taskIds: ["alt"], downstream: false });
    sim.drain();
    expect(isFinishedRun(sim.state.run.status)).toBe(true);
  });

  it("clearing an empty (control) task reruns it inline", () => {
    const sim = new Sim({ a: SQL, gate: { ...EMPTY, dependsOn: ["a"] } });
    sim.drain();
    const fx = sim.send({ type: "ClearRequested", taskIds: ["gate"], downstream: false });
    expect(sim.task("gate").attempt).toBe(2);
    expect(fx.finished).toBe("success");
  });
});
