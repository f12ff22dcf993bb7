import { describe, expect, it } from "vitest";
import { nextWakeAt } from "../../../../src/run/machine";
import { keys, Sim, SQL, T0 } from "../harness";

/** Failed attempts: retries by the policy, then the task fails and its downstream is upstream_failed. */

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
    expect(nextWakeAt(sim.run)).toBe(retryAt);

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

describe("retryable and permanent errors", () => {
  const FIVE = { limit: 5, delaySeconds: 1, jitter: false } as const;

  it("a permanent error (retryable: false) skips the remaining retries: one attempt, the task fails, history says why", () => {
    const sim = new Sim({ a: { ...SQL, retries: FIVE }, b: { ...SQL, dependsOn: ["a"] } });
    sim.claim();
    const error = { message: "no function 'nope'", code: "config", retryable: false };
    const fx = sim.report("a", { ok: false, error });
    expect(sim.status("a")).toBe("failed");
    expect(sim.task("a").attempt).toBe(1);
    expect(sim.status("b")).toBe("upstream_failed");
    expect(fx.attempts).toEqual([expect.objectContaining({ attempt: 1, status: "failed", error })]);
    expect(fx.finished).toBe("failed");
  });

  it("a permanent error goes straight to the fallback value", () => {
    const sim = new Sim({ a: { ...SQL, retries: FIVE, fallback: { value: [] } } });
    sim.claim();
    sim.report("a", { ok: false, error: { message: "HTTP 404", code: "http_status", retryable: false } });
    expect(sim.task("a")).toMatchObject({ status: "success", fallbackUsed: true, output: [], attempt: 1 });
  });

  it("a permanent error goes straight to the fallback task", () => {
    const sim = new Sim({ a: { ...SQL, retries: FIVE, fallback: { task: "alt" } }, alt: SQL });
    sim.claim();
    const fx = sim.report("a", { ok: false, error: { message: "bad args", code: "invalid_args", retryable: false } });
    expect(fx.dispatch).toEqual([{ taskKey: "alt", attempt: 1 }]);
    expect(sim.task("a").attempt).toBe(1);
  });

  it("a retryable error is retried as before (retryable: true or absent)", () => {
    const sim = new Sim({ a: { ...SQL, retries: FIVE } });
    sim.claim();
    sim.report("a", { ok: false, error: { message: "HTTP 503", code: "http_status", retryable: true } });
    expect(sim.status("a")).toBe("up_for_retry");
  });

  it("Retry-After: the retry waits the time the far side asked for, not the backoff", () => {
    const sim = new Sim({ a: { ...SQL, retries: { limit: 2, delaySeconds: 60, jitter: false } } });
    sim.claim();
    sim.report("a", { ok: false, error: { message: "HTTP 503", code: "http_status", retryAfterMs: 2_000 } });
    expect(sim.task("a").retryAt).toBe(T0 + 2_000);
    sim.advance(1_999);
    expect(sim.fire().dispatch).toEqual([]);
    sim.advance(1);
    expect(sim.fire().dispatch).toEqual([{ taskKey: "a", attempt: 2 }]);
  });

  it("Retry-After is capped by the policy's maxDelaySeconds", () => {
    const sim = new Sim({ a: { ...SQL, retries: { limit: 1, delaySeconds: 1, maxDelaySeconds: 10 } } });
    sim.claim();
    sim.report("a", { ok: false, error: { message: "HTTP 429", code: "http_status", retryAfterMs: 3_600_000 } });
    expect(sim.task("a").retryAt).toBe(T0 + 10_000);
  });

  it("Retry-After does not add retries: with the limit used up the task fails", () => {
    const sim = new Sim({ a: SQL });
    sim.claim();
    sim.report("a", { ok: false, error: { message: "HTTP 503", code: "http_status", retryAfterMs: 1_000 } });
    expect(sim.status("a")).toBe("failed");
  });
});
