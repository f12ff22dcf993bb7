import { describe, expect, it } from "vitest";
import { DEFAULT_MACHINE_CONFIG, nextWakeAt } from "../../../src/run/machine";
import { EMPTY, keys, Sim, SQL, T0 } from "./harness";

/** A running attempt's lease under defaults: the 300 s task timeout plus the margin. */
const LEASE = 300_000 + DEFAULT_MACHINE_CONFIG.leaseMarginMs;

describe("createRun", () => {
  it("starts the run and dispatches only the roots", () => {
    const sim = new Sim({ a: SQL, b: { ...SQL, dependsOn: ["a"] }, c: SQL });
    expect(sim.state.run.status).toBe("running");
    expect(sim.state.run.startedAt).toBe(T0);
    expect(keys(sim.fx.dispatch)).toEqual(["a", "c"]);
    expect(sim.fx.dispatch.every((r) => r.attempt === 1)).toBe(true);
    expect(sim.statuses()).toEqual({ a: "queued", b: "pending", c: "queued" });
    expect(sim.fx.runChanged).toBe(true);
    // Only rows that differ from a fresh pending task are written; a stored run rebuilds the rest from the plan.
    expect(sim.fx.changedTasks).toEqual(new Set(["a", "c"]));
    // Attempts in flight live in their task rows; history rows are written when they end.
    expect(sim.fx.attempts).toEqual([]);
    expect([sim.task("a").attempt, sim.task("a").via, sim.task("a").attemptQueuedAt]).toEqual([1, "queue", T0]);
    expect(sim.fx.finished).toBeUndefined();
  });
});

describe("dispatch order", () => {
  it("linear chain: each task is dispatched only after the previous one succeeded", () => {
    const sim = new Sim({ a: SQL, b: { ...SQL, dependsOn: ["a"] }, c: { ...SQL, dependsOn: ["b"] } });
    expect(keys(sim.fx.dispatch)).toEqual(["a"]);

    expect(keys(sim.claim().granted)).toEqual(["a"]);
    expect(sim.status("a")).toBe("running");
    expect(sim.report("a", { output: { rows: 1 } }).dispatch).toEqual([{ taskKey: "b", attempt: 1 }]);
    expect(sim.task("a").output).toEqual({ rows: 1 });
    expect(sim.statuses()).toEqual({ a: "success", b: "queued", c: "pending" });

    sim.claim();
    expect(keys(sim.report("b").dispatch)).toEqual(["c"]);
    sim.claim();
    const last = sim.report("c");
    expect(last.dispatch).toEqual([]);
    expect(last.finished).toBe("success");
    expect(sim.state.run.status).toBe("success");
    expect(sim.state.run.endedAt).toBe(T0);
  });

  it("linear chain via the driver: one task per batch, in order", () => {
    const sim = new Sim({ a: SQL, b: { ...SQL, dependsOn: ["a"] }, c: { ...SQL, dependsOn: ["b"] } });
    expect(sim.drain()).toEqual([["a"], ["b"], ["c"]]);
    expect(sim.state.run.status).toBe("success");
  });

  it("diamond: B and C are dispatched together after A; D only after both", () => {
    const sim = new Sim({
      A: SQL,
      B: { ...SQL, dependsOn: ["A"] },
      C: { ...SQL, dependsOn: ["A"] },
      D: { ...SQL, dependsOn: ["B", "C"] },
    });
    sim.claim();
    expect(keys(sim.report("A").dispatch)).toEqual(["B", "C"]);
    sim.claim();
    expect(sim.report("B").dispatch).toEqual([]);
    expect(sim.status("D")).toBe("pending");
    expect(keys(sim.report("C").dispatch)).toEqual(["D"]);
    sim.claim();
    expect(sim.report("D").finished).toBe("success");
  });

  it("fan-in: the join is dispatched once, after every upstream, even when they report in one batch", () => {
    const roots = ["r1", "r2", "r3", "r4", "r5"];
    const tasks: Record<string, unknown> = { join: { ...SQL, dependsOn: roots } };
    for (const r of roots) tasks[r] = SQL;
    const sim = new Sim(tasks);
    expect(keys(sim.fx.dispatch)).toEqual(roots);
    sim.claim();
    expect(sim.reportAll(["r1", "r2"]).dispatch).toEqual([]);
    expect(sim.status("join")).toBe("pending");
    expect(sim.reportAll(["r3", "r4", "r5"]).dispatch).toEqual([{ taskKey: "join", attempt: 1 }]);
    expect(sim.drain()).toEqual([["join"]]);
    expect(sim.state.run.status).toBe("success");
  });
});

