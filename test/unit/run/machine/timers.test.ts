import { describe, expect, it } from "vitest";
import { DEFAULT_MACHINE_CONFIG, nextWakeAt } from "../../../../src/run/machine";
import { EMPTY, Sim, SQL, T0 } from "../harness";

/** Timers on the run index: retries due, dispatch leases (lost messages), run leases (lost workers). */

const { leaseMarginMs, heartbeatTimeoutMs } = DEFAULT_MACHINE_CONFIG;
/** A running attempt's lease under defaults: the task timeout plus the margin, bounded by the heartbeat timeout. */
const leaseOf = (timeoutMs: number): number => Math.min(timeoutMs + leaseMarginMs, heartbeatTimeoutMs);
/** The lease of a task with the default 300 s timeout (the heartbeat timeout is the shorter). */
const LEASE = leaseOf(300_000);

describe("leases", () => {
  it("a running attempt past its lease is abandoned and a new attempt dispatched", () => {
    const sim = new Sim({ a: SQL });
    sim.advance(1_000);
    const claimed = sim.claim();
    const deadline = T0 + 1_000 + LEASE;
    expect(sim.task("a").deadline).toBe(deadline);
    expect(claimed.wakeAt).toBe(deadline);
    expect(nextWakeAt(sim.run)).toBe(deadline);

    sim.ctx.now = deadline - 1;
    expect(sim.fire().dispatch).toEqual([]);
    expect(sim.status("a")).toBe("running");

    sim.ctx.now = deadline;
    const fx = sim.fire();
    expect(fx.attempts).toContainEqual(expect.objectContaining({ taskKey: "a", attempt: 1, status: "abandoned", endedAt: deadline }));
    expect(fx.attempts.find((r) => r.status === "abandoned")?.error?.code).toBe("lease_expired");
    expect(fx.dispatch).toEqual([{ taskKey: "a", attempt: 2 }]);
    expect(sim.status("a")).toBe("queued");
    expect(sim.task("a").lost).toBe(1);
    expect(sim.task("a").failures).toBe(0);

    // The lost worker turns up late: its report changes nothing.
    const late = sim.report("a", { attempt: 1 });
    expect(late.ignored).toEqual([{ taskKey: "a", attempt: 1, reason: "stale_attempt" }]);
    expect(sim.status("a")).toBe("queued");

    sim.claim();
    sim.report("a");
    expect(sim.state.run.status).toBe("success");
  });

  it(`fails the task after more than maxLostAttempts (${DEFAULT_MACHINE_CONFIG.maxLostAttempts}) lost leases`, () => {
    const sim = new Sim({ a: { ...SQL, timeoutSeconds: 10 }, b: { ...SQL, dependsOn: ["a"] } });
    const max = DEFAULT_MACHINE_CONFIG.maxLostAttempts;
    for (let lost = 1; lost <= max; lost++) {
      sim.claim();
      sim.advance(leaseOf(10_000));
      const fx = sim.fire();
      expect(fx.dispatch).toEqual([{ taskKey: "a", attempt: lost + 1 }]);
      expect(sim.task("a").lost).toBe(lost);
    }
    sim.claim();
    sim.advance(leaseOf(10_000));
    const fx = sim.fire();
    expect(fx.dispatch).toEqual([]);
    expect(sim.status("a")).toBe("failed");
    expect(sim.task("a").error?.code).toBe("lease_expired");
    expect(sim.status("b")).toBe("upstream_failed");
    expect(fx.finished).toBe("failed");
  });

  it("honours a custom maxLostAttempts", () => {
    const sim = new Sim({ a: SQL }, { maxLostAttempts: 0 });
    sim.claim();
    sim.advance(LEASE);
    sim.fire();
    expect(sim.status("a")).toBe("failed");
  });

  it("a queued attempt not claimed within the dispatch lease is sent again with the same attempt number", () => {
    const sim = new Sim({ a: SQL });
    const lease = DEFAULT_MACHINE_CONFIG.dispatchLeaseMs;
    expect(sim.fx.wakeAt).toBe(T0 + lease);
    sim.outbox = []; // the message is lost

    sim.advance(lease - 1);
    expect(sim.fire().dispatch).toEqual([]);
    sim.advance(1);
    const fx = sim.fire();
    expect(fx.dispatch).toEqual([{ taskKey: "a", attempt: 1 }]);
    expect(fx.attempts.filter((r) => r.status === "abandoned")).toEqual([]);
    // The next resend waits twice as long (a backlog is not flooded with copies).
    expect(sim.task("a").deadline).toBe(T0 + 3 * lease);
    expect(fx.wakeAt).toBe(T0 + 3 * lease);
    expect(sim.task("a").attempt).toBe(1);
    sim.advance(2 * lease);
    expect(sim.fire().dispatch).toEqual([{ taskKey: "a", attempt: 1 }]);
    expect(sim.task("a").deadline).toBe(T0 + 3 * lease + 4 * lease);
    for (let i = 0; i < 5; i++) {
      sim.ctx.now = sim.task("a").deadline ?? 0;
      sim.fire();
    }
    // Never more than 8 leases apart.
    const before = sim.task("a").deadline ?? 0;
    sim.ctx.now = before;
    sim.fire();
    expect((sim.task("a").deadline ?? 0) - before).toBe(8 * lease);

    expect(sim.claim().granted).toEqual([{ taskKey: "a", attempt: 1, claim: expect.any(String) }]);
    sim.report("a");
    expect(sim.state.run.status).toBe("success");
  });

  it("the per-task timeout sets the running lease (when heartbeats may come later than it)", () => {
    const sim = new Sim({ a: { ...SQL, timeoutSeconds: 5 } }, { heartbeatTimeoutMs: 60_000 });
    expect(sim.claim().wakeAt).toBe(T0 + 5_000 + leaseMarginMs);
  });
});

describe("nextWakeAt", () => {
  it("returns the earliest retry or lease deadline, then undefined once the run finished", () => {
    const sim = new Sim({
      slow: SQL, // queued: dispatch lease
      quick: { ...SQL, timeoutSeconds: 10 }, // running: 10 s + margin
      flaky: { ...SQL, retries: { limit: 1, delaySeconds: 5 } }, // retry in 5 s
    });
    expect(nextWakeAt(sim.run)).toBe(T0 + DEFAULT_MACHINE_CONFIG.dispatchLeaseMs);
    sim.claim("quick", "flaky");
    expect(nextWakeAt(sim.run)).toBe(T0 + leaseOf(10_000));
    const failed = sim.report("flaky", { ok: false });
    expect(failed.wakeAt).toBe(T0 + 5_000);
    expect(nextWakeAt(sim.run)).toBe(T0 + 5_000);

    sim.report("quick");
    sim.report("slow", { attempt: 1 });
    sim.advance(5_000);
    sim.fire();
    sim.drain();
    expect(sim.state.run.status).toBe("success");
    expect(nextWakeAt(sim.run)).toBeUndefined();
  });

  it("is undefined when nothing waits on a timer", () => {
    const sim = new Sim({ a: EMPTY });
    expect(nextWakeAt(sim.run)).toBeUndefined();
    expect(sim.fx.wakeAt).toBeUndefined();
  });
});
