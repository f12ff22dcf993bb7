import { describe, expect, it } from "vitest";
import { Sim, SQL } from "../harness";

/** Attempts as leases: stale, duplicate and late claims and reports change nothing. */

describe("stale, duplicate and late messages", () => {
  it("a duplicate report of the same attempt is ignored and does not dispatch downstream twice", () => {
    const sim = new Sim({ a: SQL, b: { ...SQL, dependsOn: ["a"] } });
    sim.claim();
    sim.report("a", { output: 1 });
    const before = structuredClone([...sim.state.tasks.values()]);
    const dup = sim.report("a", { attempt: 1, output: 2 });
    expect(dup.ignored).toEqual([{ taskKey: "a", attempt: 1, reason: "not_active" }]);
    expect(dup.dispatch).toEqual([]);
    expect(dup.attempts).toEqual([]);
    expect(dup.changedTasks.size).toBe(0);
    expect(dup.wakeAt).toBeUndefined();
    expect([...sim.state.tasks.values()]).toEqual(before);
    expect(sim.task("a").output).toBe(1);
  });

  it("a late report of an older attempt is ignored", () => {
    const sim = new Sim({ a: { ...SQL, retries: { limit: 1, delaySeconds: 1 } } });
    sim.claim();
    sim.report("a", { ok: false });
    sim.advance(1_000);
    sim.fire();
    expect(sim.task("a").attempt).toBe(2);
    const late = sim.report("a", { attempt: 1, ok: true });
    expect(late.ignored).toEqual([{ taskKey: "a", attempt: 1, reason: "stale_attempt" }]);
    expect(sim.status("a")).toBe("queued");
    expect(sim.state.run.status).toBe("running");
  });

  it("reports after cancel are ignored", () => {
    const sim = new Sim({ a: SQL });
    sim.claim();
    sim.send({ type: "CancelRequested" });
    const fx = sim.report("a", { attempt: 1 });
    expect(fx.ignored).toEqual([{ taskKey: "a", attempt: 1, reason: "run_finished" }]);
    expect(sim.status("a")).toBe("cancelled");
    expect(sim.state.run.status).toBe("cancelled");
  });

  it("a report for an unknown task is ignored", () => {
    const sim = new Sim({ a: SQL });
    expect(sim.report("zzz", { attempt: 1 }).ignored).toEqual([{ taskKey: "zzz", attempt: 1, reason: "unknown_task" }]);
  });

  it("a claim of a stale attempt is refused, the current one granted", () => {
    const sim = new Sim({ a: { ...SQL, retries: { limit: 1, delaySeconds: 1 } }, b: SQL });
    sim.claim("a");
    sim.report("a", { ok: false });
    sim.advance(1_000);
    sim.fire();
    const fx = sim.send({
      type: "AttemptsClaimed",
      refs: [
        { taskKey: "a", attempt: 1 },
        { taskKey: "a", attempt: 2 },
        { taskKey: "nope", attempt: 1 },
      ],
    });
    expect(fx.refused).toEqual([
      { taskKey: "a", attempt: 1, reason: "stale_attempt" },
      { taskKey: "nope", attempt: 1, reason: "unknown_task" },
    ]);
    expect(fx.granted).toEqual([{ taskKey: "a", attempt: 2, claim: expect.any(String) }]);
    expect(sim.status("a")).toBe("running");
  });

  it("a claim of a finished attempt is refused", () => {
    const sim = new Sim({ a: SQL, b: SQL });
    sim.claim("a");
    sim.report("a");
    const fx = sim.send({ type: "AttemptsClaimed", refs: [{ taskKey: "a", attempt: 1 }] });
    expect(fx.refused).toEqual([{ taskKey: "a", attempt: 1, reason: "not_active" }]);
    expect(fx.granted).toEqual([]);
    expect(sim.status("a")).toBe("success");
  });
});