describe("control tasks", () => {
  it("a chain of 100 empty tasks finishes inside createRun with no dispatch", () => {
    const tasks: Record<string, unknown> = {};
    for (let i = 0; i < 100; i++) tasks[`e${i}`] = i === 0 ? EMPTY : { ...EMPTY, dependsOn: [`e${i - 1}`] };
    const sim = new Sim(tasks);
    expect(sim.fx.dispatch).toEqual([]);
    expect(sim.fx.finished).toBe("success");
    expect(sim.state.run.status).toBe("success");
    expect(Object.values(sim.statuses()).every((s) => s === "success")).toBe(true);
    expect(sim.fx.attempts).toHaveLength(100);
    expect(sim.fx.attempts.every((r) => r.status === "success" && r.via === "inline" && r.attempt === 1)).toBe(true);
    expect(nextWakeAt(sim.state)).toBeUndefined();
  });

  it("an empty task between two workers completes in the same transition that readies it", () => {
    const sim = new Sim({ a: SQL, gate: { ...EMPTY, dependsOn: ["a"] }, b: { ...SQL, dependsOn: ["gate"] } });
    sim.claim();
    const fx = sim.report("a");
    expect(sim.status("gate")).toBe("success");
    expect(sim.task("gate").via).toBe("inline");
    expect(fx.dispatch).toEqual([{ taskKey: "b", attempt: 1 }]);
    expect(fx.changedTasks.has("gate")).toBe(true);
  });

  it("an empty task after a failed upstream is upstream_failed, not run", () => {
    const sim = new Sim({ a: SQL, gate: { ...EMPTY, dependsOn: ["a"] }, b: { ...SQL, dependsOn: ["gate"] } });
    sim.claim();
    sim.report("a", { ok: false });
    expect(sim.statuses()).toEqual({ a: "failed", gate: "upstream_failed", b: "upstream_failed" });
    expect(sim.task("gate").attempt).toBe(0);
  });
});

describe("failure", () => {
  it("without retries: the task fails, downstream is upstream_failed, a parallel branch still finishes, then the run fails", () => {
    const sim = new Sim({
      a: SQL,
      b: { ...SQL, dependsOn: ["a"] },
      c: { ...SQL, dependsOn: ["b"] },
      side: SQL,
      side2: { ...SQL, dependsOn: ["side"] },
    });
    sim.claim();
    const fx = sim.report("a", { ok: false, error: { message: "boom", code: "sql" } });
    expect(sim.status("a")).toBe("failed");
    expect(sim.task("a").error).toEqual({ message: "boom", code: "sql" });
    expect(sim.status("b")).toBe("upstream_failed");
    expect(sim.status("c")).toBe("upstream_failed");
    expect(fx.attempts).toEqual([expect.objectContaining({ taskKey: "a", attempt: 1, status: "failed", error: { message: "boom", code: "sql" } })]);
    expect(fx.finished).toBeUndefined();
    expect(sim.state.run.status).toBe("running");

    // The independent branch keeps going.
    expect(keys(sim.report("side").dispatch)).toEqual(["side2"]);
    sim.claim();
    sim.advance(5_000);
    const end = sim.report("side2");
    expect(sim.status("side2")).toBe("success");
    expect(end.finished).toBe("failed");
    expect(sim.state.run.status).toBe("failed");
    expect(sim.state.run.endedAt).toBe(T0 + 5_000);
  });

  it("a failure with no error gets a default error message", () => {
    const sim = new Sim({ a: SQL });
    sim.report("a", { ok: false });
    expect(sim.task("a").error?.message).toBeTruthy();
    expect(sim.state.run.status).toBe("failed");
  });

  it("records the task's end time as the attempt's reported end, like a success does", () => {
    const sim = new Sim({ ok: SQL, bad: SQL });
    sim.claim();
    sim.advance(10_000);
    sim.report("ok", { startedAt: T0 + 1_000, endedAt: T0 + 2_000 });
    sim.report("bad", { ok: false, startedAt: T0 + 1_000, endedAt: T0 + 3_000 });
    expect(sim.task("ok").endedAt).toBe(T0 + 2_000);
    expect(sim.task("bad").endedAt).toBe(T0 + 3_000);
  });
});

