import { describe, expect, it } from "vitest";
import { DEFAULT_MACHINE_CONFIG } from "../../../../src/run/machine";
import { EMPTY, keys, Sim, SQL, T0 } from "../harness";

/** Dispatch and continuation: ready attempts go back to the reporting worker within its offer, the rest to the queue. */

/** A running attempt's lease under defaults: the 300 s task timeout plus the margin, bounded by the heartbeat timeout. */
const LEASE = Math.min(300_000 + DEFAULT_MACHINE_CONFIG.leaseMarginMs, DEFAULT_MACHINE_CONFIG.heartbeatTimeoutMs);

describe("continuation", () => {
  const fanOut = {
    a: SQL,
    b: { ...SQL, dependsOn: ["a"] },
    c: { ...SQL, dependsOn: ["a"] },
    d: { ...SQL, dependsOn: ["a"] },
    e: { ...SQL, dependsOn: ["a"] },
  };

  it("hands back at most `capacity` newly ready tasks as running; the rest go to the queue", () => {
    const sim = new Sim(fanOut);
    sim.claim();
    sim.advance(500);
    const fx = sim.report("a", { capacity: 2 });
    expect(fx.handBack).toHaveLength(2);
    expect(fx.dispatch).toHaveLength(2);
    expect([...keys(fx.handBack), ...keys(fx.dispatch)].sort()).toEqual(["b", "c", "d", "e"]);
    for (const ref of fx.handBack) {
      const t = sim.task(ref.taskKey);
      expect(ref.attempt).toBe(1);
      expect(t.status).toBe("running");
      expect(t.via).toBe("continuation");
      expect(t.deadline).toBe(T0 + 500 + LEASE);
      // Leased before the answer leaves: the task row carries the running attempt (history gets it when it ends).
      expect(fx.changedTasks.has(ref.taskKey)).toBe(true);
      expect(t.attemptStartedAt).toBe(T0 + 500);
    }
    for (const ref of fx.dispatch) {
      expect(sim.status(ref.taskKey)).toBe("queued");
      expect(sim.task(ref.taskKey).via).toBe("queue");
    }
    // Handed-back attempts are reported like any other.
    const [first] = fx.handBack;
    sim.report(first!.taskKey);
    expect(sim.status(first!.taskKey)).toBe("success");
  });

  it("capacity 0 sends every ready task to the queue", () => {
    const sim = new Sim(fanOut);
    sim.claim();
    const fx = sim.report("a", { capacity: 0 });
    expect(fx.handBack).toEqual([]);
    expect(keys(fx.dispatch)).toEqual(["b", "c", "d", "e"]);
  });

  it("capacity above the ready count hands back everything", () => {
    const sim = new Sim(fanOut);
    sim.claim();
    const fx = sim.report("a", { capacity: 10 });
    expect(keys(fx.handBack)).toEqual(["b", "c", "d", "e"]);
    expect(fx.dispatch).toEqual([]);
  });

  it("hands back only tasks whose timeout ends inside the worker's budget (`until`); the others are queued", () => {
    const sim = new Sim({
      a: SQL,
      quick: { ...SQL, dependsOn: ["a"], timeoutSeconds: 10 },
      long: { ...SQL, dependsOn: ["a"], timeoutSeconds: 60 },
      exact: { ...SQL, dependsOn: ["a"], timeoutSeconds: 30 },
    });
    sim.claim();
    sim.advance(1_000);
    const fx = sim.report("a", { capacity: 5, until: T0 + 1_000 + 30_000 });
    expect(keys(fx.handBack)).toEqual(["exact", "quick"]);
    expect(keys(fx.dispatch)).toEqual(["long"]);
    expect(sim.task("long").via).toBe("queue");
  });

  it("a trigger's offer takes the root tasks as leased attempts; the rest of the roots are queued", () => {
    const roots = { r1: { ...SQL, timeoutSeconds: 5 }, r2: { ...SQL, timeoutSeconds: 5 }, r3: { ...SQL, timeoutSeconds: 5 }, r4: SQL };
    const sim = new Sim(roots, {}, { offer: { capacity: 2, until: T0 + 25_000 } });
    const taken = keys(sim.fx.handBack);
    expect(taken).toHaveLength(2);
    expect(keys([...sim.fx.handBack, ...sim.fx.dispatch])).toEqual(["r1", "r2", "r3", "r4"]);
    expect(keys(sim.fx.dispatch)).toContain("r4");
    for (const id of taken) {
      expect(sim.status(id)).toBe("running");
      expect(sim.task(id).deadline).toBe(T0 + Math.min(5_000 + DEFAULT_MACHINE_CONFIG.leaseMarginMs, DEFAULT_MACHINE_CONFIG.heartbeatTimeoutMs));
    }
    // r4's default timeout (300 s) would not fit in 25 s even with room left.
    const wide = new Sim(roots, {}, { offer: { capacity: 10, until: T0 + 25_000 } });
    expect(keys(wide.fx.handBack)).toEqual(["r1", "r2", "r3"]);
    expect(keys(wide.fx.dispatch)).toEqual(["r4"]);
  });

  it("never hands back control tasks (they complete inline)", () => {
    const sim = new Sim({ a: SQL, e: { ...EMPTY, dependsOn: ["a"] }, b: { ...SQL, dependsOn: ["e"] } });
    sim.claim();
    const fx = sim.report("a", { capacity: 5 });
    expect(fx.handBack).toEqual([{ taskKey: "b", attempt: 1, claim: expect.any(String) }]);
    expect(sim.task("e").via).toBe("inline");
  });
});
