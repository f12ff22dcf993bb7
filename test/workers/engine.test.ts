import { runDurableObjectAlarm } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { afterEach, describe, expect, it } from "vitest";
import { api, registerDag, taskOf, trigger, waitForRun } from "./helpers";
import { mockHttp } from "./mock-http";

let restore: (() => void) | undefined;
afterEach(() => {
  restore?.();
  restore = undefined;
});

describe("runs driven through the real queue consumer", () => {
  it("runs sql and empty tasks to success; a later sql task reads the table an earlier one created", async () => {
    await registerDag("etl", {
      tasks: {
        create: { type: "sql", sql: "CREATE TABLE IF NOT EXISTS orders_raw (n INTEGER); DELETE FROM orders_raw;" },
        load: { type: "sql", dependsOn: ["create"], sql: "INSERT INTO orders_raw (n) VALUES (1), (2), (3)" },
        read: { type: "sql", dependsOn: ["load"], sql: "SELECT sum(n) AS total FROM orders_raw" },
        done: { type: "empty", dependsOn: ["read"] },
      },
    });
    const { runId, status } = await trigger("etl");
    expect(status).toBe("running");
    const run = await waitForRun(runId);
    expect(run.status).toBe("success");
    expect(taskOf(run, "read").output).toEqual([{ total: 6 }]);
    expect(run.tasks.map((t: any) => t.status)).toEqual(["success", "success", "success", "success"]);
    for (const t of run.tasks) {
      expect(t.startedAt).not.toBeNull();
      expect(t.endedAt).not.toBeNull();
    }
  });

  it("retries a flaky http task with backoff until it succeeds: 3 attempts, history of each", async () => {
    const seen: number[] = [];
    restore = mockHttp((req) => {
      const attempt = Number(req.headers.get("x-switchyard-attempt"));
      seen.push(attempt);
      return attempt <= 2 ? new Response("down", { status: 503 }) : Response.json({ rows: 7 });
    }).restore;
    await registerDag("flaky", {
      tasks: {
        extract: {
          type: "http",
          request: { url: "https://mock.test/orders" },
          retries: { limit: 3, delaySeconds: 0.2, backoff: "exponential", jitter: false },
        },
        after: { type: "empty", dependsOn: ["extract"] },
      },
    });
    const { runId } = await trigger("flaky");
    const run = await waitForRun(runId);
    expect(run.status).toBe("success");
    const extract = taskOf(run, "extract");
    expect(extract.attempts).toBe(3);
    expect(extract.output).toEqual({ rows: 7 });
    expect(seen).toEqual([1, 2, 3]);

    const { body } = await api(`/api/runs/${runId}/attempts`);
    const attempts = body.attempts.filter((a: any) => a.taskId === "extract");
    expect(attempts.map((a: any) => a.status)).toEqual(["failed", "failed", "success"]);
    expect(attempts[0].error.message).toContain("HTTP 503");
    // Exponential backoff from 0.2 s: the retries were queued no sooner than 0.2 s and 0.4 s after the failures.
    const gap1 = Date.parse(attempts[1].queuedAt) - Date.parse(attempts[0].endedAt);
    const gap2 = Date.parse(attempts[2].queuedAt) - Date.parse(attempts[1].endedAt);
    expect(gap1).toBeGreaterThanOrEqual(200);
    expect(gap2).toBeGreaterThanOrEqual(400);
    // And the second wait (end of an attempt → start of the next) was the longer one by a margin only a
    // growing backoff gives: even with ±20 % jitter exponential backoff waits 160–240 ms, then
    // 320–480 ms, at least 80 ms (0.4 × the base delay) more; a constant one (jitter off) gives none.
    const wait1 = Date.parse(attempts[1].startedAt) - Date.parse(attempts[0].endedAt);
    const wait2 = Date.parse(attempts[2].startedAt) - Date.parse(attempts[1].endedAt);
    expect(wait2 - wait1).toBeGreaterThanOrEqual(0.4 * 200);
  });

  it("records whether a failure is retryable and how long it asks to wait, through the coordinator into history", async () => {
    let calls = 0;
    restore = mockHttp((req) => {
      if (new URL(req.url).pathname === "/gone") return new Response("no such thing", { status: 404 });
      calls += 1;
      return calls === 1 ? new Response("slow down", { status: 429, headers: { "retry-after": "1" } }) : Response.json({ ok: true });
    }).restore;
    await registerDag("advised", {
      tasks: {
        gone: { type: "http", request: { url: "https://mock.test/gone" } },
        limited: { type: "http", request: { url: "https://mock.test/limited" }, retries: { limit: 1, delaySeconds: 0.05 } },
      },
    });
    const { runId } = await trigger("advised");
    const run = await waitForRun(runId);
    expect(taskOf(run, "gone").status).toBe("failed");
    expect(taskOf(run, "gone").error).toMatchObject({ code: "http_status", retryable: false });
    expect(taskOf(run, "limited").status).toBe("success");
    const { body } = await api(`/api/runs/${runId}/attempts`);
    const limited = body.attempts.filter((a: { taskId: string }) => a.taskId === "limited");
    expect(limited[0].error).toMatchObject({ code: "http_status", retryAfterMs: 1_000 });
    expect(limited[0].error).not.toHaveProperty("retryable");
  });

  it("fails a task that exhausts its retries; downstream is upstream_failed, parallel work finishes, run failed", async () => {
    restore = mockHttp(() => new Response("boom", { status: 500 })).restore;
    await registerDag("doomed", {
      tasks: {
        broken: { type: "http", request: { url: "https://mock.test/x" }, retries: { limit: 1, delaySeconds: 0.05 } },
        side: { type: "sql", sql: "SELECT 1 AS one" },
        after: { type: "sql", dependsOn: ["broken"], sql: "SELECT 2" },
        last: { type: "empty", dependsOn: ["after", "side"] },
      },
    });
    const { runId } = await trigger("doomed");
    const run = await waitForRun(runId);
    expect(run.status).toBe("failed");
    expect(taskOf(run, "broken").status).toBe("failed");
    expect(taskOf(run, "broken").attempts).toBe(2);
    expect(taskOf(run, "broken").error.message).toContain("HTTP 500");
    expect(taskOf(run, "side").status).toBe("success");
    expect(taskOf(run, "after").status).toBe("upstream_failed");
    expect(taskOf(run, "last").status).toBe("upstream_failed");
  });

  it("fails an attempt that exceeds timeoutSeconds and retries it like any failure", async () => {
    let calls = 0;
    restore = mockHttp(async (req) => {
      calls += 1;
      if (calls === 1) {
        // Hangs until the attempt's timeout aborts it.
        await new Promise((resolve) => req.signal.addEventListener("abort", resolve));
        return new Response("too late");
      }
      return Response.json({ ok: true });
    }).restore;
    await registerDag("slow", {
      tasks: {
        slow: {
          type: "http",
          request: { url: "https://mock.test/slow" },
          timeoutSeconds: 0.2,
          retries: { limit: 1, delaySeconds: 0 },
        },
      },
    });
    const { runId } = await trigger("slow");
    const run = await waitForRun(runId);
    expect(run.status).toBe("success");
    const { body } = await api(`/api/runs/${runId}/attempts`);
    expect(body.attempts[0].status).toBe("failed");
    expect(body.attempts[0].error.code).toBe("timeout");
    expect(body.attempts[1].status).toBe("success");
  });

  it("cancels a run: the waiting retry and pending tasks become cancelled and nothing runs after", async () => {
    const http = mockHttp(() => new Response("nope", { status: 503 }));
    restore = http.restore;
    await registerDag("to_cancel", {
      tasks: {
        wait: { type: "http", request: { url: "https://mock.test/y" }, retries: { limit: 5, delaySeconds: 0.5, jitter: false } },
        next: { type: "sql", dependsOn: ["wait"], sql: "SELECT 1" },
      },
    });
    const { runId } = await trigger("to_cancel");
    // Wait until the first attempt failed and the retry is scheduled.
    let waiting: any;
    for (let i = 0; i < 200; i++) {
      waiting = (await api(`/api/runs/${runId}`)).body;
      if (taskOf(waiting, "wait").status === "up_for_retry") break;
      await new Promise((r) => setTimeout(r, 20));
    }
    expect(taskOf(waiting, "wait").status).toBe("up_for_retry");
    const cancelled = await api(`/api/runs/${runId}/cancel`, { method: "POST" });
    expect(cancelled.status).toBe(200);
    expect(cancelled.body.status).toBe("cancelled");
    expect(taskOf(cancelled.body, "wait").status).toBe("cancelled");
    expect(taskOf(cancelled.body, "next").status).toBe("cancelled");
    // Cancelled while it waited: the retry had not started (one attempt, failed; one call).
    expect(taskOf(cancelled.body, "wait").attempts).toBe(1);
    const atCancel = (await api(`/api/runs/${runId}/attempts`)).body.attempts;
    expect(atCancel.map((a: any) => [a.taskId, a.attempt, a.status])).toEqual([["wait", 1, "failed"]]);
    expect(http.calls).toHaveLength(1);
    const again = await api(`/api/runs/${runId}/cancel`, { method: "POST" });
    expect(again.status).toBe(409);
    expect(again.body.error.code).toBe("run_finished");

    // Past the time the retry was due (0.5 s after the failure) and after the alarm, if one is still
    // armed: no new attempt, no change to the one there was, no further call.
    const dueAt = Date.parse(atCancel[0].endedAt) + 500;
    await new Promise((r) => setTimeout(r, Math.max(0, dueAt + 300 - Date.now())));
    await runDurableObjectAlarm(env.RUNS.get(env.RUNS.idFromName(runId)));
    expect((await api(`/api/runs/${runId}/attempts`)).body.attempts).toEqual(atCancel);
    expect(http.calls).toHaveLength(1);
    const after = (await api(`/api/runs/${runId}`)).body;
    expect(after.status).toBe("cancelled");
    expect(after.tasks.map((t: any) => [t.taskId, t.status, t.attempts])).toEqual([
      ["wait", "cancelled", 1],
      ["next", "cancelled", 0],
    ]);
  });

  it("records every transition in the D1 catalog: run, task instances and attempts", async () => {
    await registerDag("hist", {
      // A task may be called "run": its catalog row must not be confused with the run's own.
      tasks: { a: { type: "sql", sql: "SELECT 1" }, run: { type: "empty", dependsOn: ["a"] } },
    });
    const { runId } = await trigger("hist");
    await waitForRun(runId);
    // The catalog is written from the coordinator's outbox just after each transition.
    let run: any;
    for (let i = 0; i < 100; i++) {
      run = await env.CATALOG.prepare("SELECT status FROM runs WHERE run_id = ?").bind(runId).first();
      if (run?.status === "success") break;
      await new Promise((r) => setTimeout(r, 20));
    }
    expect(run?.status).toBe("success");
    const tasks = await env.CATALOG.prepare("SELECT task_id, status, attempts FROM task_instances WHERE run_id = ? ORDER BY task_id")
      .bind(runId)
      .all();
    expect(tasks.results).toEqual([
      { task_id: "a", status: "success", attempts: 1 },
      { task_id: "run", status: "success", attempts: 1 },
    ]);
    const attempts = await env.CATALOG.prepare("SELECT task_id, attempt, status, via FROM task_attempts WHERE run_id = ? ORDER BY task_id")
      .bind(runId)
      .all();
    expect(attempts.results).toEqual([
      { task_id: "a", attempt: 1, status: "success", via: "queue" },
      { task_id: "run", attempt: 1, status: "success", via: "inline" },
    ]);
  });
});