describe("retries", () => {
  const retrying = { a: { ...SQL, retries: { limit: 1, delaySeconds: 10 } }, b: { ...SQL, dependsOn: ["a"] } };

  it("a failed attempt goes up_for_retry; the timer dispatches attempt 2 at retryAt, not before", () => {
    const sim = new Sim(retrying);
    sim.claim();
    sim.advance(1_000);
    const failed = sim.report("a", { ok: false });
    const retryAt = T0 + 1_000 + 10_000; // random 0.5 → jitter factor exactly 1
    expect(sim.status("a")).toBe("up_for_retry");
    expect(sim.task("a").retryAt).toBe(retryAt);
    expect(sim.task("a").failures).toBe(1);
    expect(failed.wakeAt).toBe(retryAt);
    expect(failed.dispatch).toEqual([]);
    expect(sim.status("b")).toBe("pending");
    expect(nextWakeAt(sim.state)).toBe(retryAt);

    sim.advance(9_999);
    const early = sim.fire();
    expect(early.dispatch).toEqual([]);
    expect(early.changedTasks.size).toBe(0);
    expect(sim.status("a")).toBe("up_for_retry");

    sim.advance(1);
    const due = sim.fire();
    expect(due.dispatch).toEqual([{ taskKey: "a", attempt: 2 }]);
    expect(sim.status("a")).toBe("queued");
    expect(sim.task("a").attempt).toBe(2);

    expect(keys(sim.claim().granted)).toEqual(["a"]);
    expect(sim.report("a").dispatch).toEqual([{ taskKey: "b", attempt: 1 }]);
    sim.drain();
    expect(sim.state.run.status).toBe("success");
    expect(sim.task("a").attempt).toBe(2);
    expect(sim.status("a")).toBe("success");
  });

  it("fails the task once the retry limit is used up", () => {
    const sim = new Sim(retrying);
    sim.drain(() => true);
    sim.advance(10_000);
    sim.fire();
    sim.drain(() => true);
    expect(sim.status("a")).toBe("failed");
    expect(sim.task("a").attempt).toBe(2);
    expect(sim.task("a").failures).toBe(2);
    expect(sim.status("b")).toBe("upstream_failed");
    expect(sim.state.run.status).toBe("failed");
  });

  it("spaces retries by the backoff policy", () => {
    const sim = new Sim({ a: { ...SQL, retries: { limit: 3, delaySeconds: 1, backoff: "exponential", jitter: false } } });
    const gaps: number[] = [];
    for (let i = 0; i < 3; i++) {
      sim.drain(() => true);
      gaps.push(sim.task("a").retryAt! - sim.ctx.now);
      sim.ctx.now = sim.task("a").retryAt!;
      sim.fire();
    }
    expect(gaps).toEqual([1_000, 2_000, 4_000]);
  });
});

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
    expect(fx.granted).toEqual([{ taskKey: "a", attempt: 2 }]);
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
    expect(nextWakeAt(sim.state)).toBeUndefined();
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
      expect(sim.task(id).deadline).toBe(T0 + 5_000 + DEFAULT_MACHINE_CONFIG.leaseMarginMs);
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
    expect(fx.handBack).toEqual([{ taskKey: "b", attempt: 1 }]);
    expect(sim.task("e").via).toBe("inline");
  });
});

describe("leases", () => {
  it("a running attempt past its lease is abandoned and a new attempt dispatched", () => {
    const sim = new Sim({ a: SQL });
    sim.advance(1_000);
    const claimed = sim.claim();
    const deadline = T0 + 1_000 + LEASE;
    expect(sim.task("a").deadline).toBe(deadline);
    expect(claimed.wakeAt).toBe(deadline);
    expect(nextWakeAt(sim.state)).toBe(deadline);

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
      sim.advance(10_000 + DEFAULT_MACHINE_CONFIG.leaseMarginMs);
      const fx = sim.fire();
      expect(fx.dispatch).toEqual([{ taskKey: "a", attempt: lost + 1 }]);
      expect(sim.task("a").lost).toBe(lost);
    }
    sim.claim();
    sim.advance(10_000 + DEFAULT_MACHINE_CONFIG.leaseMarginMs);
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
    expect(sim.task("a").deadline).toBe(T0 + 2 * lease);
    expect(fx.wakeAt).toBe(T0 + 2 * lease);
    expect(sim.task("a").attempt).toBe(1);

    expect(sim.claim().granted).toEqual([{ taskKey: "a", attempt: 1 }]);
    sim.report("a");
    expect(sim.state.run.status).toBe("success");
  });

  it("the per-task timeout sets the running lease", () => {
    const sim = new Sim({ a: { ...SQL, timeoutSeconds: 5 } });
    expect(sim.claim().wakeAt).toBe(T0 + 5_000 + DEFAULT_MACHINE_CONFIG.leaseMarginMs);
  });
});

