import { afterEach, describe, expect, it, vi } from "vitest";
import { env } from "cloudflare:workers";
import { poolFor } from "../../src/pools/client";
import { RunCoordinator } from "../../src/run/coordinator/run-coordinator";
import { api, registerDag, taskOf, trigger, waitFor, waitForRun } from "./helpers";
import { manualQueue } from "./manual-queue";
import { mockHttp } from "./mock-http";

/**
 * Pools across runs and DAGs (HEARTBEAT_TIMEOUT_MS = 1,000 in tests): the API,
 * a pool of 2 shared by three DAGs never letting more than 2 attempts run, a
 * holder whose worker dies freed within the heartbeat timeout, the pool's own
 * check freeing a lease no run holds, and tasks refused by a pool failing for good.
 */

const cleanups: Array<() => void> = [];
afterEach(() => {
  while (cleanups.length > 0) cleanups.pop()?.();
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function putPool(name: string, slots: number) {
  const res = await api(`/api/pools/${name}`, { method: "PUT", json: { slots } });
  if (res.status !== 201 && res.status !== 200) throw new Error(`PUT pool: ${res.status} ${JSON.stringify(res.body)}`);
  return res;
}

describe("pools API", () => {
  it("PUT creates (201) and resizes (200); GET lists and shows one; bad input is a 400 naming the field; DELETE", async () => {
    const created = await api("/api/pools/api_pool", { method: "PUT", json: { slots: 3 } });
    expect(created.status).toBe(201);
    expect(created.body).toEqual({ name: "api_pool", slots: 3, used: 0, queued: 0, holders: [], waiting: [] });
    const resized = await api("/api/pools/api_pool", { method: "PUT", json: { slots: 5 } });
    expect(resized.status).toBe(200);
    expect(resized.body.slots).toBe(5);

    const bad = await api("/api/pools/api_pool", { method: "PUT", json: { slots: 0 } });
    expect(bad.status).toBe(400);
    expect(bad.body.error.issues.map((i: any) => i.path)).toEqual(["slots"]);
    const extra = await api("/api/pools/api_pool", { method: "PUT", json: { slots: 1, size: 2 } });
    expect(extra.status).toBe(400);
    const badName = await api("/api/pools/bad%20name", { method: "PUT", json: { slots: 1 } });
    expect(badName.status).toBe(400);
    expect(badName.body.error.message).toMatch(/^name: /);
    expect((await api("/api/pools", { token: null })).status).toBe(401);

    const list = await api("/api/pools");
    expect(list.status).toBe(200);
    expect(list.body.pools.find((p: any) => p.name === "api_pool")).toMatchObject({ slots: 5, used: 0, queued: 0, holders: [] });
    expect((await api("/api/pools/api_pool")).body.slots).toBe(5);
    expect((await api("/api/pools/no_such_pool")).status).toBe(404);

    const deleted = await api("/api/pools/api_pool", { method: "DELETE" });
    expect(deleted).toEqual({ status: 200, body: { name: "api_pool", deleted: true } });
    expect((await api("/api/pools/api_pool")).status).toBe(404);
    expect((await api("/api/pools")).body.pools.some((p: any) => p.name === "api_pool")).toBe(false);
    expect((await api("/api/pools/api_pool", { method: "DELETE" })).status).toBe(404);
  });

  it("DELETE is refused (409) while an attempt holds the pool", async () => {
    await putPool("busy_pool", 1);
    const ok = await poolFor(env, "busy_pool").update({
      runId: "d".repeat(32),
      release: [],
      acquire: [{ taskKey: "t", attempt: 1, slots: 1, priority: 1, requestedAt: Date.now() }],
    });
    expect(ok.granted).toHaveLength(1);
    const res = await api("/api/pools/busy_pool", { method: "DELETE" });
    expect(res.status).toBe(409);
    expect(res.body.error.code).toBe("pool_in_use");
    expect((await api("/api/pools/busy_pool")).body.used).toBe(1);
  });
});

describe("pools across runs", () => {
  it("a pool of 2 shared by three DAGs never has more than 2 holders, and never more than 2 of its tasks running", async () => {
    let running = 0;
    let most = 0;
    const http = mockHttp(async () => {
      running += 1;
      most = Math.max(most, running);
      await sleep(250);
      running -= 1;
      return Response.json({ ok: true });
    });
    cleanups.push(http.restore);
    await putPool("shared", 2);
    const task = { type: "http", request: { url: "https://mock.test/slow" }, pool: "shared", timeoutSeconds: 20 };
    for (const dag of ["pool_a", "pool_b", "pool_c"]) await registerDag(dag, { tasks: { x: task, y: task } });
    const runs = await Promise.all(["pool_a", "pool_b", "pool_c"].map((d) => trigger(d)));

    let mostHolders = 0;
    let mostUsed = 0;
    let sawQueue = false;
    let sawWaiting = false;
    const done = new Set<string>();
    while (done.size < runs.length) {
      const pool = (await api("/api/pools/shared")).body;
      mostHolders = Math.max(mostHolders, pool.holders.length);
      mostUsed = Math.max(mostUsed, pool.used);
      if (pool.queued > 0) sawQueue = true;
      for (const { runId } of runs) {
        const run = (await api(`/api/runs/${runId}`)).body;
        if (run.tasks.some((t: any) => t.status === "scheduled" && t.waitingFor?.pool === "shared")) sawWaiting = true;
        if (["success", "failed", "cancelled"].includes(run.status)) done.add(runId);
      }
      await sleep(10);
    }
    for (const { runId } of runs) expect((await waitForRun(runId)).status).toBe("success");
    expect(http.calls).toHaveLength(6);
    expect(most).toBe(2);
    expect(mostHolders).toBeLessThanOrEqual(2);
    expect(mostUsed).toBeLessThanOrEqual(2);
    expect(sawQueue).toBe(true);
    expect(sawWaiting).toBe(true);
    // Every lease was given back.
    const after = await waitFor(async () => {
      const p = (await api("/api/pools/shared")).body;
      return p.used === 0 && p.queued === 0 ? p : undefined;
    }, "the pool to empty");
    expect(after.holders).toEqual([]);
  });

  it("a holder whose worker dies is freed within the heartbeat timeout; the next waiting task gets the slot", async () => {
    const q = manualQueue();
    cleanups.push(q.restore);
    let releaseFirst: () => void = () => undefined;
    const hung = new Promise<void>((r) => (releaseFirst = r));
    let calls = 0;
    const http = mockHttp(async () => {
      calls += 1;
      if (calls === 1) await hung; // the first attempt's worker is as good as dead
      return Response.json({ ok: true });
    });
    cleanups.push(http.restore);
    // Its heartbeats stop reaching the coordinator, as when its invocation is killed.
    const beats = vi.spyOn(RunCoordinator.prototype, "heartbeat").mockRejectedValue(new Error("worker gone"));
    cleanups.push(() => beats.mockRestore());
    await putPool("solo", 1);
    const task = { type: "http", request: { url: "https://mock.test/slow" }, pool: "solo" };
    await registerDag("solo_a", { tasks: { call: task } });
    await registerDag("solo_b", { tasks: { call: task } });
    const a = await trigger("solo_a");
    await waitFor(async () => (q.pending.length > 0 ? true : undefined), "run A's task to be granted and queued");
    const b = await trigger("solo_b");
    const waiting = await waitFor(async () => {
      const p = (await api("/api/pools/solo")).body;
      return p.queued === 1 ? p : undefined;
    }, "run B to wait");
    expect(waiting.holders.map((h: any) => [h.runId, h.attempt])).toEqual([[a.runId, 1]]);
    expect(taskOf((await api(`/api/runs/${b.runId}`)).body, "call")).toMatchObject({ status: "scheduled", waitingFor: { pool: "solo" } });

    const claimedAt = Date.now();
    const first = q.deliver(); // claims A's attempt 1 and hangs on it
    const freed = await waitFor(async () => {
      const p = (await api("/api/pools/solo")).body;
      return p.holders.some((h: any) => h.runId === a.runId && h.attempt === 1) ? undefined : p;
    }, "A's lease to be freed", 10_000);
    const freedAt = Date.now();
    // HEARTBEAT_TIMEOUT_MS (1 s) plus one alarm: a crash never keeps the slot.
    expect(freedAt - claimedAt).toBeGreaterThanOrEqual(900);
    expect(freedAt - claimedAt).toBeLessThan(3_000);
    // The slot went to B, which waited longer than A's next attempt.
    expect(freed.holders.map((h: any) => h.runId)).toEqual([b.runId]);
    expect(freed.waiting.map((w: any) => [w.runId, w.attempt])).toEqual([[a.runId, 2]]);

    beats.mockRestore();
    await q.drain();
    await waitFor(async () => {
      await q.drain();
      const [ra, rb] = await Promise.all([a, b].map(async (r) => (await api(`/api/runs/${r.runId}?tasks=false`)).body.status));
      return ra === "success" && rb === "success" ? true : undefined;
    }, "both runs to succeed");
    const attempts = (await api(`/api/runs/${a.runId}/attempts`)).body.attempts;
    expect(attempts.map((x: any) => [x.attempt, x.status])).toEqual([
      [1, "abandoned"],
      [2, "success"],
    ]);
    releaseFirst();
    await first;
    expect((await api("/api/pools/solo")).body).toMatchObject({ used: 0, queued: 0 });
  });

  it("a lease no run holds (a lost release, a run that does not exist) is freed by the pool's own check", async () => {
    await putPool("orphans", 1);
    const pool = poolFor(env, "orphans");
    const ghost = await pool.update({
      runId: "e".repeat(32),
      release: [],
      acquire: [{ taskKey: "ghost", attempt: 1, slots: 1, priority: 1, requestedAt: Date.now() }],
    });
    expect(ghost.granted).toEqual([{ runId: "e".repeat(32), taskKey: "ghost", attempt: 1 }]);
    const grantedAt = Date.now();
    await waitFor(async () => ((await pool.view())?.used === 0 ? true : undefined), "the ghost lease to be freed", 5_000);
    expect(Date.now() - grantedAt).toBeLessThan(3_000);
  });

  it("a task whose pool does not exist, or that asks for more slots than the pool has, fails for good naming the pool", async () => {
    await putPool("small", 2);
    await registerDag("pool_refusals", {
      tasks: {
        unknown: { type: "function", function: "noop", pool: "missing_pool", retries: { limit: 3 } },
        greedy: { type: "function", function: "noop", pool: "small", poolSlots: 3 },
        fits: { type: "function", function: "noop", pool: "small", poolSlots: 2 },
      },
    });
    const { runId } = await trigger("pool_refusals");
    const run = await waitForRun(runId);
    expect(run.status).toBe("failed");
    expect(taskOf(run, "unknown")).toMatchObject({
      status: "failed",
      attempts: 0,
      error: { message: "pool 'missing_pool': the pool does not exist", code: "pool", retryable: false },
    });
    expect(taskOf(run, "greedy").error.message).toBe("pool 'small': poolSlots 3 is more than the pool's 2 slots");
    expect(taskOf(run, "fits").status).toBe("success");
    expect((await api("/api/pools/missing_pool")).status).toBe(404);
  });
});
