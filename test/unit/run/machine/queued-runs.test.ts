import { describe, expect, it } from "vitest";
import { Sim, SQL, T0 } from "../harness";

/** Runs created `queued` because their DAG is at maxActiveRuns. */

describe("queued runs", () => {
  it("start nothing until released, whatever else happens", () => {
    const sim = new Sim({ a: SQL, b: { ...SQL, dependsOn: ["a"] } }, {}, { queued: true });
    expect(sim.state.run.status).toBe("queued");
    expect(sim.state.run.startedAt).toBeUndefined();
    expect(sim.fx.dispatch).toEqual([]);
    sim.advance(60_000);
    expect(sim.send({ type: "TimerFired" }).dispatch).toEqual([]);
    expect(sim.send({ type: "ClearRequested", taskIds: ["a"], downstream: true }).dispatch).toEqual([]);
    expect(sim.statuses()).toEqual({ a: "pending", b: "pending" });
  });

  it("released, they start their root tasks and record when they started", () => {
    const sim = new Sim({ a: SQL, b: { ...SQL, dependsOn: ["a"] } }, {}, { queued: true });
    sim.advance(5_000);
    const fx = sim.send({ type: "RunReleased" });
    expect(sim.state.run.status).toBe("running");
    expect(sim.state.run.startedAt).toBe(T0 + 5_000);
    expect(fx.dispatch.map((r) => r.taskKey)).toEqual(["a"]);
    sim.drain();
    expect(sim.state.run.status).toBe("success");
    // A second release of a running run changes nothing.
    expect(sim.send({ type: "RunReleased" }).dispatch).toEqual([]);
  });

  it("a cancelled queued run ends cancelled and says so (its DAG frees its place)", () => {
    const sim = new Sim({ a: SQL }, {}, { queued: true });
    const fx = sim.send({ type: "CancelRequested", reason: "not needed" });
    expect(sim.state.run.status).toBe("cancelled");
    expect(fx.commands.filter((c) => c.type === "RunEnded")).toHaveLength(1);
    expect(sim.statuses()).toEqual({ a: "cancelled" });
  });

  it("a rerun for a backfill names the backfill on the run", () => {
    const sim = new Sim({ a: SQL });
    sim.drain();
    sim.send({ type: "RetryRequested", backfillId: "bf_1" });
    expect(sim.state.run.backfillId).toBe("bf_1");
  });
});
