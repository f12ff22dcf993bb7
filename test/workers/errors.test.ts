import { afterEach, describe, expect, it } from "vitest";
import { api, registerDag, taskOf, trigger, waitForRun } from "./helpers";
import { manualQueue } from "./manual-queue";
import { mockHttp } from "./mock-http";

/**
 * Retryable and permanent errors end to end (worker → report → machine →
 * history), and bounded messages: one oversized error never poisons a report.
 */

const cleanups: Array<() => void> = [];
afterEach(() => {
  while (cleanups.length > 0) cleanups.pop()?.();
});

async function attemptsOf(runId: string): Promise<any[]> {
  return (await api(`/api/runs/${runId}/attempts`)).body.attempts;
}

describe("permanent errors skip the remaining retries", () => {
  it("a function throwing NonRetriableError with retries: { limit: 5 } runs once and fails; the history says why", async () => {
    await registerDag("perm_fn", {
      tasks: { once: { type: "function", function: "fail", args: { message: "no such customer", permanent: true }, retries: { limit: 5, delaySeconds: 0.05 } } },
    });
    const run = await waitForRun((await trigger("perm_fn")).runId);
    expect(run.status).toBe("failed");
    expect(taskOf(run, "once")).toMatchObject({ status: "failed", attempts: 1 });
    const attempts = await attemptsOf(run.runId);
    expect(attempts).toHaveLength(1);
    expect(attempts[0].error).toMatchObject({ message: "no such customer", retryable: false });
  });

  it("with a fallback value the permanent failure takes the fallback after one attempt", async () => {
    await registerDag("perm_fallback", {
      tasks: {
        lookup: {
          type: "function",
          function: "fail",
          args: { permanent: true },
          retries: { limit: 5, delaySeconds: 0.05 },
          fallback: { value: { found: false } },
        },
      },
    });
    const run = await waitForRun((await trigger("perm_fallback")).runId);
    expect(run.status).toBe("success");
    expect(taskOf(run, "lookup")).toMatchObject({ status: "success", attempts: 1, fallbackUsed: true, output: { found: false } });
  });

  it("the same function failing with an ordinary error is retried up to the limit", async () => {
    await registerDag("transient_fn", {
      tasks: { flaky: { type: "function", function: "fail", args: { succeedOnAttempt: 3 }, retries: { limit: 5, delaySeconds: 0.05 } } },
    });
    const run = await waitForRun((await trigger("transient_fn")).runId);
    expect(taskOf(run, "flaky")).toMatchObject({ status: "success", attempts: 3 });
  });

  it("an http 404 is permanent; an http 503 with Retry-After: 2 waits about 2 s (not the policy's 50 ms)", async () => {
    let calls503 = 0;
    const http = mockHttp((req) => {
      const path = new URL(req.url).pathname;
      if (path === "/missing") return new Response("no such thing", { status: 404 });
      calls503 += 1;
      return calls503 === 1 ? new Response("busy", { status: 503, headers: { "retry-after": "2" } }) : Response.json({ ok: true });
    });
    cleanups.push(http.restore);
    await registerDag("http_errors", {
      tasks: {
        gone: { type: "http", request: { url: "https://mock.test/missing" }, retries: { limit: 5, delaySeconds: 0.05 }, timeoutSeconds: 10 },
        busy: { type: "http", request: { url: "https://mock.test/busy" }, retries: { limit: 5, delaySeconds: 0.05 }, timeoutSeconds: 10 },
      },
    });
    const run = await waitForRun((await trigger("http_errors")).runId, 15_000);
    expect(taskOf(run, "gone")).toMatchObject({ status: "failed", attempts: 1 });
    expect(http.calls.filter((r) => r.url.endsWith("/missing"))).toHaveLength(1);
    expect(taskOf(run, "busy")).toMatchObject({ status: "success", attempts: 2 });
    const busy = (await attemptsOf(run.runId)).filter((a) => a.taskId === "busy");
    expect(busy[0].error).toMatchObject({ code: "http_status", retryAfterMs: 2_000 });
    const waited = Date.parse(busy[1].startedAt) - Date.parse(busy[0].endedAt);
    expect(waited).toBeGreaterThanOrEqual(1_900);
    expect(waited).toBeLessThan(3_500);
  });
});

describe("bounded messages", () => {
  it("a task throwing a 1 MB error message: stored truncated, and its siblings in the same report recorded once", async () => {
    const q = manualQueue();
    cleanups.push(q.restore);
    await registerDag("huge_error", {
      tasks: {
        // Default timeouts: both start through the queue, so one consumer reports them together.
        huge: { type: "function", function: "blob", args: { bytes: 1_048_576, fail: true } },
        fine: { type: "function", function: "echo", args: { ok: true } },
        after: { type: "empty", dependsOn: ["fine"] },
      },
    });
    const { runId } = await trigger("huge_error");
    expect(q.pending.map((m) => m.taskKey).sort()).toEqual(["fine", "huge"]);
    const result = await q.deliver(); // one batch: one claim and one report for both
    expect(result.retryMessages).toEqual([]);
    await q.drain();
    const run = await waitForRun(runId);
    expect(run.status).toBe("failed");
    const error = taskOf(run, "huge").error;
    expect(error.message.length).toBeLessThanOrEqual(10_000);
    expect(error.message).toMatch(/^x+… \[truncated, 1048576 characters in all\]$/);
    expect(taskOf(run, "fine")).toMatchObject({ status: "success", attempts: 1, output: { ok: true } });
    expect(taskOf(run, "after").status).toBe("success");
    const attempts = await attemptsOf(runId);
    expect(attempts.filter((a) => a.taskId === "fine")).toHaveLength(1);
    expect(attempts.filter((a) => a.taskId === "huge")).toHaveLength(1);
  });
});
