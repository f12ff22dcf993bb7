import { describe, expect, it } from "vitest";
import { Sim, SQL, T0 } from "../harness";

/** Attempts as leases: claim tokens, heartbeats, and stale, duplicate or late claims and reports that change nothing. */

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

describe("claim tokens: one execution per grant", () => {
  it("a second claim of a granted attempt whose lease is fresh is refused in_flight and changes nothing", () => {
    const sim = new Sim({ a: SQL });
    const ref = sim.outbox[0]!;
    const first = sim.claim();
    expect(first.granted).toEqual([{ taskKey: "a", attempt: 1, claim: expect.any(String) }]);
    const token = sim.task("a").claim;
    const before = structuredClone(sim.task("a"));
    sim.advance(500);
    const again = sim.send({ type: "AttemptsClaimed", refs: [ref] });
    expect(again.granted).toEqual([]);
    expect(again.refused).toEqual([{ taskKey: "a", attempt: 1, reason: "in_flight" }]);
    expect(again.changedTasks.size).toBe(0);
    expect(sim.task("a")).toEqual(before);
    expect(sim.task("a").claim).toBe(token);
  });

  it("three copies of one message in one claim: one grant, two refused in_flight", () => {
    const sim = new Sim({ a: SQL });
    const ref = sim.outbox[0]!;
    const fx = sim.send({ type: "AttemptsClaimed", refs: [ref, ref, ref] });
    expect(fx.granted).toHaveLength(1);
    expect(fx.refused.map((r) => r.reason)).toEqual(["in_flight", "in_flight"]);
  });

  it("a claim after the lease expired is refused lease_expired; the alarm abandons the attempt and queues a new one", () => {
    const sim = new Sim({ a: SQL });
    const ref = sim.outbox[0]!;
    sim.claim();
    sim.advance(sim.ctx.config.heartbeatTimeoutMs);
    expect(sim.send({ type: "AttemptsClaimed", refs: [ref] }).refused).toEqual([{ taskKey: "a", attempt: 1, reason: "lease_expired" }]);
    const fx = sim.fire();
    expect(fx.attempts).toEqual([expect.objectContaining({ taskKey: "a", attempt: 1, status: "abandoned" })]);
    expect(fx.dispatch).toEqual([{ taskKey: "a", attempt: 2 }]);
  });

  it("each grant gets its own token; a report carrying another token is ignored (not_claimant)", () => {
    const sim = new Sim({ a: SQL, b: SQL });
    const fx = sim.claim();
    const [ta, tb] = fx.granted.map((g) => g.claim);
    expect(ta).not.toBe(tb);
    const wrong = sim.report("a", { claim: "someone-else" });
    expect(wrong.ignored).toEqual([{ taskKey: "a", attempt: 1, reason: "not_claimant" }]);
    expect(sim.status("a")).toBe("running");
    expect(sim.report("a").ignored).toEqual([]);
    expect(sim.status("a")).toBe("success");
  });

  it("continuation grants carry tokens too: the worker's report must present the one it was handed", () => {
    const sim = new Sim({ a: SQL, b: { ...SQL, dependsOn: ["a"] } });
    sim.claim();
    const fx = sim.report("a", { capacity: 1 });
    expect(fx.handBack).toEqual([{ taskKey: "b", attempt: 1, claim: sim.task("b").claim }]);
    expect(sim.report("b", { claim: "stale" }).ignored).toEqual([{ taskKey: "b", attempt: 1, reason: "not_claimant" }]);
    expect(sim.report("b").finished).toBe("success");
  });
});

describe("heartbeats", () => {
  const { heartbeatTimeoutMs, leaseMarginMs } = { heartbeatTimeoutMs: 30_000, leaseMarginMs: 30_000 };

  it("a running attempt's lease is the heartbeat timeout; each heartbeat moves it on, up to the task's timeout plus margin", () => {
    const sim = new Sim({ a: { ...SQL, timeoutSeconds: 60 } }, { heartbeatTimeoutMs, leaseMarginMs });
    sim.claim();
    expect(sim.task("a").deadline).toBe(T0 + heartbeatTimeoutMs);
    sim.advance(10_000);
    const beat = sim.heartbeat("a");
    expect(beat.ignored).toEqual([]);
    expect(sim.task("a").deadline).toBe(T0 + 10_000 + heartbeatTimeoutMs);
    // A lease-only change: the row is written, nothing new goes to history.
    expect(beat.raw.changes.history).toBe(false);
    expect(beat.attempts).toEqual([]);
    sim.advance(50_000);
    sim.heartbeat("a");
    // Never past the attempt's own timeout plus the margin, however many heartbeats come.
    expect(sim.task("a").deadline).toBe(T0 + 60_000 + leaseMarginMs);
  });

  it("a worker that stops heartbeating loses the attempt at the heartbeat timeout: abandoned, then a new attempt", () => {
    const sim = new Sim({ a: SQL }, { heartbeatTimeoutMs });
    sim.claim();
    sim.advance(10_000);
    sim.heartbeat("a");
    sim.advance(heartbeatTimeoutMs - 1);
    expect(sim.fire().attempts).toEqual([]);
    expect(sim.status("a")).toBe("running");
    sim.advance(1);
    const fx = sim.fire();
    expect(fx.attempts).toEqual([expect.objectContaining({ attempt: 1, status: "abandoned", error: expect.objectContaining({ code: "lease_expired" }) })]);
    expect(fx.dispatch).toEqual([{ taskKey: "a", attempt: 2 }]);
    sim.claim();
    expect(sim.report("a").finished).toBe("success");
  });

  it("a heartbeat with a wrong token, for a finished attempt or an older one is ignored and answered as such", () => {
    const sim = new Sim({ a: { ...SQL, retries: { limit: 1, delaySeconds: 1, jitter: false } }, b: SQL });
    sim.claim();
    const deadline = sim.task("a").deadline;
    const wrong = sim.send({ type: "HeartbeatReceived", refs: [{ taskKey: "a", attempt: 1, claim: "nope" }] });
    expect(wrong.ignored).toEqual([{ taskKey: "a", attempt: 1, reason: "not_claimant" }]);
    expect(sim.task("a").deadline).toBe(deadline);
    const tokenB = sim.task("b").claim ?? "";
    sim.report("b");
    const done = sim.send({ type: "HeartbeatReceived", refs: [{ taskKey: "b", attempt: 1, claim: tokenB }] });
    expect(done.ignored).toEqual([{ taskKey: "b", attempt: 1, reason: "not_active" }]);
    const tokenA = sim.task("a").claim ?? "";
    sim.report("a", { ok: false });
    sim.advance(1_000);
    sim.fire();
    const old = sim.send({ type: "HeartbeatReceived", refs: [{ taskKey: "a", attempt: 1, claim: tokenA }] });
    expect(old.ignored).toEqual([{ taskKey: "a", attempt: 1, reason: "stale_attempt" }]);
  });
});

describe("a mapped task's parent is not an attempt", () => {
  it("a report naming the parent of a running map is ignored: only its instances end it", () => {
    const sim = new Sim({ src: SQL, m: { type: "function", function: "echo", dependsOn: ["src"], map: { over: "tasks.src.output" } } });
    sim.claim();
    sim.report("src", { output: [1, 2] });
    expect(sim.status("m")).toBe("running");
    const fx = sim.report("m", { attempt: 0 });
    expect(fx.ignored).toEqual([{ taskKey: "m", attempt: 0, reason: "not_active" }]);
    expect(sim.status("m")).toBe("running");
    expect(sim.task("m").mapDone).toBe(0);
  });
});
