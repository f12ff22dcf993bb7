import { describe, expect, it } from "vitest";
import { nextWakeAt } from "../../../../src/run/machine";
import { Sim, SQL, T0 } from "../harness";

/** Cancelling a run. */

describe("cancel", () => {
  it("cancels pending, queued, running and waiting tasks; records active attempts as cancelled", () => {
    const sim = new Sim({
      run: SQL,
      queue: SQL,
      retry: { ...SQL, retries: { limit: 2 } },
      done: SQL,
      later: { ...SQL, dependsOn: ["run"] },
    });
    sim.claim("run", "retry", "done");
    sim.report("retry", { ok: false });
    sim.report("done");
    expect(sim.statuses()).toEqual({ run: "running", queue: "queued", retry: "up_for_retry", done: "success", later: "pending" });

    sim.advance(2_000);
    const fx = sim.send({ type: "CancelRequested", reason: "operator" });
    expect(sim.statuses()).toEqual({ run: "cancelled", queue: "cancelled", retry: "cancelled", done: "success", later: "cancelled" });
    expect(fx.attempts.map((r) => [r.taskKey, r.attempt, r.status, r.endedAt]).sort()).toEqual([
      ["queue", 1, "cancelled", T0 + 2_000],
      ["run", 1, "cancelled", T0 + 2_000],
    ]);
    expect(sim.task("run").error?.message).toContain("operator");
    expect(sim.state.run.status).toBe("cancelled");
    expect(sim.state.run.endedAt).toBe(T0 + 2_000);
    expect(fx.finished).toBe("cancelled");
    expect(fx.runChanged).toBe(true);
    expect(fx.changedTasks).toEqual(new Set(["run", "queue", "retry", "later"]));
    expect(nextWakeAt(sim.run)).toBeUndefined();
  });

  it("a finished run cannot be cancelled, and timers do nothing after cancel", () => {
    const sim = new Sim({ a: { ...SQL, retries: { limit: 1 } } });
    sim.claim();
    sim.report("a", { ok: false });
    sim.send({ type: "CancelRequested" });
    sim.advance(3_600_000);
    expect(sim.fire().dispatch).toEqual([]);
    const again = sim.send({ type: "CancelRequested" });
    expect(again.finished).toBeUndefined();
    expect(again.changedTasks.size).toBe(0);

    const done = new Sim({ a: SQL });
    done.drain();
    done.send({ type: "CancelRequested" });
    expect(done.state.run.status).toBe("success");
    expect(done.status("a")).toBe("success");
  });
});