describe("nextWakeAt", () => {
  it("returns the earliest retry or lease deadline, then undefined once the run finished", () => {
    const sim = new Sim({
      slow: SQL, // queued: dispatch lease
      quick: { ...SQL, timeoutSeconds: 10 }, // running: 10 s + margin
      flaky: { ...SQL, retries: { limit: 1, delaySeconds: 5 } }, // retry in 5 s
    });
    expect(nextWakeAt(sim.state)).toBe(T0 + DEFAULT_MACHINE_CONFIG.dispatchLeaseMs);
    sim.claim("quick", "flaky");
    expect(nextWakeAt(sim.state)).toBe(T0 + 10_000 + DEFAULT_MACHINE_CONFIG.leaseMarginMs);
    const failed = sim.report("flaky", { ok: false });
    expect(failed.wakeAt).toBe(T0 + 5_000);
    expect(nextWakeAt(sim.state)).toBe(T0 + 5_000);

    sim.report("quick");
    sim.report("slow", { attempt: 1 });
    sim.advance(5_000);
    sim.fire();
    sim.drain();
    expect(sim.state.run.status).toBe("success");
    expect(nextWakeAt(sim.state)).toBeUndefined();
  });

  it("is undefined when nothing waits on a timer", () => {
    const sim = new Sim({ a: EMPTY });
    expect(nextWakeAt(sim.state)).toBeUndefined();
    expect(sim.fx.wakeAt).toBeUndefined();
  });
});

describe("trigger rules in the machine", () => {
  it("an all_done join runs after a failed upstream", () => {
    const sim = new Sim({
      a: SQL,
      b: SQL,
      cleanup: { ...SQL, dependsOn: ["a", "b"], triggerRule: "all_done" },
    });
    sim.claim();
    expect(sim.report("a", { ok: false }).dispatch).toEqual([]);
    expect(sim.status("cleanup")).toBe("pending");
    expect(sim.report("b").dispatch).toEqual([{ taskKey: "cleanup", attempt: 1 }]);
    sim.drain();
    expect(sim.status("cleanup")).toBe("success");
    expect(sim.state.run.endedAt).toBe(T0);
  });

  it("a one_failed task runs as soon as one upstream fails, without waiting for the others", () => {
    const sim = new Sim({
      a: SQL,
      b: SQL,
      alert: { ...SQL, dependsOn: ["a", "b"], triggerRule: "one_failed" },
    });
    sim.claim();
    const fx = sim.report("a", { ok: false });
    expect(fx.dispatch).toEqual([{ taskKey: "alert", attempt: 1 }]);
    expect(sim.status("b")).toBe("running");
  });

  it("a one_failed task is skipped when nothing fails, and skips propagate through all_success", () => {
    const sim = new Sim({
      a: SQL,
      alert: { ...SQL, dependsOn: ["a"], triggerRule: "one_failed" },
      after: { ...SQL, dependsOn: ["alert"] },
    });
    sim.claim();
    const fx = sim.report("a");
    expect(fx.dispatch).toEqual([]);
    expect(sim.statuses()).toEqual({ a: "success", alert: "skipped", after: "skipped" });
    expect(fx.finished).toBe("success");
  });

  it("a none_failed join runs when one upstream succeeded and the other was skipped", () => {
    const sim = new Sim({
      a: SQL,
      maybe: { ...SQL, dependsOn: ["a"], triggerRule: "one_failed" },
      join: { ...SQL, dependsOn: ["a", "maybe"], triggerRule: "none_failed" },
    });
    sim.claim();
    expect(sim.report("a").dispatch).toEqual([{ taskKey: "join", attempt: 1 }]);
    expect(sim.status("maybe")).toBe("skipped");
  });
});
