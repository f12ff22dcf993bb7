import { evictDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { afterEach, describe, expect, it, vi } from "vitest";
import { runEventsOf } from "../../src/db/run-events";
import { coordinatorFor } from "../../src/run/client";
import { RunCoordinator } from "../../src/run/coordinator/run-coordinator";
import { recordRunEnded } from "../../src/run/coordinator/run-ended";
import { api, registerDag, taskOf, trigger, waitFor, waitForRun } from "./helpers";
import { mockHttp } from "./mock-http";

/**
 * The run's one durable outbox (OUTBOX_RETRY_MS = 100 in tests): a command
 * whose delivery fails is retried from the coordinator's alarm until it is
 * delivered, also after the coordinator was evicted (the rows come back from
 * storage), and its consumer sees it once in effect.
 */

const cleanups: Array<() => void> = [];
afterEach(() => {
  while (cleanups.length > 0) cleanups.pop()?.();
});

const stubFor = (runId: string) => env.RUNS.get(env.RUNS.idFromName(runId));

describe("outbox", () => {
  it("NotifyParent: the parent coordinator throws twice; the child's alarm retries (across an eviction) until the parent has it, once", async () => {
    const original = RunCoordinator.prototype.childFinished;
    let calls = 0;
    let childRunId: string | undefined;
    const spy = vi.spyOn(RunCoordinator.prototype, "childFinished").mockImplementation(async function (this: RunCoordinator, input) {
      calls += 1;
      if (calls <= 2) {
        childRunId = (input as { childRunId: string }).childRunId;
        throw new Error(`parent unavailable (${calls})`);
      }
      return original.call(this, input);
    });
    cleanups.push(() => spy.mockRestore());
    await registerDag("ob_child", { tasks: { work: { type: "function", function: "echo", args: 1 } } });
    await registerDag("ob_parent", { tasks: { kid: { type: "dag", dagId: "ob_child" }, after: { type: "empty", dependsOn: ["kid"] } } });
    const { runId } = await trigger("ob_parent");
    await waitFor(async () => (calls >= 1 ? true : undefined), "the first notification");
    // The child's coordinator goes away after the first failed delivery; its alarm brings it back.
    if (!childRunId) throw new Error("no child run");
    await evictDurableObject(stubFor(childRunId));
    const parent = await waitForRun(runId, 10_000);
    expect(parent.status).toBe("success");
    expect(calls).toBe(3);
    expect(taskOf(parent, "kid")).toMatchObject({ status: "success", attempts: 1, childRunId });
    expect((await api(`/api/runs/${runId}/attempts`)).body.attempts.map((a: any) => [a.taskId, a.status])).toEqual([
      ["kid", "success"],
      ["after", "success"],
    ]);
    // Delivered at least once: a repeat changes nothing on the parent.
    const repeat = await coordinatorFor(env, runId).childFinished({ taskKey: "kid", attempt: 1, childRunId, status: "success" });
    expect(repeat.ignored).toEqual([{ taskKey: "kid", attempt: 1, reason: "run_finished" }]);
    expect((await runInDurableStats(childRunId)).outbox).toBe(0);
  });

  it("DeliverAlert: the endpoint is down twice; retried from the alarm (across an eviction), delivered once and recorded", async () => {
    let posts = 0;
    const http = mockHttp(async (req) => {
      if (!req.url.startsWith("https://mock.test/alert")) return new Response("down", { status: 500 });
      posts += 1;
      return posts <= 2 ? new Response("busy", { status: 503 }) : new Response("ok");
    });
    cleanups.push(http.restore);
    await registerDag("ob_alert", { onFailure: { url: "https://mock.test/alert" }, tasks: { x: { type: "http", request: { url: "https://mock.test/x" } } } });
    const { runId } = await trigger("ob_alert");
    expect((await waitForRun(runId)).status).toBe("failed");
    await waitFor(async () => (posts >= 1 ? true : undefined), "the first alert post");
    await evictDurableObject(stubFor(runId));
    const alerts = await waitFor(async () => {
      const { body } = await api(`/api/runs/${runId}`);
      return body.alerts.length > 0 && body.alerts.every((a: any) => a.status === "delivered") ? body.alerts : undefined;
    }, "alerts delivered");
    // Two alerts (task_failed, run_failed), posted at once: both first tries failed, both second tries
    // (from the alarm of the reloaded object) got through. Four posts, each alert delivered once.
    expect(alerts.map((a: any) => a.event).sort()).toEqual(["run_failed", "task_failed"]);
    expect(posts).toBe(4);
    expect(alerts.map((a: any) => a.attempts)).toEqual([2, 2]);
    expect((await runInDurableStats(runId)).outbox).toBe(0);
  });

  it("DeliverAlert gives up after five tries: recorded failed, nothing left in the outbox", async () => {
    const http = mockHttp(() => new Response("down", { status: 503 }));
    cleanups.push(http.restore);
    await registerDag("ob_alert_down", { tasks: { x: { type: "http", request: { url: "https://mock.test/x" }, onFailure: { url: "https://mock.test/alert" } } } });
    const { runId } = await trigger("ob_alert_down");
    await waitForRun(runId);
    const [alert] = await waitFor(async () => {
      const { body } = await api(`/api/runs/${runId}`);
      return body.alerts[0]?.status === "failed" ? body.alerts : undefined;
    }, "alert given up");
    expect(alert).toMatchObject({ status: "failed", attempts: 5, lastError: "HTTP 503" });
    expect(http.calls.filter((r) => r.url === "https://mock.test/alert")).toHaveLength(5);
    expect((await runInDurableStats(runId)).outbox).toBe(0);
  });

  it("RunEnded: the catalog's run-event log is down twice; the event arrives once, and a repeat changes nothing", async () => {
    const real = env.CATALOG.prepare.bind(env.CATALOG);
    let refused = 0;
    const spy = vi.spyOn(env.CATALOG, "prepare").mockImplementation((query: string) => {
      if (query.includes("run_events") && query.startsWith("insert") && refused < 2) {
        refused += 1;
        throw new Error("D1 unavailable");
      }
      return real(query);
    });
    cleanups.push(() => spy.mockRestore());
    await registerDag("ob_ended", {
      tasks: { load: { type: "function", function: "echo", args: 1, datasets: { outputs: ["d1://orders"] } } },
    });
    const { runId } = await trigger("ob_ended");
    expect((await waitForRun(runId)).status).toBe("success");
    const events = await waitFor(async () => {
      const rows = await runEventsOf(env.CATALOG, runId);
      return rows.length > 0 ? rows : undefined;
    }, "the run-end event");
    expect(refused).toBe(2);
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ eventId: `${runId}:1`, dagId: "ob_ended", status: "success", datasetsJson: JSON.stringify(["d1://orders"]) });
    // Delivered at least once: the same event again is a no-op.
    await recordRunEnded({ env, catalog: env.CATALOG, flushWith: async (statements) => void (await env.CATALOG.batch(statements)) }, {
      type: "RunEnded",
      eventId: `${runId}:1`,
      runId,
      dagId: "ob_ended",
      dagVersion: 1,
      status: "success",
      trigger: { type: "api" },
      logicalDate: null,
      startedAt: null,
      endedAt: Date.now(),
      datasetsWritten: [],
    });
    expect(await runEventsOf(env.CATALOG, runId)).toHaveLength(1);
  });

  it("RunEnded shares the run's final history batch: one D1 call holds the run's row and its run event", async () => {
    const sqlOf = new WeakMap<object, string>();
    const realPrepare = env.CATALOG.prepare.bind(env.CATALOG);
    const prepare = vi.spyOn(env.CATALOG, "prepare").mockImplementation((query: string) => {
      const stmt = realPrepare(query);
      sqlOf.set(stmt, query);
      // A bound statement is a new object: remember its SQL too.
      const bind = stmt.bind.bind(stmt);
      stmt.bind = (...values: unknown[]) => {
        const bound = bind(...values);
        sqlOf.set(bound, query);
        return bound;
      };
      return stmt;
    });
    cleanups.push(() => prepare.mockRestore());
    const batches: string[][] = [];
    const realBatch = env.CATALOG.batch.bind(env.CATALOG);
    const batch = vi.spyOn(env.CATALOG, "batch").mockImplementation(async (statements) => {
      batches.push(statements.map((st) => sqlOf.get(st) ?? "?"));
      return realBatch(statements);
    });
    cleanups.push(() => batch.mockRestore());
    await registerDag("ob_one_call", { tasks: { a: { type: "empty" }, b: { type: "empty", dependsOn: ["a"] } } });
    const { runId } = await trigger("ob_one_call");
    await waitFor(async () => ((await runEventsOf(env.CATALOG, runId)).length > 0 ? true : undefined), "the run-end event");
    const withEvent = batches.filter((b) => b.some((q) => q.includes("run_events")));
    expect(withEvent).toHaveLength(1);
    expect(withEvent[0]?.some((q) => q.includes('"runs"'))).toBe(true);
  });
});

/** The coordinator's own counters (outbox rows left, artifact cache), read inside the object. */
async function runInDurableStats(runId: string) {
  const { runInDurableObject } = await import("cloudflare:test");
  return runInDurableObject(stubFor(runId), (instance: RunCoordinator) => instance.stats);
}
