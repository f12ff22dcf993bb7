import { evictDurableObject, runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { afterEach, describe, expect, it, vi } from "vitest";
import { coordinatorFor } from "../../src/run/client";
import { RunCoordinator } from "../../src/run/coordinator/run-coordinator";
import { app } from "../../src/index";
import { startRun } from "../../src/triggers/start-run";
import { createExecutionContext, waitOnExecutionContext } from "cloudflare:test";
import { api, registerDag, taskOf, TOKEN, trigger, waitForRun } from "./helpers";
import { manualQueue } from "./manual-queue";
import { mockHttp } from "./mock-http";

const cleanups: Array<() => void> = [];
afterEach(() => {
  while (cleanups.length > 0) cleanups.pop()?.();
});

function chain(n: number, extra: Record<string, unknown> = {}) {
  const tasks: Record<string, unknown> = {};
  for (let i = 0; i < n; i++) {
    tasks[`t${i}`] = { type: "sql", sql: `SELECT ${i} AS i`, ...(i > 0 ? { dependsOn: [`t${i - 1}`] } : {}), ...extra };
  }
  return { tasks };
}

const stubFor = (runId: string) => env.RUNS.get(env.RUNS.idFromName(runId));
const clientFor = (runId: string) => coordinatorFor(env, runId);

/** Makes the consumer "die" on the n-th report it sends (the report never reaches the coordinator). */
function crashOnReport(n: number) {
  const original = RunCoordinator.prototype.report;
  let reports = 0;
  const spy = vi.spyOn(RunCoordinator.prototype, "report").mockImplementation(async function (this: RunCoordinator, input) {
    reports += 1;
    if (reports === n) throw new Error("simulated consumer crash");
    return original.call(this, input);
  });
  cleanups.push(() => spy.mockRestore());
}

/** Starts a run the way triggers that offer no room do (child runs): its first tasks go to the queue. */
async function startQueued(dagId: string): Promise<{ runId: string }> {
  const result = await startRun(env, { dagId, params: {}, trigger: { type: "api" } });
  if (result.kind !== "started") throw new Error(`start failed: ${result.kind}`);
  return { runId: result.run.runId };
}

/** A mock endpoint whose answers wait until `release()`: a worker stays busy with its attempt. */
function heldEndpoint() {
  let release: () => void = () => undefined;
  const gate = new Promise<void>((r) => (release = r));
  const http = mockHttp(async () => {
    await gate;
    return Response.json({ charged: true });
  });
  cleanups.push(http.restore);
  return { http, release: () => release() };
}

async function attemptsOf(runId: string) {
  const { body } = await api(`/api/runs/${runId}/attempts`);
  return body.attempts as any[];
}

describe("continuation: the consumer runs the ready tasks its run hands back", () => {
  it("completes a chain of dispatched tasks with continuation on and off, with the same history", async () => {
    const q = manualQueue();
    cleanups.push(q.restore);
    await registerDag("cont_chain", chain(6));

    const on = await trigger("cont_chain");
    const batchesOn = await q.drain();
    const off = await trigger("cont_chain");
    const batchesOff = await q.drain({ env: { ...env, CONTINUATION: "off" } });

    // On: one queue delivery carries the whole chain. Off: one delivery per task.
    expect(batchesOn).toBe(1);
    expect(batchesOff).toBe(6);
    for (const { runId } of [on, off]) {
      const run = await waitForRun(runId);
      expect(run.status).toBe("success");
      expect(run.tasks.map((t: any) => t.output)).toEqual([0, 1, 2, 3, 4, 5].map((i) => [{ i }]));
      const attempts = await attemptsOf(runId);
      expect(attempts).toHaveLength(6);
      for (const a of attempts) {
        expect(a).toMatchObject({ attempt: 1, status: "success" });
        expect(a.startedAt).not.toBeNull();
        expect(a.endedAt).not.toBeNull();
      }
    }
    expect((await attemptsOf(on.runId)).map((a) => a.via)).toEqual(["queue", ...Array(5).fill("continuation")]);
    expect((await attemptsOf(off.runId)).map((a) => a.via)).toEqual(Array(6).fill("queue"));
  });

  it("recovers when the consumer dies mid-chain: the lease expires, the attempt is re-run, each task succeeds once", async () => {
    const q = manualQueue();
    cleanups.push(q.restore);
    await registerDag("cont_crash", chain(4, { timeoutSeconds: 0.3 }));
    // Started without an offer (as a child run is), so the first task goes through the queue.
    const { runId } = await startQueued("cont_crash");

    // The consumer "dies" on its second report of this run: t1 ran (handed back), its outcome never arrives.
    crashOnReport(2);

    const result = await q.deliver();
    expect(result.explicitAcks).toHaveLength(1); // t0's message: its outcome was reported
    let run = (await api(`/api/runs/${runId}`)).body;
    expect(taskOf(run, "t0").status).toBe("success");
    expect(taskOf(run, "t1").status).toBe("running");
    expect(q.pending).toHaveLength(0);

    // Past t1's lease (timeout 0.3 s + margin 0.3 s) the coordinator's alarm re-dispatches it.
    await new Promise((r) => setTimeout(r, 700));
    await runDurableObjectAlarm(stubFor(runId));
    expect(q.pending).toEqual([{ v: 1, runId, taskKey: "t1", attempt: 2 }]);
    await q.drain();

    run = await waitForRun(runId);
    expect(run.status).toBe("success");
    const attempts = await attemptsOf(runId);
    const t1 = attempts.filter((a) => a.taskId === "t1");
    expect(t1.map((a) => [a.attempt, a.status])).toEqual([
      [1, "abandoned"],
      [2, "success"],
    ]);
    expect(t1[0].error.code).toBe("lease_expired");
    for (const id of ["t0", "t1", "t2", "t3"]) {
      expect(attempts.filter((a) => a.taskId === id && a.status === "success")).toHaveLength(1);
    }
    // A late report of the abandoned attempt changes nothing.
    const late = await clientFor(runId).report({ outcomes: [{ taskKey: "t1", attempt: 1, ok: false, error: { message: "late" } }], capacity: 1 });
    expect(late.ignored).toEqual([{ taskKey: "t1", attempt: 1, reason: "run_finished" }]);
    expect((await api(`/api/runs/${runId}`)).body.status).toBe("success");
  });

  it("hands nothing back for a cancelled run", async () => {
    const q = manualQueue();
    cleanups.push(q.restore);
    let release: (() => void) | undefined;
    const http = mockHttp(() => new Promise<Response>((resolve) => (release = () => resolve(Response.json({ ok: true })))));
    cleanups.push(http.restore);
    await registerDag("cont_cancel", {
      tasks: {
        a: { type: "http", request: { url: "https://mock.test/a" } },
        b: { type: "sql", dependsOn: ["a"], sql: "SELECT 1" },
      },
    });
    const { runId } = await trigger("cont_cancel");
    const delivery = q.deliver();
    while (!release) await new Promise((r) => setTimeout(r, 5));
    expect((await api(`/api/runs/${runId}/cancel`, { method: "POST" })).body.status).toBe("cancelled");
    release();
    await delivery;
    expect(q.pending).toHaveLength(0);
    const run = (await api(`/api/runs/${runId}`)).body;
    expect(run.tasks.map((t: any) => t.status)).toEqual(["cancelled", "cancelled"]);
    const attempts = await attemptsOf(runId);
    expect(attempts.map((a) => [a.taskId, a.status])).toEqual([["a", "cancelled"]]);
  });
});

describe("continuation from the trigger: the request that starts a run runs its first tasks", () => {
  it("runs a run whose task timeouts fit the trigger's budget without a single queue message", async () => {
    const q = manualQueue();
    cleanups.push(q.restore);
    await registerDag("trigger_chain", chain(4, { timeoutSeconds: 5 }));
    const { runId } = await trigger("trigger_chain");
    const run = await waitForRun(runId);
    expect(run.status).toBe("success");
    expect(run.tasks.map((t: any) => t.output)).toEqual([0, 1, 2, 3].map((i) => [{ i }]));
    expect(q.sent()).toBe(0);
    const attempts = await attemptsOf(runId);
    expect(attempts.map((a) => [a.taskId, a.attempt, a.status, a.via])).toEqual(
      ["t0", "t1", "t2", "t3"].map((id) => [id, 1, "success", "continuation"]),
    );
  });

  it("sends a task whose timeout outlasts the trigger's budget through the queue, and continues after it", async () => {
    const q = manualQueue();
    cleanups.push(q.restore);
    await registerDag("trigger_long", {
      tasks: {
        quick: { type: "sql", sql: "SELECT 1 AS i", timeoutSeconds: 5 },
        long: { type: "sql", sql: "SELECT 2 AS i", dependsOn: ["quick"], timeoutSeconds: 60 },
        after: { type: "sql", sql: "SELECT 3 AS i", dependsOn: ["long"], timeoutSeconds: 5 },
      },
    });
    const { runId } = await trigger("trigger_long");
    // The trigger ran `quick` and handed `long` (60 s > its 25 s) to the queue.
    for (let i = 0; i < 200 && q.pending.length === 0; i++) await new Promise((r) => setTimeout(r, 10));
    expect(q.pending).toEqual([{ v: 1, runId, taskKey: "long", attempt: 1 }]);
    await q.drain();
    const run = await waitForRun(runId);
    expect(run.status).toBe("success");
    const attempts = await attemptsOf(runId);
    expect(attempts.map((a) => [a.taskId, a.via])).toEqual([
      ["quick", "continuation"],
      ["long", "queue"],
      ["after", "continuation"],
    ]);
  });

  it("recovers the first task through the queue when the trigger dies before reporting it", async () => {
    const q = manualQueue();
    cleanups.push(q.restore);
    await registerDag("trigger_crash", chain(2, { timeoutSeconds: 0.3 }));
    crashOnReport(1); // the trigger's report of t0 never reaches the coordinator
    const { runId } = await trigger("trigger_crash");
    // Past t0's lease (timeout 0.3 s + margin 0.3 s) the coordinator's alarm sends the attempt's successor to the queue.
    await new Promise((r) => setTimeout(r, 700));
    await runDurableObjectAlarm(stubFor(runId));
    for (let i = 0; i < 100 && q.pending.length === 0; i++) await new Promise((r) => setTimeout(r, 20));
    expect(q.pending).toEqual([{ v: 1, runId, taskKey: "t0", attempt: 2 }]);
    await q.drain();
    const run = await waitForRun(runId);
    expect(run.status).toBe("success");
    const attempts = await attemptsOf(runId);
    expect(attempts.map((a) => [a.taskId, a.attempt, a.status, a.via])).toEqual([
      ["t0", 1, "abandoned", "continuation"],
      ["t0", 2, "success", "queue"],
      ["t1", 1, "success", "continuation"],
    ]);
  });

  it("runs a child run in the invocation that started it, and the parent's next task after it: no queue message", async () => {
    const q = manualQueue();
    cleanups.push(q.restore);
    await registerDag("kid", chain(2, { timeoutSeconds: 5 }));
    await registerDag("kid_parent", {
      tasks: {
        kick: { type: "dag", dagId: "kid", timeoutSeconds: 5 },
        after: { type: "sql", sql: "SELECT 'after' AS step", dependsOn: ["kick"], timeoutSeconds: 5 },
      },
    });
    const { runId } = await trigger("kid_parent");
    const parent = await waitForRun(runId);
    expect(parent.status).toBe("success");
    expect(taskOf(parent, "after").output).toEqual([{ step: "after" }]);
    const childRunId = taskOf(parent, "kick").childRunId;
    const child = await waitForRun(childRunId);
    expect(child.tasks.map((t: any) => t.output)).toEqual([[{ i: 0 }], [{ i: 1 }]]);
    expect(q.sent()).toBe(0);
    expect((await attemptsOf(childRunId)).map((a) => [a.taskId, a.status, a.via])).toEqual([
      ["t0", "success", "continuation"],
      ["t1", "success", "continuation"],
    ]);
    // The child's last report handed the parent's `after` to the same worker.
    expect((await attemptsOf(runId)).map((a) => [a.taskId, a.status, a.via])).toEqual([
      ["kick", "success", "continuation"],
      ["after", "success", "continuation"],
    ]);
  });

  it("a consumer running a dag task also runs the child's first tasks (one queue message for both runs)", async () => {
    const q = manualQueue();
    cleanups.push(q.restore);
    await registerDag("kid2", chain(2, { timeoutSeconds: 5 }));
    await registerDag("kid2_parent", { tasks: { kick: { type: "dag", dagId: "kid2" } } });
    const { runId } = await startQueued("kid2_parent");
    expect(q.pending).toEqual([{ v: 1, runId, taskKey: "kick", attempt: 1 }]);
    await q.drain();
    const parent = await waitForRun(runId);
    expect(parent.status).toBe("success");
    const childRunId = taskOf(parent, "kick").childRunId;
    expect((await waitForRun(childRunId)).status).toBe("success");
    expect(q.sent()).toBe(1);
    expect((await attemptsOf(childRunId)).map((a) => a.via)).toEqual(["continuation", "continuation"]);
  });

  it("takes nothing with CONTINUATION=off: the first task goes through the queue", async () => {
    const q = manualQueue();
    cleanups.push(q.restore);
    await registerDag("trigger_off", chain(2, { timeoutSeconds: 5 }));
    const ctx = createExecutionContext();
    const res = await app.fetch(
      new Request("http://switchyard.test/api/dags/trigger_off/runs", { method: "POST", headers: { authorization: `Bearer ${TOKEN}` } }),
      { ...env, CONTINUATION: "off" },
      ctx,
    );
    await waitOnExecutionContext(ctx);
    expect(res.status).toBe(201);
    const { runId } = (await res.json()) as { runId: string };
    expect(q.pending).toEqual([{ v: 1, runId, taskKey: "t0", attempt: 1 }]);
    await q.drain({ env: { ...env, CONTINUATION: "off" } });
    expect((await waitForRun(runId)).status).toBe("success");
    expect((await attemptsOf(runId)).map((a) => a.via)).toEqual(["queue", "queue"]);
  });
});

describe("duplicate and lost deliveries", () => {
  it("a consumer that died before reporting: its redelivered message is refused while the lease is fresh, then the lease expires and a new attempt runs", async () => {
    const q = manualQueue();
    cleanups.push(q.restore);
    await registerDag("redelivered", chain(2));
    const { runId } = await trigger("redelivered");
    const message = q.pending[0];
    if (!message) throw new Error("nothing dispatched");

    crashOnReport(1); // dies before reporting its first attempt

    const first = await q.deliver();
    expect(first.retryMessages).toHaveLength(1); // not acked: the queue delivers it again
    expect(taskOf((await api(`/api/runs/${runId}`)).body, "t0").status).toBe("running");

    // Redelivered at once: the attempt's lease is fresh, so it is not run a second time.
    const again = await q.deliver({ bodies: [message] });
    expect(again.retryMessages).toEqual([expect.objectContaining({ msgId: expect.any(String) })]);
    expect(q.pending).toHaveLength(0);

    // No heartbeat comes (the worker is gone): past HEARTBEAT_TIMEOUT_MS (1 s in tests) the alarm abandons it.
    await new Promise((r) => setTimeout(r, 1_100));
    await runDurableObjectAlarm(stubFor(runId));
    await q.drain();
    const run = await waitForRun(runId);
    expect(run.status).toBe("success");
    expect(run.tasks.map((t: any) => t.attempts)).toEqual([2, 1]);
    const attempts = await attemptsOf(runId);
    expect(attempts.map((a) => [a.taskId, a.attempt, a.status])).toEqual([
      ["t0", 1, "abandoned"],
      ["t0", 2, "success"],
      ["t1", 1, "success"],
    ]);
    expect(attempts[0].error.code).toBe("lease_expired");
  });

  it("never runs an attempt twice on duplicate deliveries: an http POST is called once per attempt, before or after the outcome", async () => {
    const q = manualQueue();
    cleanups.push(q.restore);
    const http = mockHttp(() => Response.json({ ok: true }));
    cleanups.push(http.restore);
    await registerDag("dupes", {
      tasks: {
        post: { type: "http", request: { method: "POST", url: "https://mock.test/charge", body: { amount: 1 } } },
        t1: { type: "sql", sql: "SELECT 1 AS i", dependsOn: ["post"] },
        t2: { type: "sql", sql: "SELECT 2 AS i", dependsOn: ["t1"] },
      },
    });
    const { runId } = await trigger("dupes");
    const first = q.pending[0];
    if (!first) throw new Error("nothing dispatched");
    // The same message three times in one batch, then again after the run ended.
    const batch = await q.deliver({ bodies: [first, first, first] });
    // One copy ran; the two others found the attempt in flight and went back to the queue for later.
    expect(batch.retryMessages).toHaveLength(2);
    await q.drain();
    const replay = await q.deliver({ bodies: [first] });
    expect(replay.explicitAcks).toHaveLength(1);

    const run = await waitForRun(runId);
    expect(run.status).toBe("success");
    expect(http.calls.filter((r) => r.url === "https://mock.test/charge")).toHaveLength(1);
    expect(run.tasks.map((t: any) => t.attempts)).toEqual([1, 1, 1]);
    const attempts = await attemptsOf(runId);
    expect(attempts.map((a) => [a.taskId, a.attempt, a.status])).toEqual([
      ["post", 1, "success"],
      ["t1", 1, "success"],
      ["t2", 1, "success"],
    ]);
    expect(q.pending).toHaveLength(0);
  });

  it("a resend while the first worker still runs the attempt is refused: the http task is called once", async () => {
    const q = manualQueue();
    cleanups.push(q.restore);
    const { http, release } = heldEndpoint();
    await registerDag("resend_running", {
      // The default timeout (300 s) does not fit the trigger's budget: the task starts through the queue.
      tasks: { post: { type: "http", request: { method: "POST", url: "https://mock.test/charge" } } },
    });
    const { runId } = await trigger("resend_running");
    const message = q.pending[0];
    if (!message) throw new Error("nothing dispatched");
    const running = q.deliver(); // the first worker: claims, then waits on the endpoint
    for (let i = 0; i < 100 && http.calls.length === 0; i++) await new Promise((r) => setTimeout(r, 10));
    expect(http.calls).toHaveLength(1);
    // The same attempt sent again (a dispatch-lease resend, a duplicate): refused while the first runs.
    const resend = await q.deliver({ bodies: [message] });
    expect(resend.retryMessages).toHaveLength(1);
    expect(http.calls).toHaveLength(1);
    // Held past HEARTBEAT_TIMEOUT_MS (1 s in tests): the worker's heartbeats keep its lease fresh.
    await new Promise((r) => setTimeout(r, 1_500));
    await runDurableObjectAlarm(stubFor(runId));
    expect(taskOf((await api(`/api/runs/${runId}`)).body, "post")).toMatchObject({ status: "running", attempts: 1 });
    expect((await q.deliver({ bodies: [message] })).retryMessages).toHaveLength(1);
    expect(http.calls).toHaveLength(1);
    release();
    await running;
    const run = await waitForRun(runId);
    expect(run.status).toBe("success");
    expect(http.calls).toHaveLength(1);
    expect((await attemptsOf(runId)).map((a) => [a.taskId, a.attempt, a.status])).toEqual([["post", 1, "success"]]);
  });

  it("a grant survives an eviction: after the coordinator reloads, a second claim is still refused and the first worker's report is accepted", async () => {
    const q = manualQueue();
    cleanups.push(q.restore);
    const { http, release } = heldEndpoint();
    // No heartbeat may rewrite the task rows before the eviction: only the grants row knows them.
    const beats = vi.spyOn(RunCoordinator.prototype, "heartbeat").mockResolvedValue({ ignored: [] });
    cleanups.push(() => beats.mockRestore());
    await registerDag("grant_evicted", {
      tasks: {
        a: { type: "http", request: { method: "POST", url: "https://mock.test/charge" } },
        b: { type: "http", request: { method: "POST", url: "https://mock.test/charge" } },
      },
    });
    const { runId } = await trigger("grant_evicted");
    const messages = q.pending.splice(0);
    expect(messages.map((m) => m.taskKey).sort()).toEqual(["a", "b"]);
    const running = q.deliver({ bodies: messages }); // one claim grants both (stored as one grants row)
    for (let i = 0; i < 100 && http.calls.length < 2; i++) await new Promise((r) => setTimeout(r, 10));
    expect(http.calls).toHaveLength(2);
    await evictDurableObject(stubFor(runId));
    // The reloaded object knows both grants: copies of the messages are refused, nothing runs again.
    const copies = await q.deliver({ bodies: messages });
    expect(copies.retryMessages).toHaveLength(2);
    expect(http.calls).toHaveLength(2);
    const view = (await api(`/api/runs/${runId}`)).body;
    expect(view.tasks.map((t: any) => [t.taskId, t.status, t.attempts])).toEqual([
      ["a", "running", 1],
      ["b", "running", 1],
    ]);
    release();
    await running;
    const run = await waitForRun(runId);
    expect(run.status).toBe("success");
    expect((await attemptsOf(runId)).map((a) => [a.taskId, a.attempt, a.status, a.via])).toEqual([
      ["a", 1, "success", "queue"],
      ["b", 1, "success", "queue"],
    ]);
    expect(http.calls).toHaveLength(2);
  });

  it("re-sends a queued attempt whose message was lost (a restarted local queue), same attempt number", async () => {
    const q = manualQueue();
    cleanups.push(q.restore);
    await registerDag("lost_msg", chain(2));
    const { runId } = await trigger("lost_msg");
    expect(q.pending.splice(0)).toHaveLength(1); // dropped on the floor

    await new Promise((r) => setTimeout(r, 1_100)); // past the dispatch lease (1 s in tests)
    await runDurableObjectAlarm(stubFor(runId));
    // (The object's own alarm may have fired too: a repeated send of the same attempt is harmless.)
    expect(q.pending.length).toBeGreaterThan(0);
    expect(new Set(q.pending.map((m) => JSON.stringify(m)))).toEqual(new Set([JSON.stringify({ v: 1, runId, taskKey: "t0", attempt: 1 })]));
    await q.drain();
    const run = await waitForRun(runId);
    expect(run.status).toBe("success");
    expect(run.tasks.map((t: any) => t.attempts)).toEqual([1, 1]);
  });

  it("survives eviction mid-run: one task done, one running, one pending; the reloaded coordinator finishes the run", async () => {
    const q = manualQueue();
    cleanups.push(q.restore);
    let release: (() => void) | undefined;
    const http = mockHttp(() => new Promise<Response>((resolve) => (release = () => resolve(Response.json({ step: "t1" })))));
    cleanups.push(http.restore);
    await registerDag("evicted", {
      tasks: {
        t0: { type: "sql", sql: "SELECT 0 AS i" },
        t1: { type: "http", dependsOn: ["t0"], request: { url: "https://mock.test/t1" } },
        t2: { type: "sql", dependsOn: ["t1"], sql: "SELECT 2 AS i" },
      },
    });
    const { runId } = await trigger("evicted");
    // The consumer runs t0, reports it, gets t1 back and waits on its request.
    const delivery = q.deliver();
    for (let i = 0; i < 250 && !release; i++) await new Promise((r) => setTimeout(r, 20));
    if (!release) throw new Error("t1 never started");
    const mid = (await api(`/api/runs/${runId}`)).body;
    expect(mid.tasks.map((t: any) => [t.taskId, t.status])).toEqual([
      ["t0", "success"],
      ["t1", "running"],
      ["t2", "pending"],
    ]);
    const before = await attemptsOf(runId);
    expect(before.map((a) => [a.taskId, a.attempt, a.status])).toEqual([
      ["t0", 1, "success"],
      ["t1", 1, "running"],
    ]);
    const instance = await runInDurableObject(stubFor(runId), (object) => object);

    await evictDurableObject(stubFor(runId));
    release();
    await delivery;

    const run = await waitForRun(runId);
    // A new object finished the run, from what the old one had stored.
    expect(await runInDurableObject(stubFor(runId), (object) => object)).not.toBe(instance);
    expect(run.status).toBe("success");
    expect(run.tasks.map((t: any) => [t.taskId, t.status, t.attempts, t.output])).toEqual([
      ["t0", "success", 1, [{ i: 0 }]],
      ["t1", "success", 1, { step: "t1" }],
      ["t2", "success", 1, [{ i: 2 }]],
    ]);
    const attempts = await attemptsOf(runId);
    expect(attempts.map((a) => [a.taskId, a.attempt, a.status, a.via])).toEqual([
      ["t0", 1, "success", "queue"],
      ["t1", 1, "success", "continuation"],
      ["t2", 1, "success", "continuation"],
    ]);
    // t0's ended attempt came back from storage unchanged; t1's is the attempt leased before the eviction
    // (its start is the worker's own, as reported).
    const [t0Before, t1Before] = before;
    expect(attempts[0]).toEqual(t0Before);
    expect([attempts[1].queuedAt, attempts[1].via]).toEqual([t1Before.queuedAt, t1Before.via]);
    expect(http.calls).toHaveLength(1);
    expect(q.pending).toHaveLength(0);
  });

  /** How many rows of the run the catalog holds (runs, task instances, attempts). */
  async function catalogRows(runId: string): Promise<number> {
    let n = 0;
    for (const table of ["runs", "task_instances", "task_attempts"]) {
      n += Number(await env.CATALOG.prepare(`SELECT count(*) AS n FROM ${table} WHERE run_id = ?`).bind(runId).first("n"));
    }
    return n;
  }

  /**
   * Runs a 2-task chain while every catalog write fails: the flush planned after t0 (CATALOG_FLUSH_MS
   * later) fails, then t1 ends the run and the write at its end fails too. Writes work again once no
   * write is in flight and the catalog holds nothing of the run; returns the run id.
   */
  async function runWhileCatalogDown(dagId: string): Promise<string> {
    const q = manualQueue();
    cleanups.push(q.restore);
    await registerDag(dagId, chain(2));
    const realBatch = env.CATALOG.batch.bind(env.CATALOG);
    let down = true;
    const failedAt: number[] = [];
    const batch = vi.spyOn(env.CATALOG, "batch").mockImplementation(async (statements) => {
      if (!down) return realBatch(statements);
      failedAt.push(Date.now());
      throw new Error("D1 unavailable");
    });
    cleanups.push(() => batch.mockRestore());
    const { runId } = await trigger(dagId);
    const off = { env: { ...env, CONTINUATION: "off" } };
    await q.deliver(off); // t0
    // Held until the planned flush has run: it fails (what a slow machine does on its own).
    for (let i = 0; i < 100 && failedAt.length === 0; i++) await new Promise((r) => setTimeout(r, 20));
    expect(failedAt.length).toBeGreaterThan(0);
    expect((await api(`/api/runs/${runId}`)).body.status).toBe("running");
    await q.drain(off); // t1 ends the run
    const run = await waitForRun(runId);
    expect(run.status).toBe("success");
    // The write when the run ended failed as well.
    const endedAt = Date.parse(run.endedAt);
    for (let i = 0; i < 100 && !failedAt.some((t) => t >= endedAt); i++) await new Promise((r) => setTimeout(r, 20));
    expect(failedAt.some((t) => t >= endedAt)).toBe(true);
    // The alarm (armed by the failures) waits for any write still in flight, then fails its own and
    // is armed again: after it, nothing is in flight that could reach D1 once it is back.
    let alarmRan = false;
    for (let i = 0; i < 100 && !(alarmRan = await runDurableObjectAlarm(stubFor(runId))); i++) {
      await new Promise((r) => setTimeout(r, 20));
    }
    expect(alarmRan).toBe(true);
    expect(await catalogRows(runId)).toBe(0);
    down = false;
    return runId;
  }

  /** The run's history as the catalog holds it, once `done` says it is all there (or after 2 s). */
  interface CatalogView {
    status?: string;
    triggerType?: string;
    tasks: unknown;
    attempts: unknown;
  }
  async function catalogOnce(runId: string, done: (r: CatalogView) => boolean): Promise<CatalogView> {
    let seen: CatalogView = { tasks: 0, attempts: 0 };
    for (let i = 0; i < 100; i++) {
      const row = await env.CATALOG.prepare("SELECT status, trigger_type FROM runs WHERE run_id = ?").bind(runId).first<any>();
      const tasks = await env.CATALOG.prepare("SELECT count(*) AS n FROM task_instances WHERE run_id = ? AND status = 'success'")
        .bind(runId)
        .first("n");
      const attempts = await env.CATALOG.prepare("SELECT count(*) AS n FROM task_attempts WHERE run_id = ?").bind(runId).first("n");
      seen = { status: row?.status, triggerType: row?.trigger_type, tasks, attempts };
      if (done(seen)) break;
      await new Promise((r) => setTimeout(r, 20));
    }
    return seen;
  }

  it("keeps catalog writes pending when D1 fails, and the alarm writes them later", async () => {
    // Every catalog write fails until the run has ended: the rows stay pending and the alarm is armed to retry.
    const runId = await runWhileCatalogDown("d1_down");
    const before = await env.CATALOG.prepare("SELECT count(*) AS n FROM task_attempts WHERE run_id = ?").bind(runId).first("n");
    expect(before).toBe(0);
    expect(await runDurableObjectAlarm(stubFor(runId))).toBe(true);
    expect(await catalogOnce(runId, (r) => r.status === "success" && r.tasks === 2 && r.attempts === 2)).toEqual({
      status: "success",
      triggerType: "api",
      tasks: 2,
      attempts: 2,
    });
  });

  it("writes the rows still pending after the coordinator was evicted (their marks come back from storage)", async () => {
    const runId = await runWhileCatalogDown("d1_down_evicted");
    await evictDurableObject(stubFor(runId));
    expect(await runDurableObjectAlarm(stubFor(runId))).toBe(true);
    expect(await catalogOnce(runId, (r) => r.status === "success" && r.tasks === 2 && r.attempts === 2)).toEqual({
      status: "success",
      triggerType: "api",
      tasks: 2,
      attempts: 2,
    });
  });
});
