import { describe, expect, it } from "vitest";
import { scopeFor } from "../../../../src/run/machine";
import { Sim, SQL } from "../harness";
import { FN, ONE_RETRY, failAndRetry, attemptsOf } from "./fixtures";

/** Fallbacks: a value or a task that stands in for a task that failed for good. */

describe("fallback value", () => {
  const spec = {
    a: { ...SQL, retries: ONE_RETRY, fallback: { value: { rows: [] } } },
    b: { ...SQL, dependsOn: ["a"] },
  };

  it("a task that exhausts its retries succeeds with the value; downstream continues and the run succeeds", () => {
    const sim = new Sim(spec);
    sim.claim();
    failAndRetry(sim, "a");
    // While a retry remains the fallback is not used.
    expect(sim.task("a").fallbackUsed).toBeUndefined();
    const fx = sim.report("a", { ok: false });
    expect(sim.status("a")).toBe("success");
    expect(sim.task("a").fallbackUsed).toBe(true);
    expect(sim.task("a").output).toEqual({ rows: [] });
    expect(sim.task("a").attempt).toBe(2);
    // History keeps the failed attempt as failed.
    expect(attemptsOf(fx.attempts, "a")).toEqual([[2, "failed"]]);
    expect(fx.dispatch).toEqual([{ taskKey: "b", attempt: 1 }]);
    sim.drain();
    expect(sim.state.run.status).toBe("success");
  });

  it("a null fallback value also stands in", () => {
    const sim = new Sim({ a: { ...SQL, fallback: { value: null } } });
    sim.claim();
    expect(sim.report("a", { ok: false }).finished).toBe("success");
    expect(sim.task("a").output).toBeNull();
    expect(sim.task("a").fallbackUsed).toBe(true);
  });
});

describe("fallback task", () => {
  const spec = {
    primary: { ...SQL, fallback: { task: "alt" } },
    alt: { ...FN, args: { from: "alt" } },
    down: { ...SQL, dependsOn: ["primary"] },
  };

  it("does not run on its own", () => {
    const sim = new Sim(spec);
    expect(sim.fx.dispatch).toEqual([{ taskKey: "primary", attempt: 1 }]);
    expect(sim.status("alt")).toBe("pending");
  });

  it("is dispatched when the primary fails for good; its success becomes the primary's", () => {
    const sim = new Sim(spec);
    sim.claim();
    const failed = sim.report("primary", { ok: false, error: { message: "db down" } });
    expect(failed.dispatch).toEqual([{ taskKey: "alt", attempt: 1 }]);
    expect(sim.status("primary")).not.toBe("failed");
    expect(sim.status("down")).toBe("pending");
    expect(failed.finished).toBeUndefined();

    sim.claim();
    const fx = sim.report("alt", { output: { from: "alt" } });
    expect(sim.status("primary")).toBe("success");
    expect(sim.task("primary").output).toEqual({ from: "alt" });
    expect(sim.task("primary").fallbackUsed).toBe(true);
    expect(fx.dispatch).toEqual([{ taskKey: "down", attempt: 1 }]);
    sim.drain();
    expect(sim.state.run.status).toBe("success");
  });

  it("waits for the primary's retries first", () => {
    const sim = new Sim({ ...spec, primary: { ...spec.primary, retries: ONE_RETRY } });
    sim.claim();
    expect(sim.report("primary", { ok: false }).dispatch).toEqual([]);
    expect(sim.status("alt")).toBe("pending");
  });

  it("when it fails too, the primary fails and downstream is upstream_failed", () => {
    const sim = new Sim(spec);
    sim.claim();
    sim.report("primary", { ok: false });
    sim.claim();
    const fx = sim.report("alt", { ok: false, error: { message: "alt down" } });
    expect(sim.status("alt")).toBe("failed");
    expect(sim.status("primary")).toBe("failed");
    expect(sim.task("primary").error?.code).toBe("fallback_failed");
    expect(sim.task("primary").error?.message).toContain("alt");
    expect(sim.status("down")).toBe("upstream_failed");
    expect(fx.finished).toBe("failed");
  });

  it("ends skipped when the primary succeeds on its own, and the run finishes", () => {
    const sim = new Sim(spec);
    sim.claim();
    sim.report("primary", { output: 1 });
    expect(sim.status("alt")).toBe("skipped");
    expect(sim.task("alt").attempt).toBe(0);
    sim.drain();
    expect(sim.state.run.status).toBe("success");
  });

  it("sees the primary's upstream outputs", () => {
    const sim = new Sim({ up: SQL, primary: { ...SQL, dependsOn: ["up"], fallback: { task: "alt" } }, alt: FN });
    sim.claim();
    sim.report("up", { output: { id: 3 } });
    const scope = scopeFor(sim.state, sim.plan, sim.plan.byId.get("alt")!);
    expect(scope.tasks.up?.output).toEqual({ id: 3 });
  });

  it("a duplicate report of the primary's failed attempt, while the fallback runs, is ignored", () => {
    // Queue deliveries are at least once: the same outcome can arrive twice.
    const sim = new Sim(spec);
    sim.claim();
    sim.report("primary", { ok: false });
    const dup = sim.report("primary", { ok: false, attempt: 1 });
    expect(dup.ignored).toEqual([expect.objectContaining({ taskKey: "primary", attempt: 1 })]);
    expect(sim.status("primary")).toBe("running");
    expect(sim.status("down")).toBe("pending");
    sim.claim("alt");
    sim.report("alt", { output: "saved" });
    expect(sim.status("primary")).toBe("success");
    expect(sim.status("down")).toBe("queued");
  });

  it("a redelivered queue message for the primary's failed attempt is refused, not run again", () => {
    const sim = new Sim(spec);
    sim.claim();
    sim.report("primary", { ok: false });
    const fx = sim.send({ type: "AttemptsClaimed", refs: [{ taskKey: "primary", attempt: 1 }] });
    expect(fx.granted).toEqual([]);
    expect(fx.refused).toEqual([expect.objectContaining({ taskKey: "primary", attempt: 1 })]);
    expect(sim.task("primary").deadline).toBeUndefined();
  });
});
